/* SPDX-License-Identifier: ISC */
/* runner_int.h: what runner.c (the loop: index, pickup, dispatch, signals,
 * queue-wide hold and status) and runner_msg.c (one message: rewriting,
 * transactions, replies, state, bounce) share.  Private to the daemon. */
#ifndef SESRELAY_RUNNER_INT_H
#define SESRELAY_RUNNER_INT_H

#include "envelope.h"
#include "metrics.h"
#include "qindex.h"
#include "ratelimit.h"
#include "senderhold.h"
#include "smtp.h"
#include "spool.h"

#define MAX_RCPTS_PER_TXN 50	/* SES's limit per message */
#define NO_WIRE ((size_t)-1)

struct active;

struct txn {
	struct smtp_job	 job;
	struct active	*msg;
	size_t		 base;		/* its first recipient in msg->wire */
	int		 retried_now;
};

/*
 * A message being delivered.  Its transactions are cut from `wire` as
 * workers and rate tokens allow (at most `connections` in flight), each
 * reusing a finished one's stream, so memory does not grow with the
 * recipient count beyond the state and the distinct addresses.
 */
struct active {
	char		 id[QID_LEN + 1];
	int		 fd;
	struct envelope	 e;
	struct msg_state st;
	char		*wire_from;
	char		**wire;		/* distinct wire addresses being sent */
	unsigned char	*wire_owned;	/* 1: wire[i] is ours, 0: a state address */
	size_t		 nwire;
	size_t		 next_wire;	/* first one not yet in a transaction */
	size_t		*first;		/* per wire address: its first state recipient */
	size_t		*next_same;	/* per state recipient: next one with the same
					   wire address, or NO_WIRE */
	struct msgstream **spare;	/* streams of finished transactions */
	size_t		 nspare;
	int		 out;		/* transactions in flight */
	int		 stop;		/* send no more transactions this round */
	int		 probe;
	int		 sender_probe;	/* its sender was held: this is its probe */
	int		 throttled;	/* a transaction got "slow down" */
	double		 saved_at;	/* last state save (checkpoint) */
	double		 save_cost;	/* seconds the last save took */
	struct active	*next;
};

struct runner {
	struct config	*cf;
	struct spool	 sp;
	struct transport *pool;	/* transport.h: SMTP or API */
	char		*password;
	char		 password_err[512];
	int		 wake[2];
	int		 sigfd, inofd;
	int		 once, stopping;
	double		 stop_deadline, next_rescan, paused_until, next_probe;
	int		 held, probe_out, pool_restart, rescan_maildrop;
	int		 unsynced;	/* removals not yet fsynced */
	double		 unsynced_since;	/* the first of them */
	double		 feed_at;	/* rate tokens for a message in flight */
	struct qindex	 qi;		/* queued messages by id and due time */
	struct active	*active;
	struct ratelimit rl;
	struct sender_holds sh;		/* mail held per sender (senderhold.h) */
	struct queue_status qs;
	int		 qs_dirty;	/* run/status to write now (a hold, a pause ...) */
	int		 qs_stale;	/* only counters changed: within STATUS_LAG */
	double		 qs_saved;
	struct metrics_counters counts;	/* for metrics.c */
	double		 metrics_due;
};

/* runner.c */
/* The index entry of a queued message, or NULL. */
struct qentry	*runner_q_find(struct runner *r, const char *id);
/* Add or update a message's next due time (INFINITY: not due). */
void	runner_q_set(struct runner *r, const char *id, double due);
void	runner_q_del(struct runner *r, const char *id);
/* 1 when the message is being worked on (in r->active). */
int	runner_is_active(struct runner *r, const char *id);
/* Earliest next attempt of the pending recipients (0: finalize now). */
double	runner_state_due(const struct msg_state *st);
/* Remember a failure for run/status (first since the last success, last). */
void	runner_note_failure(struct runner *r, const char *id, const char *text);
/* Hold the whole queue (configuration error): one log line, status. */
void	runner_hold(struct runner *r, const char *id, const char *reply,
	    const char *hint);
void	runner_release(struct runner *r, const char *why);
/* Hold only the mail of one sender (its own address refused by SES). */
void	runner_hold_sender(struct runner *r, const char *id, const char *sender,
	    const char *reply, const char *hint);
void	runner_release_sender(struct runner *r, const char *sender, const char *why);

/* runner_msg.c */
/* Start a due message: 0 when started or settled, -1 when it must wait
 * for the rate limit (qe->due is then set). */
int	runner_msg_start(struct runner *r, struct qentry *qe, int probe);
/* Submit the message's next transactions while workers are idle: 0, or -1
 * when the rate limit says wait (r->feed_at is then set). */
int	runner_msg_feed(struct runner *r, struct active *a);
/* Apply a finished transaction's replies to its message's state. */
void	runner_msg_result(struct runner *r, struct txn *t);
/* Done with a message for now: remove, move to failed/ + bounce, or put
 * it back in the index with its next due time; unlock and free it. */
void	runner_msg_finish(struct runner *r, struct active *a);

#endif
