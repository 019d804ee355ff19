/* SPDX-License-Identifier: ISC */
/*
 * runner.c: the daemon's loop.  Memory stays small with any queue size:
 * only (id, next due time) is kept per message; a message's envelope and
 * state are loaded when it is due and dropped when its transactions end.
 *
 * Crash safety: a recipient's state is saved (state/ID, atomically) as
 * soon as its transaction's reply is in; a kill between SES's "250 Ok" and
 * that save is the only way a message can go out twice (SMTP cannot do
 * better).  The message file is flock'ed while it is being worked on, so
 * the queue commands never change it under our feet.
 */
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bounce.h"
#include "classify.h"
#include "config.h"
#include "log.h"
#include "msgstream.h"
#include "ratelimit.h"
#include "rewrite.h"
#include "runner.h"
#include "smtp.h"
#include "spool.h"
#include "util.h"

#define MAX_RCPTS_PER_TXN 50	/* SES's limit per message */
#define RESCAN_EVERY 300.0	/* safety net besides inotify */
#define STOP_GRACE 8.0		/* seconds in-flight transfers get on SIGTERM */
#define NO_WIRE ((size_t)-1)

struct qentry {
	char	 id[QID_LEN + 1];
	double	 due;		/* INFINITY: held by the operator */
	int	 waiting;	/* due later only for the rate limit or a throttle */
};

struct active;

struct txn {
	struct smtp_job	 job;
	struct active	*msg;
	size_t		 base;		/* its first recipient in msg->wire */
	int		 retried_now;
};

struct active {
	char		 id[QID_LEN + 1];
	int		 fd;
	struct envelope	 e;
	struct msg_state st;
	char		*wire_from;
	char		**wire;		/* distinct wire addresses being sent */
	size_t		 nwire;
	size_t		*wire_of;	/* per state recipient: index in wire, or NO_WIRE */
	int		 out;		/* transactions not finished */
	int		 probe;
	int		 throttled;	/* a transaction got "slow down" */
	struct active	*next;
};

struct runner {
	struct config	*cf;
	struct spool	 sp;
	struct smtp_pool *pool;
	char		*password;
	char		 password_err[512];
	int		 wake[2];
	int		 sigfd, inofd;
	int		 once, stopping;
	double		 stop_deadline, next_rescan, paused_until, next_probe;
	int		 held, probe_out, pool_restart, rescan_maildrop;
	int		 unsynced;	/* removals not yet fsynced */
	struct qentry	*q;
	size_t		 nq, capq;
	struct active	*active;
	struct ratelimit rl;
	struct queue_status qs;
	int		 qs_dirty;
};

/* ---- queue index ---------------------------------------------------------- */

static struct qentry *
q_find(struct runner *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->nq; i++)
		if (strcmp(r->q[i].id, id) == 0)
			return &r->q[i];
	return NULL;
}

static void
q_set(struct runner *r, const char *id, double due)
{
	struct qentry *e = q_find(r, id);

	if (e == NULL) {
		if (r->nq == r->capq)
			r->q = xrealloc(r->q, (r->capq = r->capq ? r->capq * 2 : 256) *
			    sizeof(*r->q));
		e = &r->q[r->nq++];
		memcpy(e->id, id, QID_LEN + 1);
	}
	e->due = due;
	e->waiting = 0;
}

static void
q_del(struct runner *r, const char *id)
{
	struct qentry *e = q_find(r, id);

	if (e != NULL)
		*e = r->q[--r->nq];
}

static int
is_active(struct runner *r, const char *id)
{
	struct active *a;

	for (a = r->active; a; a = a->next)
		if (strcmp(a->id, id) == 0)
			return 1;
	return 0;
}

/* Earliest next attempt of a message's pending recipients. */
static double
state_due(const struct msg_state *st)
{
	double due = INFINITY;
	size_t i;

	if (st->held)
		return INFINITY;
	for (i = 0; i < st->nrcpts; i++)
		if (st->rcpts[i].status == RCPT_PENDING &&
		    (double)st->rcpts[i].next_attempt < due)
			due = (double)st->rcpts[i].next_attempt;
	return due == INFINITY ? 0 : due;	/* nothing pending: finalize now */
}

/* ---- status ------------------------------------------------------------------ */

static void
note_failure(struct runner *r, const char *id, const char *text)
{
	long now = (long)now_sec();

	if (r->qs.first_failure == 0 || r->qs.first_failure < r->qs.last_success) {
		r->qs.first_failure = now;
		snprintf(r->qs.first_failure_text, sizeof(r->qs.first_failure_text),
		    "%s: %.480s", id, text);
	}
	r->qs.last_failure = now;
	snprintf(r->qs.last_failure_text, sizeof(r->qs.last_failure_text), "%s: %.480s",
	    id, text);
	r->qs_dirty = 1;
}

static void
save_status(struct runner *r)
{
	r->qs.pid = (long)getpid();
	r->qs.updated = (long)now_sec();
	r->qs.rate_configured = r->rl.max;
	r->qs.rate_current = r->rl.rate;
	if (r->qs.throttled_until && r->qs.throttled_until < r->qs.updated) {
		r->qs.throttled_until = 0;
		r->qs.throttle_reason[0] = '\0';
	}
	if (spool_status_save(&r->sp, &r->qs) == -1)
		log_warn("cannot write %s/status", r->sp.run);
	r->qs_dirty = 0;
}

/* ---- pickup ---------------------------------------------------------------- */

static void
pickup(struct runner *r, const char *id)
{
	struct envelope e;
	char err[512];
	struct stat st;
	int fd = spool_open(&r->sp, AREA_MAILDROP, id, &e, err, sizeof(err));

	if (fd == -1) {
		if (errno == EAGAIN)
			r->rescan_maildrop = 1;	/* between link and unlink: soon */
		if (errno == EINVAL) {
			/* Complete files always parse: this one is foreign or
			 * damaged.  Keep it for the admin, never deliver it. */
			log_warnx("%s: unreadable message in maildrop (%s): moved to failed/",
			    id, err);
			spool_move(&r->sp, id, AREA_MAILDROP, AREA_FAILED, 1);
		}
		return;
	}
	if (spool_lock(fd, 0) == -1 || fstat(fd, &st) == -1 ||
	    (st.st_gid != getegid() && st.st_uid != geteuid())) {
		close(fd);
		envelope_free(&e);
		return;
	}
	if (spool_move(&r->sp, id, AREA_MAILDROP, AREA_QUEUE, 0) == 0) {
		log_info("%s: from=<%s>, size=%ld, nrcpt=%zu (queue active)", id,
		    e.sender, e.size, e.nrcpts);
		q_set(r, id, 0);
	} else
		log_warn("%s: cannot move to %s", id, r->sp.queue);
	close(fd);
	envelope_free(&e);
}

static void
scan_maildrop(struct runner *r)
{
	char **ids;
	ssize_t n = spool_list(&r->sp, AREA_MAILDROP, &ids), i;

	r->rescan_maildrop = 0;
	for (i = 0; i < n; i++)
		pickup(r, ids[i]);
	spool_list_free(ids, n);
}

/* Rebuild the index from disk (start, SIGUSR1, every few minutes). */
static void
scan_all(struct runner *r)
{
	char **ids, err[512];
	ssize_t n, i;

	scan_maildrop(r);
	n = spool_list(&r->sp, AREA_QUEUE, &ids);
	r->nq = 0;
	for (i = 0; i < n; i++) {
		struct envelope e;
		struct msg_state st;
		int fd;

		if (is_active(r, ids[i]))
			continue;
		fd = spool_open(&r->sp, AREA_QUEUE, ids[i], &e, err, sizeof(err));
		if (fd == -1) {
			if (errno == EINVAL) {
				log_warnx("%s: damaged message in queue (%s): moved to failed/",
				    ids[i], err);
				spool_move(&r->sp, ids[i], AREA_QUEUE, AREA_FAILED, 1);
			}
			continue;
		}
		if (spool_state_load(&r->sp, ids[i], &e, &st, err, sizeof(err)) == 0) {
			q_set(r, ids[i], state_due(&st));
			state_free(&st);
		} else
			log_warnx("%s: %s", ids[i], err);
		envelope_free(&e);
		close(fd);
	}
	spool_list_free(ids, n);
	spool_purge_stale(&r->sp, 3600);
	r->next_rescan = now_sec() + RESCAN_EVERY;
}

/* ---- results --------------------------------------------------------------- */

static double
backoff(const struct config *cf, int attempts)
{
	double d = cf->retry_min * pow(2, attempts > 1 ? attempts - 1 : 0);

	if (d > cf->retry_max)
		d = cf->retry_max;
	/* +-10% so that a burst of failures does not retry in lock step. */
	return d * (0.9 + 0.2 * (double)(rand() % 1000) / 1000.0);
}

static void
log_rcpt(const struct active *a, const char *to, const char *orig,
    const char *relay, int attempts, const char *dsn, const char *status,
    const char *reply, const char *hint)
{
	log_info("%s: to=<%s>%s%s%s, relay=%s, delay=%.2f, attempts=%d, dsn=%s, "
	    "status=%s (%s)%s%s", a->id, to, orig && strcmp(orig, to) ? ", orig_to=<" : "",
	    orig && strcmp(orig, to) ? orig : "", orig && strcmp(orig, to) ? ">" : "",
	    relay && *relay ? relay : "none", now_sec() - a->e.arrival, attempts, dsn,
	    status, reply, hint ? " hint: " : "", hint ? hint : "");
}

/* Apply one outcome to recipient i of a message. */
static void
apply(struct runner *r, struct active *a, size_t i, const char *wire,
    const char *relay, const struct reply_class *c, const char *reply)
{
	struct rcpt_state *rs = &a->st.rcpts[i];
	double now = now_sec();
	const char *status = "deferred";
	char *id = NULL, text[1024], shown[1024];
	int counted = 1;

	switch (c->action) {
	case ACT_DELIVERED:
		rs->status = RCPT_SENT;
		id = smtp_reply_id(reply);
		state_set_str(&rs->ses_id, id);
		status = "sent";
		r->qs.last_success = (long)now;
		r->qs_dirty = 1;
		break;
	case ACT_THROTTLE:
	case ACT_QUOTA:
		counted = 0;
		status = "throttled";
		rs->next_attempt = (long)ceil(r->paused_until);
		break;
	case ACT_HOLD:
		counted = 0;
		status = "held";
		break;
	case ACT_FAIL:
		rs->status = RCPT_FAILED;
		status = "bounced";
		break;
	case ACT_RETRY:
	case ACT_RETRY_NOW:
		rs->next_attempt = (long)(now + backoff(r->cf, rs->attempts + 1));
		break;
	}
	if (counted) {
		rs->attempts++;
		rs->last_attempt = (long)now;
	}
	if (c->action == ACT_RETRY && now - a->e.arrival > r->cf->queue_lifetime) {
		rs->status = RCPT_FAILED;
		status = "bounced";
		snprintf(text, sizeof(text), "gave up after %d attempts over %.1f days; "
		    "last reply: %s", rs->attempts, (now - a->e.arrival) / 86400, reply);
		reply = text;
	}
	state_set_str(&rs->reply, reply);
	state_add_log(&a->st, (long)now, rs->addr, status, reply);
	snprintf(shown, sizeof(shown), "%s%.900s", c->maybe_sent ?
	    "outcome unknown, a duplicate is possible: " : "", reply);
	log_rcpt(a, wire, rs->addr, relay, rs->attempts, c->dsn ? c->dsn : "4.0.0",
	    status, shown, c->hint);
	if (c->action != ACT_DELIVERED)
		note_failure(r, a->id, reply);
	free(id);
}

static void
active_free(struct active *a)
{
	size_t i;

	for (i = 0; i < a->nwire; i++)
		free(a->wire[i]);
	free(a->wire);
	free(a->wire_of);
	envelope_free(&a->e);
	state_free(&a->st);
	free(a->wire_from);
	free(a);
}

static void
finish_message(struct runner *r, struct active *a)
{
	struct active **pp;
	size_t i, pending = 0, failed = 0;
	char err[512], newid[QID_LEN + 1];

	for (i = 0; i < a->st.nrcpts; i++) {
		pending += a->st.rcpts[i].status == RCPT_PENDING;
		failed += a->st.rcpts[i].status == RCPT_FAILED;
	}
	if (pending > 0) {
		q_set(r, a->id, r->held ? now_sec() : state_due(&a->st));
		q_find(r, a->id)->waiting = a->throttled;
	}
	else {
		q_del(r, a->id);
		if (failed == 0) {
			if (spool_remove(&r->sp, AREA_QUEUE, a->id, 0) == -1) {
				/* Keep the record that it was sent (handle_result
				 * skipped it), so it is not sent again. */
				log_warn("%s: cannot remove", a->id);
				spool_state_save(&r->sp, a->id, &a->st);
			} else {
				r->unsynced = 1;
				log_info("%s: removed", a->id);
			}
		} else {
			if (spool_move(&r->sp, a->id, AREA_QUEUE, AREA_FAILED, 1) == -1)
				log_warn("%s: cannot move to %s", a->id, r->sp.failed);
			switch (bounce_queue(r->cf, &r->sp, a->id, a->fd, &a->e, &a->st,
			    newid, err, sizeof(err))) {
			case 0:
				log_info("%s: sender non-delivery notification: %s", a->id, newid);
				break;
			case -1:
				log_warnx("%s: %s", a->id, err);
				break;
			default:
				log_info("%s: no bounce for a bounce (null sender): kept in "
				    "failed/", a->id);
			}
			log_info("%s: moved to failed/ (%zu recipient%s failed)", a->id,
			    failed, failed > 1 ? "s" : "");
		}
	}
	for (pp = &r->active; *pp; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	close(a->fd);	/* releases the lock */
	active_free(a);
}

static void
txn_free(struct txn *t)
{
	free(t->job.rcpts);	/* the strings belong to msg->wire */
	smtp_job_free_results(&t->job);
	msgstream_free(t->job.ms);
	free(t);
}

/* Apply an outcome to every recipient sent as t's k-th wire address (two
 * local names may map to the same alias). */
static void
apply_wire(struct runner *r, struct txn *t, size_t k, const struct reply_class *c,
    const char *reply)
{
	struct active *a = t->msg;
	size_t i;

	for (i = 0; i < a->st.nrcpts; i++)
		if (a->wire_of[i] == t->base + k && a->st.rcpts[i].status == RCPT_PENDING)
			apply(r, a, i, a->wire[t->base + k], t->job.relay, c, reply);
}

static void
queue_hold(struct runner *r, const char *id, const char *reply, const char *hint)
{
	if (!r->held)
		log_warnx("queue held: %s: %s%s%s; nothing is bounced; probing again in "
		    "%d s, or at once after 'systemctl reload sesrelay' (SIGHUP)", id,
		    reply, hint ? "; hint: " : "", hint ? hint : "",
		    r->cf->hold_probe_interval);
	r->held = 1;
	r->next_probe = now_sec() + r->cf->hold_probe_interval;
	if (r->qs.held_since == 0)
		r->qs.held_since = (long)now_sec();
	snprintf(r->qs.hold_reason, sizeof(r->qs.hold_reason), "%.200s%s%.290s", reply,
	    hint ? " -- " : "", hint ? hint : "");
	r->qs_dirty = 1;
}

static void
queue_release(struct runner *r, const char *why)
{
	if (r->held)
		log_info("queue released: %s", why);
	r->held = 0;
	r->qs.held_since = 0;
	r->qs.hold_reason[0] = '\0';
	r->qs_dirty = 1;
}

static int
all_sent(const struct msg_state *st)
{
	size_t i;

	for (i = 0; i < st->nrcpts; i++)
		if (st->rcpts[i].status != RCPT_SENT)
			return 0;
	return 1;
}

static void
handle_result(struct runner *r, struct txn *t)
{
	struct smtp_job *j = &t->job;
	struct active *a = t->msg;
	struct reply_class c;
	double now = now_sec();
	size_t k;

	if (j->cc == 0 || (j->code >= 400 && j->code < 600))
		classify_reply(j->cc == 0 ? 250 : (int)j->code, j->reply + 3, a->wire_from,
		    j->after_dot, &c);
	else
		classify_transport(j->cc, j->reply, j->after_dot, j->reused, &c);
	if (c.action == ACT_RETRY_NOW && !t->retried_now) {
		/* The reused connection had died: no DATA was accepted. */
		t->retried_now = 1;
		smtp_job_free_results(j);
		msgstream_rewind(j->ms);
		smtp_submit(r->pool, j);
		return;
	}
	if (c.action == ACT_THROTTLE) {
		a->throttled = 1;
		ratelimit_throttled(&r->rl, now);
		r->paused_until = now + 1;
		snprintf(r->qs.throttle_reason, sizeof(r->qs.throttle_reason), "%.200s", j->reply);
		r->qs.throttled_until = (long)ceil(r->paused_until);
	} else if (c.action == ACT_QUOTA) {
		r->paused_until = now + r->cf->quota_pause;
		r->qs.throttled_until = (long)r->paused_until;
		snprintf(r->qs.throttle_reason, sizeof(r->qs.throttle_reason),
		    "%.200s -- sending paused for %d s", j->reply, r->cf->quota_pause);
		log_warnx("sending paused for %d s: %s; hint: %s", r->cf->quota_pause,
		    j->reply, c.hint);
	} else if (c.action == ACT_HOLD)
		queue_hold(r, a->id, j->reply, c.hint);
	else if (a->probe && r->held && c.action != ACT_HOLD)
		queue_release(r, "the probe message got a reply that is not a "
		    "configuration error");
	for (k = 0; k < j->nrcpts; k++) {
		if (j->rcpt_code[k] >= 400) {
			/* This recipient was refused at RCPT. */
			struct reply_class rc;

			classify_reply(j->rcpt_code[k], j->rcpt_reply[k] + 3, a->wire_from, 0, &rc);
			apply_wire(r, t, k, &rc, j->rcpt_reply[k]);
		} else
			apply_wire(r, t, k, &c, j->reply);
	}
	/* When this was the last transaction and every recipient is sent,
	 * removing the message (finish_message) is the durable record: a
	 * state file written just before would be deleted at once. */
	if ((a->out > 1 || !all_sent(&a->st)) &&
	    spool_state_save(&r->sp, a->id, &a->st) == -1)
		log_warn("%s: cannot save state", a->id);
	if (a->probe)
		r->probe_out = 0;
	if (--a->out == 0)
		finish_message(r, a);
	txn_free(t);
}

/* ---- dispatch ---------------------------------------------------------------- */

/* Fail recipient i locally (never sent): log, history, reply. */
static void
fail_local(struct runner *r, struct active *a, size_t i, const char *why)
{
	struct reply_class c = { ACT_FAIL, "5.0.0", NULL, 0 };

	apply(r, a, i, a->st.rcpts[i].addr, "none", &c, why);
}

/* Start delivering a due message: returns 0 when started or settled, -1
 * when it must wait (rate limit). */
static int
start_message(struct runner *r, struct qentry *qe, int probe)
{
	struct active *a = xcalloc(1, sizeof(*a));
	char err[512], why[512];
	size_t i, k;
	double now = now_sec(), wait;
	int pending_due = 0;

	memcpy(a->id, qe->id, QID_LEN + 1);
	a->fd = spool_open(&r->sp, AREA_QUEUE, a->id, &a->e, err, sizeof(err));
	if (a->fd == -1) {
		if (errno == ENOENT)
			q_del(r, a->id);	/* deleted by the operator */
		else
			qe->due = now + 60;
		free(a);
		return 0;
	}
	if (spool_lock(a->fd, 0) == -1) {
		qe->due = now + 2;	/* a queue command holds it */
		goto skip;
	}
	if (spool_state_load(&r->sp, a->id, &a->e, &a->st, err, sizeof(err)) == -1) {
		log_warnx("%s: %s", a->id, err);
		qe->due = now + 600;
		goto skip;
	}
	if (a->st.held) {
		qe->due = INFINITY;
		goto skip;
	}
	for (i = 0; i < a->st.nrcpts; i++)
		pending_due += a->st.rcpts[i].status == RCPT_PENDING &&
		    (double)a->st.rcpts[i].next_attempt <= now + 0.5;
	a->wire_from = rewrite_sender(r->cf, a->e.sender);
	a->next = r->active;
	r->active = a;
	a->probe = probe;
	if (pending_due == 0) {
		finish_message(r, a);
		return 0;
	}
	/* Rate first, so that nothing below is undone for lack of tokens. */
	if ((wait = ratelimit_wait(&r->rl, pending_due, now)) > 0) {
		qe->due = now + wait;
		qe->waiting = 1;
		r->active = a->next;
		close(a->fd);
		active_free(a);
		return -1;
	}
	ratelimit_take(&r->rl, pending_due);
	qe->due = INFINITY;	/* in flight; finish_message sets the next due */
	a->wire = xcalloc(a->st.nrcpts, sizeof(char *));
	a->wire_of = xcalloc(a->st.nrcpts, sizeof(size_t));
	for (i = 0; i < a->st.nrcpts; i++) {
		struct rcpt_state *rs = &a->st.rcpts[i];
		char *w;

		a->wire_of[i] = NO_WIRE;
		if (rs->status != RCPT_PENDING || (double)rs->next_attempt > now + 0.5)
			continue;
		if (now - a->e.arrival > r->cf->queue_lifetime) {
			snprintf(why, sizeof(why), "gave up: in the queue for more than %ld s "
			    "(queue_lifetime); last reply: %s", r->cf->queue_lifetime,
			    *rs->reply ? rs->reply : "none");
			fail_local(r, a, i, why);
			continue;
		}
		if (a->e.size > r->cf->max_message_size) {
			snprintf(why, sizeof(why), "message size %ld exceeds max_message_size "
			    "(%ld): not sent", a->e.size, r->cf->max_message_size);
			fail_local(r, a, i, why);
			continue;
		}
		if ((w = rewrite_rcpt(r->cf, rs->addr, why, sizeof(why))) == NULL) {
			fail_local(r, a, i, why);
			continue;
		}
		/* Two local names may map to one address: send it once. */
		for (k = 0; k < a->nwire && strcmp(a->wire[k], w) != 0; k++)
			;
		if (k == a->nwire)
			a->wire[a->nwire++] = w;
		else
			free(w);
		a->wire_of[i] = k;
	}
	/* Transactions of at most 50 recipients.  `out` holds one extra
	 * count until the loop ends, so an inline failure cannot finish (and
	 * free) the message under our feet. */
	a->out = 1;
	for (k = 0; k < a->nwire; k += MAX_RCPTS_PER_TXN) {
		struct txn *t = xcalloc(1, sizeof(*t));
		size_t n = a->nwire - k < MAX_RCPTS_PER_TXN ? a->nwire - k : MAX_RCPTS_PER_TXN;

		t->msg = a;
		t->base = k;
		t->job.owner = t;
		t->job.mail_from = a->wire_from;
		t->job.rcpts = xcalloc(n, sizeof(char *));
		memcpy(t->job.rcpts, a->wire + k, n * sizeof(char *));
		t->job.nrcpts = n;
		a->out++;
		t->job.ms = msgstream_open(a->fd, &a->e, r->cf, err, sizeof(err));
		if (t->job.ms == NULL) {
			log_warnx("%s: cannot read the message: %s", a->id, err);
			t->job.cc = 26;		/* CURLE_READ_ERROR: retried later */
			snprintf(t->job.reply, sizeof(t->job.reply), "local error: %.400s", err);
			t->job.rcpt_code = xcalloc(n, sizeof(int));
			t->job.rcpt_reply = xcalloc(n, sizeof(char *));
			handle_result(r, t);
			continue;
		}
		smtp_submit(r->pool, &t->job);
	}
	if (--a->out == 0) {
		spool_state_save(&r->sp, a->id, &a->st);
		finish_message(r, a);
		return 0;
	}
	if (probe)
		r->probe_out = 1;
	return 0;
skip:
	close(a->fd);
	active_free(a);
	return 0;
}

#define DISPATCH_BATCH 64

static void
dispatch(struct runner *r)
{
	double now = now_sec();
	char ids[DISPATCH_BATCH][QID_LEN + 1];
	double dues[DISPATCH_BATCH];
	int want, n = 0, i, k;
	size_t j;

	if (r->stopping || now < r->paused_until || r->pool_restart)
		return;
	if (r->held && (now < r->next_probe || r->probe_out || smtp_pool_busy(r->pool)))
		return;
	if ((want = smtp_pool_idle(r->pool)) <= 0)
		return;
	if (want > DISPATCH_BATCH)
		want = DISPATCH_BATCH;
	if (r->held)
		want = 1;
	/* One pass over the index: the `want` most overdue messages.  (A
	 * message in flight has due = INFINITY, so it is never picked twice.) */
	for (j = 0; j < r->nq; j++) {
		if (r->q[j].due > now)
			continue;
		if (n == want && r->q[j].due >= dues[n - 1])
			continue;
		for (k = n < want ? n : want - 1; k > 0 && dues[k - 1] > r->q[j].due; k--) {
			dues[k] = dues[k - 1];
			memcpy(ids[k], ids[k - 1], QID_LEN + 1);
		}
		dues[k] = r->q[j].due;
		memcpy(ids[k], r->q[j].id, QID_LEN + 1);
		if (n < want)
			n++;
	}
	for (i = 0; i < n; i++) {
		struct qentry *qe = q_find(r, ids[i]);

		if (qe == NULL || is_active(r, qe->id))
			continue;
		if (start_message(r, qe, r->held) == -1 || r->held ||
		    now_sec() < r->paused_until)
			return;
	}
}

/* ---- loop ------------------------------------------------------------------- */

static void
load_password(struct runner *r)
{
	free(r->password);
	r->password = config_password(r->cf, r->password_err, sizeof(r->password_err));
	if (r->password == NULL)
		queue_hold(r, "config", r->password_err, "fix the secret, then reload "
		    "(systemctl reload sesrelay)");
}

static void
reload(struct runner *r)
{
	struct config nc;
	char err[4096];

	config_defaults(&nc);
	if (config_load(&nc, r->cf->path, 0, err, sizeof(err)) == -1 ||
	    config_check_delivery(&nc, err, sizeof(err)) == -1) {
		log_warnx("reload refused, keeping the running configuration: %s", err);
		config_free(&nc);
		return;
	}
	config_free(r->cf);
	*r->cf = nc;
	log_set_file(r->cf->log_file);
	ratelimit_set_max(&r->rl, r->cf->max_rate);
	r->pool_restart = 1;
	queue_release(r, "configuration reloaded");
	r->paused_until = 0;
	r->qs.throttled_until = 0;
	load_password(r);
	log_info("configuration reloaded from %s", r->cf->path);
}

static void
handle_signals(struct runner *r)
{
	struct signalfd_siginfo si;

	while (read(r->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			if (!r->stopping)
				log_info("stopping: finishing %d transfer(s) in flight",
				    smtp_pool_busy(r->pool));
			r->stopping = 1;
			r->stop_deadline = now_sec() + STOP_GRACE;
			break;
		case SIGHUP:
			reload(r);
			break;
		case SIGUSR1:
			scan_all(r);
			break;
		}
	}
}

static double
next_wakeup(struct runner *r)
{
	double t = r->next_rescan, now = now_sec();
	size_t i;

	if (r->paused_until > now && r->paused_until < t)
		t = r->paused_until;
	if (r->held && r->next_probe < t)
		t = r->next_probe;
	/* Due messages matter only when a worker is free: otherwise the end
	 * of a transfer (the wake pipe) is what wakes us, not a busy loop. */
	if (!r->held && r->paused_until <= now && !r->pool_restart &&
	    smtp_pool_idle(r->pool) > 0)
		for (i = 0; i < r->nq; i++)
			if (r->q[i].due < t)
				t = r->q[i].due;
	if (r->stopping && r->stop_deadline < t)
		t = r->stop_deadline;
	if (r->rescan_maildrop && now + 0.05 < t)
		t = now + 0.05;
	return t;
}

static int
nothing_left_now(struct runner *r)
{
	double now = now_sec();
	size_t i;

	if (r->active != NULL)
		return 0;
	if (r->held || r->paused_until > now + 2)
		return 1;
	/* Rate-limit and throttle waits are waited out; backoffs are not. */
	for (i = 0; i < r->nq; i++)
		if (r->q[i].due <= now || r->q[i].waiting)
			return 0;
	return 1;
}

int
runner_run(struct config *cf, int once, int sigfd)
{
	struct runner r;
	struct pollfd pfd[3];
	char buf[4096];
	int rc = 0;

	memset(&r, 0, sizeof(r));
	r.cf = cf;
	r.once = once;
	r.sigfd = sigfd;
	spool_init(&r.sp, cf->spool_dir);
	srand((unsigned)getpid() ^ (unsigned)now_us());
	if (pipe2(r.wake, O_CLOEXEC | O_NONBLOCK) == -1)
		fatal(EXIT_OSERR, "pipe");
	r.inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	/* IN_DELETE too: the writer's unlink of its temp name is the moment
	 * a just-linked message becomes readable (one link). */
	if (r.inofd == -1 || inotify_add_watch(r.inofd, r.sp.maildrop,
	    IN_CREATE | IN_MOVED_TO | IN_DELETE) == -1)
		log_warn("inotify on %s (falling back to rescans)", r.sp.maildrop);
	spool_status_load(&r.sp, &r.qs);
	r.qs.held_since = 0;
	r.qs.hold_reason[0] = '\0';
	r.qs.throttled_until = 0;
	ratelimit_init(&r.rl, cf->max_rate, now_sec());
	load_password(&r);
	r.pool = smtp_pool_start(cf, r.password ? r.password : "", r.wake[1]);
	scan_all(&r);
	r.qs_dirty = 1;
	for (;;) {
		struct smtp_job *j;
		double t;
		int timeout;

		if (r.rescan_maildrop)
			scan_maildrop(&r);
		if (now_sec() >= r.next_rescan)
			scan_all(&r);
		if (r.pool_restart && smtp_pool_busy(r.pool) == 0) {
			smtp_pool_stop(r.pool);
			r.pool = smtp_pool_start(r.cf, r.password ? r.password : "", r.wake[1]);
			r.pool_restart = 0;
		}
		dispatch(&r);
		/* One fsync for all the messages finished since the last round,
		 * before anything waits. */
		if (r.unsynced) {
			if (spool_sync_removals(&r.sp) == -1)
				log_warn("fsync %s", r.sp.queue);
			r.unsynced = 0;
		}
		if (r.qs_dirty)
			save_status(&r);
		if (r.stopping && smtp_pool_busy(r.pool) == 0 && r.active == NULL)
			break;
		if (r.once && nothing_left_now(&r))
			break;
		t = next_wakeup(&r) - now_sec();
		timeout = t <= 0 ? 0 : t > 60 ? 60000 : (int)(t * 1000) + 1;
		pfd[0].fd = r.sigfd;	pfd[0].events = POLLIN;
		pfd[1].fd = r.inofd;	pfd[1].events = POLLIN;
		pfd[2].fd = r.wake[0];	pfd[2].events = POLLIN;
		if (poll(pfd, 3, timeout) == -1 && errno != EINTR)
			fatal(EXIT_OSERR, "poll");
		if (pfd[0].revents & POLLIN)
			handle_signals(&r);
		if (pfd[1].revents & POLLIN) {
			while (read(r.inofd, buf, sizeof(buf)) > 0)
				;
			r.rescan_maildrop = 1;
		}
		if (pfd[2].revents & POLLIN)
			while (read(r.wake[0], buf, sizeof(buf)) > 0)
				;
		while ((j = smtp_take_done(r.pool)) != NULL)
			handle_result(&r, j->owner);
		if (r.stopping && now_sec() >= r.stop_deadline)
			smtp_pool_abort(r.pool);
	}
	smtp_pool_stop(r.pool);
	while (r.active != NULL)	/* aborted transfers: still pending */
		finish_message(&r, r.active);
	if (r.unsynced)
		spool_sync_removals(&r.sp);
	save_status(&r);
	if (r.held && once)
		rc = EXIT_TEMPFAIL;
	free(r.q);
	free(r.password);
	close(r.wake[0]);
	close(r.wake[1]);
	if (r.inofd >= 0)
		close(r.inofd);
	return rc;
}
