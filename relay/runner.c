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

#include "account.h"
#include "config.h"
#include "history.h"
#include "log.h"
#include "reaper.h"
#include "runner.h"
#include "runner_int.h"
#include "sespass.h"
#include "transport.h"
#include "util.h"

#define RESCAN_EVERY 300.0	/* safety net besides inotify */
#define STOP_GRACE 8.0		/* seconds in-flight transfers get on SIGTERM */
#define GROUP_WINDOW 0.2	/* removals fsynced together (group commit) */
#define GROUP_MAX 512
#define STATUS_LAG 1.0	/* run/status may lag this much behind deliveries */

/* ---- queue index ---------------------------------------------------------- */

struct qentry *
runner_q_find(struct runner *r, const char *id)
{
	return qindex_find(&r->qi, id);
}

void
runner_q_set(struct runner *r, const char *id, double due)
{
	qindex_set(&r->qi, id, due);
}

void
runner_q_del(struct runner *r, const char *id)
{
	qindex_del(&r->qi, id);
}

int
runner_is_active(struct runner *r, const char *id)
{
	struct active *a;

	for (a = r->active; a; a = a->next)
		if (strcmp(a->id, id) == 0)
			return 1;
	return 0;
}

/* Earliest next attempt of a message's pending recipients. */
double
runner_state_due(const struct msg_state *st)
{
	return spool_state_due(st);
}

/* ---- status ------------------------------------------------------------------ */

void
runner_note_failure(struct runner *r, const char *id, const char *text)
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
	r->qs_stale = 0;
	r->qs_saved = now_sec();
}

/* run/status at once for what the operator must see (holds, pauses,
 * throttles); within STATUS_LAG for the last delivery's time, which
 * otherwise cost a file write and a rename per delivered message. */
static int
status_due(const struct runner *r, double now)
{
	return r->qs_dirty || (r->qs_stale && now - r->qs_saved >= STATUS_LAG);
}

void
runner_hold(struct runner *r, const char *id, const char *reply, const char *hint)
{
	if (!r->held)
		log_warnx("queue held: %s: %s%s%s; nothing is bounced; probing again in "
		    "%d s, or at once after 'sesrelay queue flush' or 'systemctl reload "
		    "sesrelay' (SIGHUP)", id,
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

void
runner_release(struct runner *r, const char *why)
{
	if (r->held)
		log_info("queue released: %s", why);
	r->held = 0;
	r->qs.held_since = 0;
	r->qs.hold_reason[0] = '\0';
	r->qs_dirty = 1;
}

/* run/status has one field per line and tabs between sub-fields. */
static void
sanitize_line(char *s)
{
	for (; *s; s++)
		if (*s == '\t' || *s == '\n' || *s == '\r')
			*s = ' ';
}

/* The per-sender holds as run/status shows them. */
static void
status_sender_holds(struct runner *r)
{
	size_t i;

	r->qs.nsender_holds = 0;
	for (i = 0; i < r->sh.n && i < QS_SENDER_HOLDS; i++) {
		r->qs.sender_hold[i].since = (long)r->sh.v[i].since;
		snprintf(r->qs.sender_hold[i].sender, sizeof(r->qs.sender_hold[i].sender),
		    "%s", r->sh.v[i].sender);
		snprintf(r->qs.sender_hold[i].reason, sizeof(r->qs.sender_hold[i].reason),
		    "%s", r->sh.v[i].reason);
		sanitize_line(r->qs.sender_hold[i].reason);
		r->qs.nsender_holds++;
	}
	r->qs_dirty = 1;
}

void
runner_hold_sender(struct runner *r, const char *id, const char *sender,
    const char *reply, const char *hint)
{
	char reason[400];

	snprintf(reason, sizeof(reason), "%.390s", reply);
	if (sender_hold_add(&r->sh, sender, reason, now_sec(), r->cf->hold_probe_interval))
		log_warnx("mail from <%s> held: %s: %s%s%s; other senders' mail goes on; "
		    "one message is tried again every %d s, or at once after 'sesrelay "
		    "queue flush'", sender, id, reply, hint ? "; hint: " : "",
		    hint ? hint : "", r->cf->hold_probe_interval);
	status_sender_holds(r);
}

void
runner_release_sender(struct runner *r, const char *sender, const char *why)
{
	if (sender_hold_release(&r->sh, sender)) {
		log_info("mail from <%s> released: %s", sender, why);
		status_sender_holds(r);
	}
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
		if (errno == EINVAL || errno == EACCES) {
			/* Complete files always parse and are readable by the
			 * relay group: this one is foreign or damaged.  Keep it
			 * for the admin, never deliver it. */
			log_warnx("%s: unreadable message in maildrop (%s): moved to failed/",
			    id, errno == EACCES ? "not readable by the relay user" : err);
			spool_move(&r->sp, id, AREA_MAILDROP, AREA_FAILED, 1);
		}
		return;
	}
	if (spool_lock(fd, 0) == -1) {		/* a writer or a queue command */
		r->rescan_maildrop = 1;
		goto out;
	}
	if (fstat(fd, &st) == -1 || (st.st_gid != getegid() && st.st_uid != geteuid())) {
		/* Not made by our sendmail (group relay from the setgid
		 * directory): someone else's file, not ours to send. */
		log_warnx("%s: message in maildrop not of group %s: moved to failed/",
		    id, r->cf->relay_user);
		spool_move(&r->sp, id, AREA_MAILDROP, AREA_FAILED, 1);
		goto out;
	}
	if (spool_move(&r->sp, id, AREA_MAILDROP, AREA_QUEUE, 0) == 0) {
		log_info("%s: from=<%s>, size=%ld, nrcpt=%zu (queue active)", id,
		    e.sender, e.size, e.nrcpts);
		runner_q_set(r, id, 0);
	} else
		log_warn("%s: cannot move to %s", id, r->sp.queue);
 out:
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

/* (Re)read one queued message into the index; a damaged one goes to
 * failed/. */
static void
index_one(struct runner *r, const char *id)
{
	struct envelope e;
	struct msg_state st;
	char err[512];
	int fd;

	if (runner_is_active(r, id))
		return;
	fd = spool_open(&r->sp, AREA_QUEUE, id, &e, err, sizeof(err));
	if (fd == -1) {
		if (errno == EINVAL) {
			log_warnx("%s: damaged message in queue (%s): moved to failed/", id, err);
			spool_move(&r->sp, id, AREA_QUEUE, AREA_FAILED, 1);
		}
		if (errno == ENOENT || errno == EINVAL)
			runner_q_del(r, id);
		return;
	}
	if (spool_state_load(&r->sp, id, &e, &st, err, sizeof(err)) == 0) {
		runner_q_set(r, id, runner_state_due(&st));
		state_free(&st);
	} else
		log_warnx("%s: %s", id, err);
	envelope_free(&e);
	close(fd);
}

/* failed/ keeps what failed for failed_lifetime (issue 7 item 11d): a
 * failed bounce (null sender) is never bounced again, and without this it
 * would stay for ever. */
static void
expire_failed(struct runner *r)
{
	char **ids, err[512];
	ssize_t n = spool_list(&r->sp, AREA_FAILED, &ids), i;
	double now = now_sec();

	for (i = 0; i < n; i++) {
		struct envelope e;
		int fd = spool_open(&r->sp, AREA_FAILED, ids[i], &e, err, sizeof(err));

		if (fd == -1)
			continue;
		if (now - e.arrival > (double)r->cf->failed_lifetime &&
		    spool_remove(&r->sp, AREA_FAILED, ids[i], 1) == 0)
			log_info("%s: removed from failed/ after %.0f days (failed_lifetime)",
			    ids[i], (now - e.arrival) / 86400);
		envelope_free(&e);
		close(fd);
	}
	spool_list_free(ids, n);
}

/* Rebuild the index from disk (start, SIGUSR1 without a request, every
 * few minutes). */
static void
scan_all(struct runner *r)
{
	char **ids;
	ssize_t n, i;
	int statefd;

	scan_maildrop(r);
	n = spool_list(&r->sp, AREA_QUEUE, &ids);
	qindex_clear(&r->qi);
	/* The due time from the state file's mtime: a stat per message, no
	 * parse (100,000 queued: well under a second).  A damaged message
	 * is found when it is due. */
	statefd = open(r->sp.state, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (i = 0; i < n; i++)
		if (!runner_is_active(r, ids[i]))
			runner_q_set(r, ids[i], statefd == -1 ? 0 :
			    spool_state_due_hint(statefd, ids[i]));
	if (statefd != -1)
		close(statefd);
	spool_list_free(ids, n);
	spool_purge_stale(&r->sp, 3600);
	expire_failed(r);
	r->next_rescan = now_sec() + RESCAN_EVERY;
}

/* ---- explicit flush and other requests (issue 7 item 12, issue 8) ---------- */

static void
flush_entry(struct runner *r, struct qentry *qe, double now)
{
	/* INFINITY: in flight (its end sets the next due) or held by the
	 * operator (a flush does not release it). */
	if (qe->due == INFINITY)
		return;
	if (qe->due > now)
		qindex_due(&r->qi, qe, now);
	qe->forced = 1;
}

/* An operator's flush is also the word that the cause was fixed: a held
 * queue, a held sender and a quota pause are tried at once; if SES says
 * the same again, they simply continue. */
static void
probe_now(struct runner *r, double now)
{
	if (r->held) {
		r->next_probe = now;
		log_info("flush: the held queue is tried now");
	}
	if (r->paused_until > now) {
		r->paused_until = 0;
		r->qs.throttled_until = 0;
		r->qs_dirty = 1;
		log_info("flush: the sending pause ends now");
	}
	sender_hold_probe_now(&r->sh, now);
}

/* Apply the requests queue commands left in run/ (no state file is
 * rewritten for a flush: 10,000 deferred messages cost a line).  Returns 0
 * when there were none. */
static int
take_requests(struct runner *r)
{
	char *text, *line, *save = NULL;
	double now = now_sec();
	int flushed = 0;

	if (spool_request_take(&r->sp, &text) == 0) {
		free(text);
		return 0;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strcmp(line, "flush ALL") == 0) {
			qindex_flush_all(&r->qi, now);
			flushed = 1;
		} else if (strncmp(line, "flush ", 6) == 0 && qid_valid(line + 6)) {
			struct qentry *qe = runner_q_find(r, line + 6);

			if (qe == NULL) {
				index_one(r, line + 6);
				qe = runner_q_find(r, line + 6);
			}
			if (qe != NULL)
				flush_entry(r, qe, now);
			flushed = 1;
		} else if (strncmp(line, "look ", 5) == 0 && qid_valid(line + 5))
			index_one(r, line + 5);
	}
	free(text);
	if (flushed)
		probe_now(r, now);
	return 1;
}

#define DISPATCH_BATCH 64

static void
dispatch(struct runner *r)
{
	double now = now_sec();
	char ids[DISPATCH_BATCH][QID_LEN + 1];
	struct active *a, *next;
	int want, n, i;

	/* Messages in flight first: their next transactions. */
	r->feed_at = 0;
	for (a = r->active; a != NULL; a = next) {
		next = a->next;		/* a may finish (be freed) in there */
		if (runner_msg_feed(r, a) == -1)
			return;
	}
	if (r->stopping || now < r->paused_until || r->pool_restart)
		return;
	if (r->held && (now < r->next_probe || r->probe_out || transport_busy(r->pool)))
		return;
	if ((want = transport_idle(r->pool)) <= 0)
		return;
	if (want > DISPATCH_BATCH)
		want = DISPATCH_BATCH;
	if (r->held)
		want = 1;
	/* The `want` most overdue messages, off the heap.  (A message in
	 * flight has due = INFINITY, so it is never picked twice.) */
	n = (int)qindex_due_ids(&r->qi, now, ids, (size_t)want);
	for (i = 0; i < n; i++) {
		struct qentry *qe = runner_q_find(r, ids[i]);

		if (qe == NULL || runner_is_active(r, qe->id))
			continue;
		if (runner_msg_start(r, qe, r->held) == -1 || r->held ||
		    now_sec() < r->paused_until)
			return;
	}
}

/* ---- loop ------------------------------------------------------------------- */

static void
load_password(struct runner *r)
{
	free(r->password);
	r->password = NULL;
	if (transport_is_api(r->cf))	/* credentials come from the AWS chain */
		return;
	r->password = sespass_for_config(r->cf, r->password_err, sizeof(r->password_err));
	if (r->password == NULL)
		runner_hold(r, "config", r->password_err, "fix the secret, then reload "
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
	account_region_resolve(&nc);	/* no 'region': the SDKs' sources */
	config_free(r->cf);
	*r->cf = nc;
	log_set_file(r->cf->log_file);
	ratelimit_set_max(&r->rl, r->cf->max_rate);
	r->pool_restart = 1;
	runner_release(r, "configuration reloaded");
	sender_hold_probe_now(&r->sh, now_sec());
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
				    transport_busy(r->pool));
			r->stopping = 1;
			r->stop_deadline = now_sec() + STOP_GRACE;
			break;
		case SIGHUP:
			reload(r);
			break;
		case SIGUSR1:
			/* A queue command's request, else (an older tool, or
			 * kill -USR1 by hand) a full rescan. */
			if (take_requests(r))
				scan_maildrop(r);
			else
				scan_all(r);
			break;
		}
	}
}

static double
next_wakeup(struct runner *r)
{
	double t = r->next_rescan, now = now_sec();

	if (r->paused_until > now && r->paused_until < t)
		t = r->paused_until;
	if (r->held && r->next_probe < t)
		t = r->next_probe;
	if (*r->cf->metrics_file && r->metrics_due < t)
		t = r->metrics_due;
	/* Due messages matter only when a worker is free: otherwise the end
	 * of a transfer (the wake pipe) is what wakes us, not a busy loop. */
	if (!r->held && r->paused_until <= now && !r->pool_restart &&
	    transport_idle(r->pool) > 0 && qindex_first(&r->qi) != NULL &&
	    qindex_first(&r->qi)->due < t)
		t = qindex_first(&r->qi)->due;
	if (r->stopping && r->stop_deadline < t)
		t = r->stop_deadline;
	if (r->feed_at > 0 && r->feed_at < t)
		t = r->feed_at;
	if (r->unsynced && r->unsynced_since + GROUP_WINDOW < t)
		t = r->unsynced_since + GROUP_WINDOW;
	if (history_note_since() > 0 && history_note_since() + GROUP_WINDOW < t)
		t = history_note_since() + GROUP_WINDOW;
	if (r->qs_stale && r->qs_saved + STATUS_LAG < t)
		t = r->qs_saved + STATUS_LAG;
	if (r->rescan_maildrop && now + 0.05 < t)
		t = now + 0.05;
	return t;
}

/*
 * Group commit of removals: one fsync of queue/ for the messages finished
 * within GROUP_WINDOW (or GROUP_MAX of them, or when the daemon goes
 * idle).  Only a power loss, not a killed daemon, can undo an unsynced
 * removal: then those messages are sent again (sesrelay-spool(5)).
 */
static void
group_commit(struct runner *r, int now_anyway)
{
	double hs = history_note_since();

	/* The sent-mail history's rows go in groups on the same terms. */
	if (hs > 0 && (now_anyway || r->active == NULL ||
	    now_sec() - hs >= GROUP_WINDOW))
		history_note_commit();
	if (r->unsynced == 0)
		return;
	if (!now_anyway && r->unsynced < GROUP_MAX && r->active != NULL &&
	    now_sec() - r->unsynced_since < GROUP_WINDOW)
		return;
	if (spool_sync_removals(&r->sp) == -1)
		log_warn("fsync %s", r->sp.queue);
	r->unsynced = 0;
}

static int
nothing_left_now(struct runner *r)
{
	double now = now_sec();

	if (r->active != NULL)
		return 0;
	if (r->held || r->paused_until > now + 2)
		return 1;
	/* Rate-limit and throttle waits are waited out; backoffs are not. */
	return r->qi.nwaiting == 0 &&
	    (qindex_first(&r->qi) == NULL || qindex_first(&r->qi)->due > now);
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
	metrics_counters_load(&r.sp, &r.counts);	/* absent: from 0 */
	r.qs.held_since = 0;
	r.qs.hold_reason[0] = '\0';
	r.qs.throttled_until = 0;
	r.qs.nsender_holds = 0;
	ratelimit_init(&r.rl, cf->max_rate, now_sec());
	load_password(&r);
	r.pool = transport_start(cf, r.password ? r.password : "", r.wake[1]);
	if (reaper_start() == -1)
		log_warn("cannot start the reaper thread (closing files inline)");
	scan_all(&r);
	take_requests(&r);	/* a flush asked for while it was down */
	r.qs_dirty = 1;
	for (;;) {
		struct smtp_job *j;
		double t, nr;
		int timeout;

		if (r.rescan_maildrop)
			scan_maildrop(&r);
		if (now_sec() >= r.next_rescan)
			scan_all(&r);
		if (r.pool_restart && transport_busy(r.pool) == 0) {
			transport_stop(r.pool);
			r.pool = transport_start(r.cf, r.password ? r.password : "", r.wake[1]);
			r.pool_restart = 0;
		}
		if ((nr = account_rate_take()) > 0)	/* max_rate = auto */
			ratelimit_set_max(&r.rl, nr);
		dispatch(&r);
		group_commit(&r, 0);
		if (status_due(&r, now_sec()))
			save_status(&r);
		r.metrics_due = metrics_tick(cf, &r.sp, &r.counts, now_sec(), r.metrics_due, 0);
		if (r.stopping && transport_busy(r.pool) == 0 && r.active == NULL)
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
		while ((j = transport_take_done(r.pool)) != NULL)
			runner_msg_result(&r, j->owner);
		if (r.stopping && now_sec() >= r.stop_deadline)
			transport_abort(r.pool);
	}
	transport_stop(r.pool);
	while (r.active != NULL)	/* aborted transfers: still pending */
		runner_msg_finish(&r, r.active);
	group_commit(&r, 1);
	reaper_stop();
	save_status(&r);
	metrics_tick(cf, &r.sp, &r.counts, now_sec(), r.metrics_due, 1);
	if (r.held && once)
		rc = EXIT_TEMPFAIL;
	qindex_free(&r.qi);
	sender_holds_free(&r.sh);
	free(r.password);
	close(r.wake[0]);
	close(r.wake[1]);
	if (r.inofd >= 0)
		close(r.inofd);
	return rc;
}
