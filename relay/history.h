/* SPDX-License-Identifier: ISC */
/*
 * history.c: the sent-mail history, SPOOL/history/history.db: one row per
 * recipient SES accepted (queue id, Message-ID, SES message id, sender,
 * recipient, time, size) and the delivery events SES published for them.
 * The only file that includes <sqlite3.h>; only sesrelay(8) links it, never
 * the intake binary.
 *
 * Why SQLite: the access pattern is append-mostly with point lookups by four
 * different keys (queue id, Message-ID, SES id, recipient + time) over
 * millions of rows, time-ordered deletion, and concurrent readers (trace,
 * status) next to two writers (the runner, the event poller).  That is what
 * an embedded B-tree database with secondary indexes and a write-ahead log
 * does; a home-made index would re-implement it, less safely.  WAL with
 * synchronous=NORMAL survives a crash of the daemon (a power loss may lose
 * the last rows, never corrupt the file); the spool, not this history,
 * remains the record of what must still be sent.
 *
 * Handles are not shared between threads: each thread opens its own.
 * Functions return 0 (or a count) on success and -1 on error with the
 * reason in err when they take one.
 */
#ifndef SESRELAY_HISTORY_H
#define SESRELAY_HISTORY_H

#include <stddef.h>

struct config;
struct envelope;
struct history;

enum history_mode {
	HISTORY_WRITE,		/* create the directory and file if missing */
	HISTORY_READ		/* fail when there is no history yet (ENOENT) */
};

/* Open SPOOL/history/history.db.  NULL with err on failure (errno ENOENT
 * in HISTORY_READ mode when the daemon never recorded anything). */
struct history *history_open(const char *spool_dir, enum history_mode mode,
	    char *err, size_t errlen);
void	history_close(struct history *h);
/* Path of the database file for a spool (for messages). */
void	history_path(const char *spool_dir, char *buf, size_t len);

/* One recipient SES accepted. */
struct history_sent {
	double		 time;		/* SES's 250, epoch seconds */
	const char	*qid;
	const char	*msgid;		/* Message-ID header without <>, or "" */
	const char	*ses_id;	/* SES message id, or "" */
	const char	*sender;	/* envelope sender, "" = null sender */
	const char	*rcpt;		/* address sent to SES (after aliases) */
	const char	*orig_rcpt;	/* address as submitted */
	const char	*user;		/* who submitted it */
	long		 uid;
	double		 arrival;
	long		 size;
};
int	history_add_sent(struct history *h, const struct history_sent *s);

/* The daemon's single entry point: record that SES accepted `rcpt` of
 * message `qid` (fd open on the spool file, e its envelope) with `ses_id`.
 * Opens the history on first use; a history that cannot be written is
 * logged once and otherwise ignored (delivery never depends on it). */
void	history_note_sent(const struct config *cf, const char *qid, int fd,
	    const struct envelope *e, const char *rcpt, const char *orig_rcpt,
	    const char *ses_id);

/* The daemon's rows are written in one transaction per group, as the
 * queue's removals are fsynced together (runner.c's group commit): a
 * commit per recipient cost a WAL write and four lock calls each.  The
 * time the open group began, or 0 when none is open; commit it. */
double	history_note_since(void);
void	history_note_commit(void);

/* The Message-ID of a spooled message (without <>), malloc'd; "" when it
 * has none. */
char	*history_message_id(int fd, const struct envelope *e);

/* One published event for one recipient. */
struct history_event {
	const char	*ses_id;
	const char	*rcpt;
	const char	*qid;		/* "" when unknown */
	const char	*type;		/* "Delivery", "Bounce", ... (events.h) */
	double		 time;		/* event time, epoch seconds */
	const char	*kind;		/* bounce type / delay type / feedback type */
	const char	*subtype;	/* bounce sub-type */
	const char	*status;	/* DSN status "5.1.1" */
	const char	*diag;		/* remote MTA's words (smtpResponse / diagnosticCode) */
	const char	*mta;		/* reporting MTA */
	const char	*remote_ip;
	double		 expires;	/* DeliveryDelay: when SES gives up; 0 */
};
/* Store an event: 1 stored, 0 already there (redelivery), -1 error. */
int	history_add_event(struct history *h, const struct history_event *ev);

/* The queue id of the recipient SES accepted under ses_id: 1 found (qid
 * filled, at least QID_LEN + 1 octets), 0 not found, -1 error. */
int	history_find_sent(struct history *h, const char *ses_id, const char *rcpt,
	    char *qid, size_t qidlen);

/* The sent record of (ses_id, rcpt) for a bounce notice: 1 found (strings
 * malloc'd into out, free with history_row_free), 0 not, -1 error. */
struct history_row {
	char	*qid, *msgid, *sender;
	double	 time;
};
int	history_sent_row(struct history *h, const char *ses_id, const char *rcpt,
	    struct history_row *out);
void	history_row_free(struct history_row *r);

/* 1 when SES accepted at least one recipient of queue id qid, 0 not, -1. */
int	history_known(struct history *h, const char *qid);

/* Counters kept in the database (unknown and malformed events). */
int	history_counter_add(struct history *h, const char *name, long n);
long	history_counter(struct history *h, const char *name);

/* Drop rows older than `retention` seconds, then the oldest rows until the
 * live data fits in max_bytes (freed pages are reused, so the file stops
 * growing there).  Returns rows removed, -1 on error. */
long	history_prune(struct history *h, double now, long retention, long max_bytes);

/* Counts since `since` for status. */
struct history_rates {
	long	sent;		/* recipients SES accepted */
	long	delivered;
	long	bounced_hard;	/* Permanent, not OnAccountSuppressionList */
	long	bounced_other;	/* transient, undetermined, account list */
	long	complaints;
	long	delayed;	/* recipients with a DeliveryDelay */
	long	events;		/* all events */
};
int	history_rates(struct history *h, double since, struct history_rates *r);

/* Trace: every message whose queue id, Message-ID, SES id or recipient
 * equals `query`, sent or with events since `since`, oldest first.  For
 * each matching message `on_msg` is called once with the first row's
 * message data, then `on_step` per step in time order.  With a recipient
 * query only that recipient's steps are reported.  Returns the number of
 * messages, -1 on error. */
struct trace_msg {
	const char	*qid, *msgid, *sender, *user;
	long		 uid, size;
	double		 arrival;
};
struct trace_step {
	const char	*rcpt;
	const char	*type;		/* "Sent" or an event type */
	double		 time;
	const char	*ses_id;
	const char	*kind, *subtype, *status, *diag, *mta, *remote_ip;
	double		 expires;
};
struct trace_cb {
	void	(*on_msg)(void *arg, const struct trace_msg *m);
	void	(*on_step)(void *arg, const struct trace_step *s);
	void	*arg;
};
int	history_trace(struct history *h, const char *query, double since,
	    size_t limit, const struct trace_cb *cb);

/* Group the writes between these in one transaction (the event poller
 * stores a batch at a time).  0 or -1. */
int	history_begin(struct history *h);
int	history_commit(struct history *h);

/* Message of the last error on this handle. */
const char *history_error(struct history *h);

#endif
