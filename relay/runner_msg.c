/* SPDX-License-Identifier: ISC */
/*
 * runner_msg.c: one message's delivery, from due to done: rewrite its
 * pending recipients, cut them into transactions of at most 50, submit
 * them to the smtp pool, apply each reply to the per-recipient state
 * (saved under the message's lock), then remove the message, move it to
 * failed/ with a bounce, or schedule its next attempt.  runner.c owns the
 * loop and the queue-wide state (index, hold, throttle, status).
 */
#include <errno.h>
#include <math.h>
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
#include "runner_int.h"
#include "smtp.h"
#include "spool.h"
#include "transport.h"
#include "util.h"

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
		runner_note_failure(r, a->id, reply);
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

void
runner_msg_finish(struct runner *r, struct active *a)
{
	struct active **pp;
	size_t i, pending = 0, failed = 0;
	char err[512], newid[QID_LEN + 1];

	for (i = 0; i < a->st.nrcpts; i++) {
		pending += a->st.rcpts[i].status == RCPT_PENDING;
		failed += a->st.rcpts[i].status == RCPT_FAILED;
	}
	if (pending > 0) {
		runner_q_set(r, a->id, r->held ? now_sec() : runner_state_due(&a->st));
		runner_q_find(r, a->id)->waiting = a->throttled;
	}
	else {
		runner_q_del(r, a->id);
		if (failed == 0) {
			if (spool_remove(&r->sp, AREA_QUEUE, a->id, 0) == -1) {
				/* Keep the record that it was sent (runner_msg_result
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

static int
all_sent(const struct msg_state *st)
{
	size_t i;

	for (i = 0; i < st->nrcpts; i++)
		if (st->rcpts[i].status != RCPT_SENT)
			return 0;
	return 1;
}

void
runner_msg_result(struct runner *r, struct txn *t)
{
	struct smtp_job *j = &t->job;
	struct active *a = t->msg;
	struct reply_class c;
	double now = now_sec();
	size_t k;

	transport_classify(r->pool, j, a->wire_from, &c);
	if (c.action == ACT_RETRY_NOW && !t->retried_now) {
		/* The reused connection had died: no DATA was accepted. */
		t->retried_now = 1;
		smtp_job_free_results(j);
		msgstream_rewind(j->ms);
		transport_submit(r->pool, j);
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
		runner_hold(r, a->id, j->reply, c.hint);
	else if (a->probe && r->held && c.action != ACT_HOLD)
		runner_release(r, "the probe message got a reply that is not a "
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
	 * removing the message (runner_msg_finish) is the durable record: a
	 * state file written just before would be deleted at once. */
	if ((a->out > 1 || !all_sent(&a->st)) &&
	    spool_state_save(&r->sp, a->id, &a->st) == -1)
		log_warn("%s: cannot save state", a->id);
	if (a->probe)
		r->probe_out = 0;
	if (--a->out == 0)
		runner_msg_finish(r, a);
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
int
runner_msg_start(struct runner *r, struct qentry *qe, int probe)
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
			runner_q_del(r, a->id);	/* deleted by the operator */
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
		runner_msg_finish(r, a);
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
	qe->due = INFINITY;	/* in flight; runner_msg_finish sets the next due */
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
			runner_msg_result(r, t);
			continue;
		}
		transport_submit(r->pool, &t->job);
	}
	if (--a->out == 0) {
		spool_state_save(&r->sp, a->id, &a->st);
		runner_msg_finish(r, a);
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
