/* SPDX-License-Identifier: ISC */
/*
 * history.c: the sent-mail history in SQLite (why SQLite: history.h).
 * Schema version 1:
 *
 *	sent	one row per recipient SES accepted
 *	events	one row per (SES id, recipient, event type, event time): the
 *		unique key makes a redelivered event a no-op
 *	counters name -> value (unknown and malformed events)
 *
 * Events and sent rows are joined at read time by SES message id and
 * recipient, so an event stored before our 250 was recorded still shows.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config.h"
#include "envelope.h"
#include "header.h"
#include "history.h"
#include "log.h"
#include "util.h"

struct history {
	sqlite3		*db;
	sqlite3_stmt	*add_sent, *add_event, *find_sent, *claim;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS sent ("
	"  id INTEGER PRIMARY KEY, time REAL NOT NULL, qid TEXT NOT NULL,"
	"  msgid TEXT NOT NULL, ses_id TEXT NOT NULL, sender TEXT NOT NULL,"
	"  rcpt TEXT NOT NULL COLLATE NOCASE, orig_rcpt TEXT NOT NULL COLLATE NOCASE,"
	"  user TEXT NOT NULL, uid INTEGER, arrival REAL, size INTEGER);"
	"CREATE INDEX IF NOT EXISTS sent_time ON sent(time);"
	"CREATE INDEX IF NOT EXISTS sent_qid ON sent(qid);"
	"CREATE INDEX IF NOT EXISTS sent_msgid ON sent(msgid);"
	"CREATE INDEX IF NOT EXISTS sent_ses ON sent(ses_id, rcpt);"
	"CREATE INDEX IF NOT EXISTS sent_rcpt ON sent(rcpt, time);"
	"CREATE INDEX IF NOT EXISTS sent_orig ON sent(orig_rcpt, time);"
	"CREATE TABLE IF NOT EXISTS events ("
	"  id INTEGER PRIMARY KEY, ses_id TEXT NOT NULL,"
	"  rcpt TEXT NOT NULL COLLATE NOCASE, qid TEXT NOT NULL, type TEXT NOT NULL,"
	"  time REAL NOT NULL, kind TEXT, subtype TEXT, status TEXT, diag TEXT,"
	"  mta TEXT, remote_ip TEXT, expires REAL,"
	"  UNIQUE (ses_id, rcpt, type, time));"
	"CREATE INDEX IF NOT EXISTS events_time ON events(time);"
	"CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER);"
	"PRAGMA user_version = 1;";

void
history_path(const char *spool_dir, char *buf, size_t len)
{
	snprintf(buf, len, "%s/history/history.db", spool_dir);
}

const char *
history_error(struct history *h)
{
	return h && h->db ? sqlite3_errmsg(h->db) : "no history";
}

static int
exec(struct history *h, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(h->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(h->db));
	sqlite3_free(msg);
	return -1;
}

static int
prepare(struct history *h, sqlite3_stmt **st, const char *sql)
{
	return sqlite3_prepare_v3(h->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) ==
	    SQLITE_OK ? 0 : -1;
}

struct history *
history_open(const char *spool_dir, enum history_mode mode, char *err, size_t errlen)
{
	struct history *h = xcalloc(1, sizeof(*h));
	char path[1024], dir[1024];
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	history_path(spool_dir, path, sizeof(path));
	snprintf(dir, sizeof(dir), "%s/history", spool_dir);
	if (mode == HISTORY_WRITE) {
		if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
			free(h);
			return NULL;
		}
		flags |= SQLITE_OPEN_CREATE;
	} else if (access(path, F_OK) == -1) {
		snprintf(err, errlen, "no sent-mail history yet (%s: %s)", path,
		    strerror(errno));
		free(h);
		errno = ENOENT;
		return NULL;
	}
	if (sqlite3_open_v2(path, &h->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", path, sqlite3_errmsg(h->db));
		goto fail;
	}
	/* Two writers (runner, poller) and readers (trace, status): wait for
	 * each other instead of failing.  1 MB of page cache per handle keeps
	 * the daemon within its memory budget (2 MB put a 50,000-recipient
	 * message at 16 MB of added RSS, issue 7's limit). */
	sqlite3_busy_timeout(h->db, 10000);
	if (exec(h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	    "PRAGMA cache_size=-1024; PRAGMA temp_store=MEMORY;", err, errlen) == -1 ||
	    (mode == HISTORY_WRITE && exec(h, schema, err, errlen) == -1))
		goto fail;
	if (prepare(h, &h->add_sent, "INSERT INTO sent (time, qid, msgid, ses_id, "
	    "sender, rcpt, orig_rcpt, user, uid, arrival, size) VALUES "
	    "(?,?,?,?,?,?,?,?,?,?,?)") == -1 ||
	    prepare(h, &h->add_event, "INSERT OR IGNORE INTO events (ses_id, rcpt, qid, "
	    "type, time, kind, subtype, status, diag, mta, remote_ip, expires) VALUES "
	    "(?,?,?,?,?,?,?,?,?,?,?,?)") == -1 ||
	    prepare(h, &h->find_sent, "SELECT qid FROM sent WHERE ses_id = ? AND "
	    "rcpt = ? LIMIT 1") == -1 ||
	    prepare(h, &h->claim, "UPDATE events SET qid = ?1 WHERE ses_id = ?2 AND "
	    "rcpt = ?3 AND qid = ''") == -1) {
		snprintf(err, errlen, "%s: %s (written by another version?)", path,
		    sqlite3_errmsg(h->db));
		goto fail;
	}
	return h;
fail:
	history_close(h);
	return NULL;
}

int
history_begin(struct history *h)
{
	return sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

int
history_commit(struct history *h)
{
	return sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

void
history_close(struct history *h)
{
	if (h == NULL)
		return;
	sqlite3_finalize(h->add_sent);
	sqlite3_finalize(h->add_event);
	sqlite3_finalize(h->find_sent);
	sqlite3_finalize(h->claim);
	sqlite3_close(h->db);
	free(h);
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_STATIC);
}

/* Step a write statement to its end and reset it. */
static int
run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
history_add_sent(struct history *h, const struct history_sent *s)
{
	sqlite3_stmt *st = h->add_sent;

	sqlite3_bind_double(st, 1, s->time);
	bind_text(st, 2, s->qid);
	bind_text(st, 3, s->msgid);
	bind_text(st, 4, s->ses_id);
	bind_text(st, 5, s->sender);
	bind_text(st, 6, s->rcpt);
	/* The address as submitted only when an alias changed it: a smaller
	 * row and index for the common case. */
	bind_text(st, 7, s->orig_rcpt && strcasecmp(s->orig_rcpt, s->rcpt) != 0 ?
	    s->orig_rcpt : "");
	bind_text(st, 8, s->user);
	sqlite3_bind_int64(st, 9, s->uid);
	sqlite3_bind_double(st, 10, s->arrival);
	sqlite3_bind_int64(st, 11, s->size);
	if (run(st) == -1)
		return -1;
	/* Events that came before this 250 was recorded now have a queue id. */
	bind_text(h->claim, 1, s->qid);
	bind_text(h->claim, 2, s->ses_id);
	bind_text(h->claim, 3, s->rcpt);
	return run(h->claim);
}

int
history_add_event(struct history *h, const struct history_event *ev)
{
	sqlite3_stmt *st = h->add_event;

	bind_text(st, 1, ev->ses_id);
	bind_text(st, 2, ev->rcpt);
	bind_text(st, 3, ev->qid);
	bind_text(st, 4, ev->type);
	sqlite3_bind_double(st, 5, ev->time);
	bind_text(st, 6, ev->kind);
	bind_text(st, 7, ev->subtype);
	bind_text(st, 8, ev->status);
	bind_text(st, 9, ev->diag);
	bind_text(st, 10, ev->mta);
	bind_text(st, 11, ev->remote_ip);
	sqlite3_bind_double(st, 12, ev->expires);
	if (run(st) == -1)
		return -1;
	return sqlite3_changes(h->db) > 0;
}

int
history_find_sent(struct history *h, const char *ses_id, const char *rcpt,
    char *qid, size_t qidlen)
{
	sqlite3_stmt *st = h->find_sent;
	int rc;

	bind_text(st, 1, ses_id);
	bind_text(st, 2, rcpt);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(qid, qidlen, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
history_counter_add(struct history *h, const char *name, long n)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(h->db, "INSERT INTO counters VALUES (?1, ?2) ON CONFLICT"
	    "(name) DO UPDATE SET value = value + ?2", -1, &st, NULL) != SQLITE_OK)
		return -1;
	bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, n);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* One integer from a query with up to one double parameter; -1 on error. */
static long
scalar(struct history *h, const char *sql, const char *text, double d)
{
	sqlite3_stmt *st;
	long v = -1;

	if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (text)
		bind_text(st, 1, text);
	else
		sqlite3_bind_double(st, 1, d);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int
history_sent_row(struct history *h, const char *ses_id, const char *rcpt,
    struct history_row *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(h->db, "SELECT qid, msgid, sender, time FROM sent WHERE "
	    "ses_id = ? AND rcpt = ? LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	bind_text(st, 1, ses_id);
	bind_text(st, 2, rcpt);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->qid = xstrdup((const char *)sqlite3_column_text(st, 0));
		out->msgid = xstrdup((const char *)sqlite3_column_text(st, 1));
		out->sender = xstrdup((const char *)sqlite3_column_text(st, 2));
		out->time = sqlite3_column_double(st, 3);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

void
history_row_free(struct history_row *r)
{
	free(r->qid);
	free(r->msgid);
	free(r->sender);
	memset(r, 0, sizeof(*r));
}

int
history_known(struct history *h, const char *qid)
{
	long v = scalar(h, "SELECT EXISTS (SELECT 1 FROM sent WHERE qid = ?)", qid, 0);

	return v < 0 ? -1 : v > 0;
}

long
history_counter(struct history *h, const char *name)
{
	long v = scalar(h, "SELECT coalesce((SELECT value FROM counters WHERE "
	    "name = ?), 0)", name, 0);

	return v < 0 ? 0 : v;
}

static long
delete_before(struct history *h, double t)
{
	sqlite3_stmt *st;
	long n = 0;
	const char *sql[] = { "DELETE FROM sent WHERE time < ?",
	    "DELETE FROM events WHERE time < ?" };
	size_t i;

	for (i = 0; i < 2; i++) {
		if (sqlite3_prepare_v2(h->db, sql[i], -1, &st, NULL) != SQLITE_OK)
			return -1;
		sqlite3_bind_double(st, 1, t);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return -1;
		}
		n += sqlite3_changes(h->db);
		sqlite3_finalize(st);
	}
	return n;
}

static long
live_bytes(struct history *h)
{
	long pages = scalar(h, "PRAGMA page_count", NULL, 0);
	long freel = scalar(h, "PRAGMA freelist_count", NULL, 0);
	long size = scalar(h, "PRAGMA page_size", NULL, 0);

	return pages < 0 || freel < 0 || size < 0 ? -1 : (pages - freel) * size;
}

long
history_prune(struct history *h, double now, long retention, long max_bytes)
{
	long n, total, round;
	double cut;

	if ((total = delete_before(h, now - (double)retention)) < 0)
		return -1;
	/* Over the size bound: drop the oldest tenth, until it fits. */
	for (round = 0; round < 20 && live_bytes(h) > max_bytes; round++) {
		cut = 0;
		{
			sqlite3_stmt *st;

			if (sqlite3_prepare_v2(h->db, "SELECT time FROM sent ORDER BY time "
			    "LIMIT 1 OFFSET (SELECT count(*) / 10 FROM sent)", -1, &st,
			    NULL) != SQLITE_OK)
				return -1;
			if (sqlite3_step(st) == SQLITE_ROW)
				cut = sqlite3_column_double(st, 0);
			sqlite3_finalize(st);
		}
		if (cut <= 0)
			cut = now;	/* fewer than 10 rows: everything goes */
		if ((n = delete_before(h, cut + 1e-6)) <= 0)
			break;
		total += n;
	}
	return total;
}

int
history_rates(struct history *h, double since, struct history_rates *r)
{
	sqlite3_stmt *st;

	memset(r, 0, sizeof(*r));
	if ((r->sent = scalar(h, "SELECT count(*) FROM sent WHERE time >= ?", NULL,
	    since)) < 0 ||
	    (r->delayed = scalar(h, "SELECT count(*) FROM (SELECT DISTINCT ses_id, rcpt "
	    "FROM events WHERE type = 'DeliveryDelay' AND time >= ?)", NULL, since)) < 0)
		return -1;
	if (sqlite3_prepare_v2(h->db, "SELECT type, kind, subtype, count(*) FROM events "
	    "WHERE time >= ? GROUP BY 1, 2, 3", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_double(st, 1, since);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(st, 0);
		const char *kind = (const char *)sqlite3_column_text(st, 1);
		const char *sub = (const char *)sqlite3_column_text(st, 2);
		long n = (long)sqlite3_column_int64(st, 3);

		r->events += n;
		if (strcmp(type, "Delivery") == 0)
			r->delivered += n;
		else if (strcmp(type, "Complaint") == 0)
			r->complaints += n;
		else if (strcmp(type, "Bounce") == 0) {
			/* SES's bounce rate counts hard bounces only, and not
			 * those to addresses on the account's suppression list. */
			if (kind && strcmp(kind, "Permanent") == 0 &&
			    !(sub && strcmp(sub, "OnAccountSuppressionList") == 0))
				r->bounced_hard += n;
			else
				r->bounced_other += n;
		}
	}
	sqlite3_finalize(st);
	return 0;
}

/* ---- the daemon's recorder ------------------------------------------------- */

char *
history_message_id(int fd, const struct envelope *e)
{
	char buf[32768], *p, *end, *field, *v, *id = NULL;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, e->data_offset);

	if (n <= 0)
		return xstrdup("");
	buf[n] = '\0';
	if ((end = strstr(buf, "\n\n")) != NULL)
		end[1] = '\0';
	for (p = buf; *p && id == NULL; ) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (header_name_len(p, len) && header_is(p, "Message-ID")) {
			/* The field and its continuation lines. */
			char *q = nl;

			while (q && (q[1] == ' ' || q[1] == '\t'))
				q = strchr(q + 1, '\n');
			field = xstrndup(p, q ? (size_t)(q - p) : strlen(p));
			v = header_value(field);
			free(field);
			p = v + strspn(v, " \t<");
			id = xstrndup(p, strcspn(p, "> \t"));
			free(v);
			break;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return id ? id : xstrdup("");
}

/* The daemon's main thread owns this handle (the event poller has its
 * own) and its open group of rows. */
static struct history *note_h;
static double note_since;
static long note_rows;
#define NOTE_ROWS_MAX 512

void
history_note_sent(const struct config *cf, const char *qid, int fd,
    const struct envelope *e, const char *rcpt, const char *orig_rcpt,
    const char *ses_id)
{
	/* The Message-ID is read once per message. */
	static int broken;
	static double next_prune;
	static char last_qid[64], *last_msgid;
	struct history_sent s;
	char err[512];
	double now = now_sec();

	if (broken)
		return;
	if (note_h == NULL && (note_h = history_open(cf->spool_dir, HISTORY_WRITE,
	    err, sizeof(err))) == NULL) {
		log_warnx("sent-mail history off: %s", err);
		broken = 1;
		return;
	}
	if (strcmp(last_qid, qid) != 0 || last_msgid == NULL) {
		free(last_msgid);
		last_msgid = history_message_id(fd, e);
		snprintf(last_qid, sizeof(last_qid), "%s", qid);
	}
	if (note_since == 0) {
		if (history_begin(note_h) == -1)
			log_warnx("sent-mail history: cannot begin a transaction: %s",
			    history_error(note_h));
		else
			note_since = now;
	}
	s = (struct history_sent){ now, qid, last_msgid, ses_id ? ses_id : "",
	    e->sender, rcpt, orig_rcpt, e->user, e->uid, e->arrival, e->size };
	if (history_add_sent(note_h, &s) == -1)
		log_warnx("%s: cannot record <%s> in the sent-mail history: %s", qid,
		    rcpt, history_error(note_h));
	if (++note_rows >= NOTE_ROWS_MAX)
		history_note_commit();
	if (now >= next_prune) {
		long n;

		history_note_commit();	/* the prune is a transaction of its own */
		n = history_prune(note_h, now, (long)cf->history_retention_days * 86400,
		    cf->history_max_mb * 1024 * 1024);
		if (n > 0)
			log_info("sent-mail history: %ld old record(s) removed", n);
		next_prune = now + 3600;
	}
}

double
history_note_since(void)
{
	return note_since;
}

void
history_note_commit(void)
{
	if (note_since == 0)
		return;
	if (history_commit(note_h) == -1)
		log_warnx("sent-mail history: cannot commit %ld record(s): %s",
		    note_rows, history_error(note_h));
	note_since = 0;
	note_rows = 0;
}

/* ---- trace ------------------------------------------------------------------- */

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? (const char *)s : "";
}

/* The message data of one queue id (first sent row), reported to on_msg. */
static void
trace_one_msg(struct history *h, const char *qid, const struct trace_cb *cb)
{
	struct trace_msg m = { qid, "", "", "", -1, -1, 0 };
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(h->db, "SELECT msgid, sender, user, uid, size, arrival "
	    "FROM sent WHERE qid = ? ORDER BY time LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return;
	bind_text(st, 1, qid);
	if (sqlite3_step(st) == SQLITE_ROW) {
		m.msgid = col(st, 0);
		m.sender = col(st, 1);
		m.user = col(st, 2);
		m.uid = (long)sqlite3_column_int64(st, 3);
		m.size = (long)sqlite3_column_int64(st, 4);
		m.arrival = sqlite3_column_double(st, 5);
	}
	cb->on_msg(cb->arg, &m);
	sqlite3_finalize(st);
}

static int
trace_steps(struct history *h, const char *qid, const char *rcpt,
    const struct trace_cb *cb)
{
	sqlite3_stmt *st;

	/* Events join by the SES ids this queue id was sent under (an event
	 * stored before its 250 has no queue id until then). */
	if (sqlite3_prepare_v2(h->db,
	    "SELECT rcpt, 'Sent', time, ses_id, '', '', '', '', '', '', 0 FROM sent "
	    "  WHERE qid = ?1 AND (?2 = '' OR rcpt = ?2 OR orig_rcpt = ?2) "
	    "UNION "
	    "SELECT rcpt, type, time, ses_id, kind, subtype, status, diag, mta, remote_ip, "
	    "  expires FROM events WHERE ses_id IN "
	    "  (SELECT ses_id FROM sent WHERE qid = ?1) AND (?2 = '' OR rcpt = ?2) "
	    "ORDER BY 3, 2 DESC", -1, &st, NULL) != SQLITE_OK)
		return -1;
	bind_text(st, 1, qid);
	bind_text(st, 2, rcpt);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct trace_step s = { col(st, 0), col(st, 1), sqlite3_column_double(st, 2),
		    col(st, 3), col(st, 4), col(st, 5), col(st, 6), col(st, 7), col(st, 8),
		    col(st, 9), sqlite3_column_double(st, 10) };

		cb->on_step(cb->arg, &s);
	}
	sqlite3_finalize(st);
	return 0;
}

int
history_trace(struct history *h, const char *query, double since, size_t limit,
    const struct trace_cb *cb)
{
	sqlite3_stmt *st;
	char **qids = NULL, msgid[1024];
	size_t n = 0, i;
	int is_rcpt;

	/* A Message-ID may be given with its angle brackets. */
	snprintf(msgid, sizeof(msgid), "%.*s", (int)strcspn(query + (*query == '<'), ">"),
	    query + (*query == '<'));
	is_rcpt = scalar(h, "SELECT EXISTS (SELECT 1 FROM sent WHERE rcpt = ?1) OR "
	    "EXISTS (SELECT 1 FROM sent WHERE orig_rcpt = ?1)", query, 0) > 0;
	if (sqlite3_prepare_v2(h->db,
	    "SELECT qid, min(t) FROM ("
	    " SELECT qid, time AS t FROM sent WHERE qid = ?1 AND time >= ?3"
	    " UNION ALL SELECT qid, time FROM sent WHERE msgid = ?2 AND time >= ?3"
	    " UNION ALL SELECT qid, time FROM sent WHERE ses_id = ?1 AND time >= ?3"
	    " UNION ALL SELECT qid, time FROM sent WHERE rcpt = ?1 AND time >= ?3"
	    " UNION ALL SELECT qid, time FROM sent WHERE orig_rcpt = ?1 AND time >= ?3"
	    " UNION ALL SELECT qid, time FROM events WHERE ses_id = ?1 AND time >= ?3"
	    ") WHERE qid <> '' GROUP BY qid ORDER BY 2 LIMIT ?4", -1, &st, NULL) != SQLITE_OK)
		return -1;
	bind_text(st, 1, query);
	bind_text(st, 2, msgid);
	sqlite3_bind_double(st, 3, since);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)limit);
	while (sqlite3_step(st) == SQLITE_ROW) {
		qids = xrealloc(qids, (n + 1) * sizeof(*qids));
		qids[n++] = xstrdup(col(st, 0));
	}
	sqlite3_finalize(st);
	for (i = 0; i < n; i++) {
		trace_one_msg(h, qids[i], cb);
		trace_steps(h, qids[i], is_rcpt ? query : "", cb);
		free(qids[i]);
	}
	free(qids);
	return (int)n;
}
