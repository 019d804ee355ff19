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
#include <strings.h>
#include <unistd.h>

#include "bounce.h"
#include "classify.h"
#include "config.h"
#include "history.h"
#include "log.h"
#include "msgstream.h"
#include "ratelimit.h"
#include "reaper.h"
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
	const char *cut;
	int counted = 1;

	switch (c->action) {
	case ACT_DELIVERED:
		rs->status = RCPT_SENT;
		id = smtp_reply_id(reply);
		state_set_str(&rs->ses_id, id);
		history_note_sent(r->cf, a->id, a->fd, &a->e, wire, rs->addr, id);
		status = "sent";
		r->qs.last_success = (long)now;
		r->qs_stale = 1;	/* not a file write per message */
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
	if (counted || rs->status != RCPT_PENDING)
		metrics_count(&r->counts, rs->status == RCPT_SENT ? METRICS_SENT :
		    rs->status == RCPT_FAILED ? METRICS_BOUNCED : METRICS_DEFERRED);
	/* A sent recipient keeps "250 Ok" and the SES id apart: the id is
	 * not stored twice (50,000 recipients: megabytes). */
	if (id != NULL && *id && (cut = strstr(reply, id)) != NULL && cut[strlen(id)] == '\0') {
		snprintf(text, sizeof(text), "%.*s", (int)(cut - reply), reply);
		while (*text && text[strlen(text) - 1] == ' ')
			text[strlen(text) - 1] = '\0';
		state_set_str(&rs->reply, text);
	} else
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
		if (a->wire_owned[i])
			free(a->wire[i]);
	free(a->wire_owned);
	for (i = 0; i < a->nspare; i++)
		msgstream_free(a->spare[i]);
	free(a->spare);
	free(a->wire);
	free(a->first);
	free(a->next_same);
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
		qindex_waiting(&r->qi, runner_q_find(r, a->id), a->throttled);
	}
	else {
		runner_q_del(r, a->id);
		if (failed == 0) {
			int state_fd = -1;

			if (spool_remove_open(&r->sp, AREA_QUEUE, a->id, &state_fd) == -1) {
				/* Keep the record that it was sent (runner_msg_result
				 * skipped it), so it is not sent again. */
				log_warn("%s: cannot remove", a->id);
				spool_state_save(&r->sp, a->id, &a->st, 1);
			} else {
				if (r->unsynced++ == 0)
					r->unsynced_since = now_sec();
				log_info("%s: removed", a->id);
				/* Freeing the blocks waits for the disk: not here. */
				reaper_close(a->fd);
				a->fd = -1;
			}
			reaper_close(state_fd);
		} else {
			if (spool_move(&r->sp, a->id, AREA_QUEUE, AREA_FAILED, 1) == -1)
				log_warn("%s: cannot move to %s", a->id, r->sp.failed);
			metrics_count_failed_message(&r->counts);
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
	if (a->sender_probe) {
		/* Its answer (if any) re-held or released the sender; if it
		 * got none, the next message of that sender is the probe. */
		struct sender_hold *sh = sender_hold_find(&r->sh, a->wire_from);

		if (sh != NULL && sh->probing) {
			sh->probing = 0;
			sh->next_probe = now_sec() + r->cf->hold_probe_interval;
		}
	}
	for (pp = &r->active; *pp; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	if (a->fd >= 0)
		close(a->fd);	/* releases the lock */
	active_free(a);
}

/* A finished transaction: its stream goes back to the message for the
 * next one (the rewritten header is built once per message and attempt). */
static void
txn_free(struct txn *t)
{
	struct active *a = t->msg;

	free(t->job.rcpts);	/* the strings belong to msg->wire */
	smtp_job_free_results(&t->job);
	if (t->job.ms != NULL) {
		a->spare = xrealloc(a->spare, (a->nspare + 1) * sizeof(*a->spare));
		a->spare[a->nspare++] = t->job.ms;
	}
	free(t);
}

/* Apply an outcome to every recipient sent as wire address w (two local
 * names may map to the same alias): a walk of its own list, not a search. */
static void
apply_wire(struct runner *r, struct txn *t, size_t w, const struct reply_class *c,
    const char *reply)
{
	struct active *a = t->msg;
	size_t i;

	for (i = a->first[w]; i != NO_WIRE; i = a->next_same[i])
		if (a->st.rcpts[i].status == RCPT_PENDING)
			apply(r, a, i, a->wire[w], t->job.relay, c, reply);
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

/* A sent or failed recipient must survive a crash (else it is sent again
 * or its bounce is lost); a state of pending recipients only need not. */
static int
has_outcome(const struct msg_state *st)
{
	size_t i;

	for (i = 0; i < st->nrcpts; i++)
		if (st->rcpts[i].status != RCPT_PENDING)
			return 1;
	return 0;
}

static void
save_state(struct runner *r, struct active *a)
{
	double t0 = now_sec();

	if (spool_state_save(&r->sp, a->id, &a->st, has_outcome(&a->st)) == -1)
		log_warn("%s: cannot save state", a->id);
	a->saved_at = now_sec();
	a->save_cost = a->saved_at - t0;
}

/* Between transactions of a big message: save at most every 2 s and
 * never spend more than a twentieth of the time saving, so a
 * 50,000-recipient message is not rewritten 1,000 times; a crash
 * re-sends at most what was sent since the last save. */
static void
checkpoint(struct runner *r, struct active *a)
{
	double since = now_sec() - a->saved_at;

	if (since >= 2.0 && since >= 20 * a->save_cost)
		save_state(r, a);
}

/* When every recipient is sent, removing the message (runner_msg_finish)
 * is the durable record: a state file written just before would be
 * deleted at once. */
static void
end_round(struct runner *r, struct active *a)
{
	if (!all_sent(&a->st))
		save_state(r, a);
	runner_msg_finish(r, a);
}

static int
round_over(const struct active *a)
{
	return a->out == 0 && (a->stop || a->next_wire == a->nwire);
}

/* A refusal of the configured `sender` holds everything (all mail goes
 * out from it); of a user's own -f address, only that sender's mail. */
static int
is_configured_sender(const struct config *cf, const char *wire_from)
{
	return *cf->sender != '\0' && strcasecmp(cf->sender, wire_from) == 0;
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
	} else if (c.action == ACT_HOLD && c.sender_scoped &&
	    !is_configured_sender(r->cf, a->wire_from))
		runner_hold_sender(r, a->id, a->wire_from, j->reply, c.hint);
	else if (c.action == ACT_HOLD)
		runner_hold(r, a->id, j->reply, c.hint);
	else if (a->probe && r->held)
		runner_release(r, "the probe message got a reply that is not a "
		    "configuration error");
	if (c.action == ACT_DELIVERED)
		runner_release_sender(r, a->wire_from, "a message from it was accepted");
	if (c.action == ACT_THROTTLE || c.action == ACT_QUOTA || c.action == ACT_HOLD)
		a->stop = 1;
	for (k = 0; k < j->nrcpts; k++) {
		if (j->rcpt_code[k] >= 400) {
			/* This recipient was refused at RCPT. */
			struct reply_class rc;

			/* About the recipient, even when its text holds the
			 * sender's address (issue 7 item 11a). */
			classify_reply(j->rcpt_code[k], j->rcpt_reply[k] + 3, NULL, 0, &rc);
			apply_wire(r, t, t->base + k, &rc, j->rcpt_reply[k]);
		} else
			apply_wire(r, t, t->base + k, &c, j->reply);
	}
	if (a->probe)
		r->probe_out = 0;
	a->out--;
	txn_free(t);
	if (!round_over(a)) {
		checkpoint(r, a);
		return;
	}
	end_round(r, a);
}

/* ---- dispatch ---------------------------------------------------------------- */

/* Fail recipient i locally (never sent): log, history, reply. */
static void
fail_local(struct runner *r, struct active *a, size_t i, const char *why)
{
	struct reply_class c = { ACT_FAIL, "5.0.0", NULL, 0, 0 };

	apply(r, a, i, a->st.rcpts[i].addr, "none", &c, why);
}

/* Recipients per transaction: SES takes 50.  Each costs a rate token; a
 * transaction larger than the bucket leaves a debt the next one waits out
 * (SES tolerates short bursts, not a higher average). */
static size_t
txn_size(const struct active *a)
{
	size_t n = a->nwire - a->next_wire;

	return n > MAX_RCPTS_PER_TXN ? MAX_RCPTS_PER_TXN : n;
}

/* Each transaction in flight holds a stream with its own copy of the
 * rewritten header: a message's streams share a budget of STREAM_BUDGET
 * octets (a 900 KB header: 2 in flight), at least one, at most one per
 * connection. */
#define STREAM_BUDGET (2L * 1024 * 1024)
static int
max_in_flight(const struct runner *r, const struct active *a)
{
	long n = STREAM_BUDGET / (a->e.size > 1 ? a->e.size : 1);

	return n < 1 ? 1 : n > r->cf->connections ? r->cf->connections : (int)n;
}

int
runner_msg_feed(struct runner *r, struct active *a)
{
	char err[512];

	if (a->out == 0 && (r->stopping || now_sec() < r->paused_until ||
	    (r->held && !a->probe))) {
		/* Its last transaction ended and no more may start for a while:
		 * back to the index with the rest still pending. */
		end_round(r, a);
		return 0;
	}
	while (!a->stop && !r->stopping && a->next_wire < a->nwire &&
	    a->out < max_in_flight(r, a) && !r->pool_restart && transport_idle(r->pool) > 0 &&
	    now_sec() >= r->paused_until && !(r->held && (!a->probe || a->out > 0))) {
		size_t n = txn_size(a);
		double now = now_sec(), wait;
		struct txn *t;

		if ((wait = ratelimit_wait(&r->rl, (int)n, now)) > 0) {
			if (r->feed_at == 0 || now + wait < r->feed_at)
				r->feed_at = now + wait;
			return -1;
		}
		ratelimit_take(&r->rl, (int)n);
		t = xcalloc(1, sizeof(*t));
		t->msg = a;
		t->base = a->next_wire;
		t->job.owner = t;
		t->job.mail_from = a->wire_from;
		t->job.rcpts = xcalloc(n, sizeof(char *));
		memcpy(t->job.rcpts, a->wire + a->next_wire, n * sizeof(char *));
		t->job.nrcpts = n;
		if (a->nspare > 0) {
			t->job.ms = a->spare[--a->nspare];
			msgstream_rewind(t->job.ms);
		} else if ((t->job.ms = msgstream_open(a->fd, &a->e, r->cf, err,
		    sizeof(err))) == NULL) {
			log_warnx("%s: cannot read the message: %s", a->id, err);
			t->job.cc = 26;		/* CURLE_READ_ERROR: retried later */
			snprintf(t->job.reply, sizeof(t->job.reply), "local error: %.400s", err);
			t->job.rcpt_code = xcalloc(n, sizeof(int));
			t->job.rcpt_reply = xcalloc(n, sizeof(char *));
			a->stop = 1;
			a->next_wire += n;
			a->out++;
			runner_msg_result(r, t);	/* may finish (free) a */
			return 0;
		}
		a->next_wire += n;
		a->out++;
		transport_submit(r->pool, &t->job);
	}
	return 0;
}

/* The backward scan below found the wire addresses last first: put them
 * back in the message's order, which is the RCPT TO order users expect. */
static void
reverse_wire(struct active *a)
{
	size_t i, j, tf;
	char *tw;
	unsigned char to;

	for (i = 0, j = a->nwire; j-- > i + 1; i++) {
		tw = a->wire[i]; a->wire[i] = a->wire[j]; a->wire[j] = tw;
		tf = a->first[i]; a->first[i] = a->first[j]; a->first[j] = tf;
		to = a->wire_owned[i]; a->wire_owned[i] = a->wire_owned[j]; a->wire_owned[j] = to;
	}
}

/* Map the due recipients to distinct wire addresses (a hash, so 50,000
 * recipients cost 50,000 steps, not 50,000^2), failing those that cannot
 * be sent.  Returns the number of wire addresses. */
static size_t
map_recipients(struct runner *r, struct active *a, double now, double due_by)
{
	size_t i, mask = 1, *slot;
	char why[512];

	while (mask < 2 * a->st.nrcpts)
		mask <<= 1;
	slot = xcalloc(mask, sizeof(size_t));	/* wire index + 1; 0 = free */
	mask--;
	a->wire = xcalloc(a->st.nrcpts, sizeof(char *));
	a->first = xcalloc(a->st.nrcpts, sizeof(size_t));
	a->next_same = xcalloc(a->st.nrcpts, sizeof(size_t));
	a->wire_owned = xcalloc(a->st.nrcpts, 1);
	for (i = a->st.nrcpts; i-- > 0; ) {	/* backwards: lists keep order */
		struct rcpt_state *rs = &a->st.rcpts[i];
		size_t h;
		char *w;

		a->next_same[i] = NO_WIRE;
		if (rs->status != RCPT_PENDING || (double)rs->next_attempt > due_by)
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
		for (h = str_hash(w) & mask; slot[h] != 0; h = (h + 1) & mask)
			if (strcmp(a->wire[slot[h] - 1], w) == 0)
				break;
		if (slot[h] == 0) {
			/* Most addresses go out as stored: point at the state's
			 * copy instead of keeping a second one. */
			if (strcmp(w, rs->addr) == 0) {
				free(w);
				w = rs->addr;
			} else
				a->wire_owned[a->nwire] = 1;
			a->wire[a->nwire] = w;
			a->first[a->nwire] = NO_WIRE;
			slot[h] = ++a->nwire;
		} else
			free(w);
		a->next_same[i] = a->first[slot[h] - 1];
		a->first[slot[h] - 1] = i;
	}
	free(slot);
	reverse_wire(a);
	return a->nwire;
}

static void
drop_envelope_rcpts(struct envelope *e)
{
	size_t i;

	for (i = 0; i < e->nrcpts; i++)
		free(e->rcpts[i]);
	free(e->rcpts);
	e->rcpts = NULL;
	e->nrcpts = 0;
}

/* Start delivering a due message: returns 0 when started or settled, -1
 * when it must wait (rate limit). */
int
runner_msg_start(struct runner *r, struct qentry *qe, int probe)
{
	struct active *a = xcalloc(1, sizeof(*a));
	char err[512];
	size_t i;
	double now = now_sec(), wait, due_by;
	int pending_due = 0;

	memcpy(a->id, qe->id, QID_LEN + 1);
	a->fd = spool_open(&r->sp, AREA_QUEUE, a->id, &a->e, err, sizeof(err));
	if (a->fd == -1) {
		if (errno == ENOENT)
			runner_q_del(r, a->id);	/* deleted by the operator */
		else if (errno == EINVAL) {
			log_warnx("%s: damaged message in queue (%s): moved to failed/", a->id,
			    err);
			spool_move(&r->sp, a->id, AREA_QUEUE, AREA_FAILED, 1);
			runner_q_del(r, a->id);
		} else
			qindex_due(&r->qi, qe, now + 60);
		free(a);
		return 0;
	}
	if (spool_lock(a->fd, 0) == -1) {
		qindex_due(&r->qi, qe, now + 2);	/* a queue command holds it */
		goto skip;
	}
	if (spool_state_load(&r->sp, a->id, &a->e, &a->st, err, sizeof(err)) == -1) {
		log_warnx("%s: %s", a->id, err);
		qindex_due(&r->qi, qe, now + 600);
		goto skip;
	}
	if (a->st.held) {
		qindex_due(&r->qi, qe, INFINITY);
		goto skip;
	}
	rewrite_expand_state(r->cf, a->id, &a->st, (long)now);
	drop_envelope_rcpts(&a->e);	/* the state has them */
	/* A flushed message: every pending recipient is due now. */
	due_by = qe->forced ? INFINITY : now + 0.5;
	for (i = 0; i < a->st.nrcpts; i++)
		pending_due += a->st.rcpts[i].status == RCPT_PENDING &&
		    (double)a->st.rcpts[i].next_attempt <= due_by;
	/* Rate first, so that nothing below is undone for lack of tokens. */
	if (pending_due > 0 && (wait = ratelimit_wait(&r->rl,
	    pending_due < MAX_RCPTS_PER_TXN ? pending_due : MAX_RCPTS_PER_TXN, now)) > 0) {
		qindex_due(&r->qi, qe, now + wait);
		qindex_waiting(&r->qi, qe, 1);
		goto skip;
	}
	a->wire_from = rewrite_sender(r->cf, a->e.sender);
	/* Its sender held: wait for the probe time, unless the message is
	 * past its lifetime (then it fails below, as any other). */
	if (pending_due > 0 && now - a->e.arrival <= r->cf->queue_lifetime) {
		a->sender_probe = sender_hold_find(&r->sh, a->wire_from) != NULL;
		if (!sender_hold_admit(&r->sh, a->wire_from, now, &wait)) {
			qindex_due(&r->qi, qe, wait);
			goto skip;
		}
	}
	a->next = r->active;
	r->active = a;
	a->probe = probe;
	a->saved_at = now;
	qindex_due(&r->qi, qe, INFINITY);	/* in flight; runner_msg_finish sets the next due */
	qe->forced = 0;
	if (pending_due == 0 || map_recipients(r, a, now, due_by) == 0) {
		if (pending_due > 0)
			save_state(r, a);	/* all failed locally */
		runner_msg_finish(r, a);
		return 0;
	}
	if (probe)
		r->probe_out = 1;
	runner_msg_feed(r, a);
	return 0;
skip:
	close(a->fd);
	active_free(a);
	return 0;
}
