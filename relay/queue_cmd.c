/* SPDX-License-Identifier: ISC */
/*
 * queue_cmd.c: `sesrelay queue list|show|flush|hold|release|delete|requeue`
 * (and mailq, sendmail -bp, sendmail -q).  Safe while the daemon runs:
 * every change takes the message's flock (the daemon holds it while it
 * delivers), re-reads the state, and writes it back atomically; the
 * daemon is then told with SIGUSR1 to look again.
 * Who may: root and the relay user (root switches to the relay user);
 * others are refused, since the queue holds other users' mail.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "classify.h"
#include "cli.h"
#include "config.h"
#include "daemon.h"
#include "history.h"
#include "privdrop.h"
#include "qlist.h"
#include "spool.h"
#include "util.h"

enum change { CH_FLUSH, CH_HOLD, CH_RELEASE, CH_DELETE, CH_REQUEUE };

static int
become_relay(const struct config *cf, const char *what)
{
	char err[512];

	if (priv_become_relay(cf->relay_user, err, sizeof(err)) == 0)
		return 0;
	if (strstr(err, "permission denied") != NULL)
		fprintf(stderr, "%s: permission denied: the queue is readable only by root "
		    "and the %s user (it holds other users' mail)\n", what, cf->relay_user);
	else
		fprintf(stderr, "%s: %s\n", what, err);
	return EXIT_NOPERM;
}

static void
print_text(const struct qmsg *m, ssize_t n)
{
	char when[32], next[32];
	long total = 0;
	ssize_t i;
	size_t k;

	if (n == 0) {
		puts("Mail queue is empty");
		return;
	}
	printf("%-16s %9s %-20s %s\n", "-Queue ID-", "--Size--", "----Arrival Time----",
	    "-Sender/Recipient-------");
	for (i = 0; i < n; i++) {
		total += m[i].e.size;
		printf("%-16s %9ld %-20s %s  (%s)\n", m[i].id, m[i].e.size,
		    qlist_time((long)m[i].e.arrival, when, sizeof(when)),
		    *m[i].e.sender ? qlist_esc(m[i].e.sender) : "<>", m[i].state);
		for (k = 0; k < m[i].st.nrcpts; k++) {
			const struct rcpt_state *r = &m[i].st.rcpts[k];

			printf("%48s%s  %s", "", qlist_esc(r->addr), rcpt_status_name(r->status));
			if (r->attempts)
				printf(", %d attempt%s", r->attempts, r->attempts > 1 ? "s" : "");
			if (r->status == RCPT_PENDING && r->next_attempt > time(NULL))
				printf(", next %s", qlist_time(r->next_attempt, next, sizeof(next)));
			if (*r->ses_id)
				printf(", SES id %s", qlist_esc(r->ses_id));
			putchar('\n');
			if (*r->reply && r->status != RCPT_SENT)
				printf("%52s(%s)\n", "", qlist_esc(r->reply));
		}
		putchar('\n');
	}
	printf("-- %ld Kbytes in %zd Request%s.\n", (total + 1023) / 1024, n, n > 1 ? "s" : "");
}

static void
print_json(const struct qmsg *m, ssize_t n)
{
	char t[32];
	ssize_t i;
	size_t k;

	putchar('[');
	for (i = 0; i < n; i++) {
		printf("%s\n{\"id\":\"%s\",\"area\":\"%s\",\"state\":\"%s\",\"size\":%ld,"
		    "\"arrival\":\"%s\",\"sender\":", i ? "," : "", m[i].id,
		    spool_area_name(m[i].area), m[i].state, m[i].e.size,
		    qlist_time((long)m[i].e.arrival, t, sizeof(t)));
		json_str(stdout, m[i].e.sender);
		printf(",\"user\":");
		json_str(stdout, m[i].e.user);
		printf(",\"uid\":%ld,\"held\":%s,\"recipients\":[", m[i].e.uid,
		    m[i].st.held ? "true" : "false");
		for (k = 0; k < m[i].st.nrcpts; k++) {
			const struct rcpt_state *r = &m[i].st.rcpts[k];

			printf("%s{\"address\":", k ? "," : "");
			json_str(stdout, r->addr);
			printf(",\"state\":\"%s\",\"attempts\":%d,\"next_attempt\":\"%s\",",
			    rcpt_status_name(r->status), r->attempts,
			    qlist_time(r->next_attempt, t, sizeof(t)));
			printf("\"last_attempt\":\"%s\",\"last_reply\":",
			    qlist_time(r->last_attempt, t, sizeof(t)));
			json_str(stdout, r->reply);
			printf(",\"ses_message_id\":");
			if (*r->ses_id)
				json_str(stdout, r->ses_id);
			else
				printf("null");
			putchar('}');
		}
		printf("]}");
	}
	puts("\n]");
}

static int
cmd_list(int argc, char **argv, const struct spool *sp)
{
	struct queue_status qs;
	struct qmsg *m;
	ssize_t n;
	int json = argc > 1 && strcmp(argv[1], "--json") == 0;

	if (spool_status_load(sp, &qs) == -1)
		memset(&qs, 0, sizeof(qs));
	if ((n = qlist_load(sp, &qs, &m)) == -1) {
		fprintf(stderr, "mailq: cannot read the queue in %s: %s\n", sp->dir,
		    strerror(errno));
		return errno == EACCES ? EXIT_NOPERM : EXIT_TEMPFAIL;
	}
	if (json)
		print_json(m, n);
	else
		print_text(m, n);
	qlist_free(m, n);
	return 0;
}

static void
print_headers(int fd, const struct envelope *e)
{
	static const char *keep[] = { "From:", "To:", "Cc:", "Subject:", "Date:",
	    "Message-ID:", "Reply-To:" };
	char buf[16384], *line, *save;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, e->data_offset);
	size_t k;

	if (n <= 0)
		return;
	buf[n] = '\0';
	if ((line = strstr(buf, "\n\n")) != NULL)
		line[1] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		for (k = 0; k < sizeof(keep) / sizeof(keep[0]); k++)
			if (strncasecmp(line, keep[k], strlen(keep[k])) == 0)
				printf("  %s\n", qlist_esc(line));
}

/* A message no longer queued because it was sent: say where its story
 * continues.  1 when the history knows it. */
static int
sent_before(const struct spool *sp, const char *id)
{
	char err[512];
	struct history *h = history_open(sp->dir, HISTORY_READ, err, sizeof(err));
	int known = h ? history_known(h, id) : 0;

	history_close(h);
	if (known == 1)
		printf("%s was sent and is no longer queued: 'sesrelay trace %s' shows "
		    "its delivery history\n", id, id);
	return known == 1;
}

/* A message whose sender alone is held says so (issue 7 item 2). */
static void
show_sender_hold(const struct spool *sp, const char *sender)
{
	struct queue_status qs;
	char t[32];
	int i;

	if (spool_status_load(sp, &qs) == -1)
		return;
	for (i = 0; i < qs.nsender_holds; i++)
		if (strcasecmp(qs.sender_hold[i].sender, sender) == 0)
			printf("Held:      mail from <%s> is held since %s (only this sender's; "
			    "'sesrelay queue flush' tries again now): %s\n", sender,
			    qlist_time(qs.sender_hold[i].since, t, sizeof(t)),
			    qs.sender_hold[i].reason);
}

static int
cmd_show(int argc, char **argv, const struct spool *sp)
{
	enum spool_area area;
	struct envelope e;
	struct msg_state st;
	char err[512], t[32];
	size_t k;
	int fd;

	if (argc != 2) {
		fputs("usage: sesrelay queue show ID\n", stderr);
		return EXIT_USAGE;
	}
	if (qlist_find(sp, argv[1], &area) == -1 ||
	    (fd = spool_open(sp, area, argv[1], &e, err, sizeof(err))) == -1) {
		if (sent_before(sp, argv[1]))
			return 0;
		fprintf(stderr, "sesrelay: no message %s in the queue\n", argv[1]);
		return EXIT_NOINPUT;
	}
	if (spool_state_load(sp, argv[1], &e, &st, err, sizeof(err)) == -1)
		state_init(&st, &e);
	printf("Queue ID:  %s (%s%s)\nArrival:   %s\nSize:      %ld octets%s\n"
	    "Submitted: by %s (uid %ld)\nSender:    <%s>\nHeaders:\n", argv[1],
	    spool_area_name(area), st.held ? ", held" : "",
	    qlist_time((long)e.arrival, t, sizeof(t)), e.size, e.body8bit ? ", 8bit" : "",
	    qlist_esc(e.user), e.uid, qlist_esc(e.sender));
	print_headers(fd, &e);
	show_sender_hold(sp, e.sender);
	puts("Recipients:");
	for (k = 0; k < st.nrcpts; k++) {
		const struct rcpt_state *r = &st.rcpts[k];
		const char *hint = classify_hint(r->reply, e.sender);

		printf("  %s: %s, %d attempt%s", qlist_esc(r->addr), rcpt_status_name(r->status),
		    r->attempts, r->attempts == 1 ? "" : "s");
		if (r->status == RCPT_PENDING && r->next_attempt)
			printf(", next %s", qlist_time(r->next_attempt, t, sizeof(t)));
		if (*r->ses_id)
			printf(", SES message id %s", qlist_esc(r->ses_id));
		putchar('\n');
		if (*r->reply)
			printf("    last reply: %s\n", qlist_esc(r->reply));
		if (hint && r->status != RCPT_SENT)
			printf("    hint: %s\n", qlist_esc(hint));
		if (r->status == RCPT_SENT)
			printf("    after SES: sesrelay trace %s\n", argv[1]);
	}
	if (st.nlog)
		puts("History:");
	for (k = 0; k < st.nlog; k++)
		printf("  %s  %s  %s  %s\n", qlist_time(st.log[k].time, t, sizeof(t)),
		    qlist_esc(st.log[k].addr), qlist_esc(st.log[k].status),
		    qlist_esc(st.log[k].text));
	state_free(&st);
	envelope_free(&e);
	close(fd);
	return 0;
}

/* Apply one change to one message under its lock.  0 ok, -1 error. */
static int
change_one(const struct spool *sp, const char *id, enum change ch, int all)
{
	enum spool_area area;
	struct envelope e;
	struct msg_state st;
	char err[512];
	size_t k;
	int fd, r = 0;

	/*
	 * With ALL the list was taken a moment ago: a message the daemon
	 * delivered since then is not an error.  A named id that is gone is.
	 */
	if (qlist_find(sp, id, &area) == -1) {
		if (all) {
			printf("%s: already delivered or removed\n", id);
			return 0;
		}
		fprintf(stderr, "sesrelay: no message %s in the queue (delivered "
		    "and removed, or a wrong id: see mailq)\n", id);
		return -1;
	}
	if ((fd = spool_open(sp, area, id, &e, err, sizeof(err))) == -1) {
		if (qlist_find(sp, id, &area) == -1) {
			printf("%s: already delivered or removed\n", id);
			return all ? 0 : -1;
		}
		fprintf(stderr, "sesrelay: %s: %s\n", id, err);
		return -1;
	}
	if (spool_lock(fd, 1) == -1) {
		fprintf(stderr, "sesrelay: %s: cannot lock the message: %s\n", id,
		    strerror(errno));
		envelope_free(&e);
		close(fd);
		return -1;
	}
	/* The daemon may have moved or finished it while we waited. */
	if (qlist_find(sp, id, &area) == -1) {
		printf("%s: already delivered or removed\n", id);
		goto out;
	}
	if (ch == CH_DELETE) {
		r = spool_remove(sp, area, id, 1);
		printf("%s: deleted\n", id);
		goto out;
	}
	/* It may have failed since it was listed: holding or flushing a
	 * message in failed/ would only leave a flag for a later requeue. */
	if ((ch == CH_HOLD || ch == CH_FLUSH) && area == AREA_FAILED) {
		printf("%s: in failed/, left alone (requeue it to send it again)\n", id);
		goto out;
	}
	if (ch == CH_REQUEUE && area != AREA_FAILED) {
		printf("%s: not in failed/, nothing to requeue\n", id);
		goto out;
	}
	if (spool_state_load(sp, id, &e, &st, err, sizeof(err)) == -1) {
		fprintf(stderr, "sesrelay: %s: %s\n", id, err);
		r = -1;
		goto out;
	}
	for (k = 0; k < st.nrcpts; k++) {
		struct rcpt_state *rs = &st.rcpts[k];

		if (ch == CH_FLUSH && rs->status == RCPT_PENDING)
			rs->next_attempt = 0;
		if (ch == CH_REQUEUE && rs->status == RCPT_FAILED) {
			rs->status = RCPT_PENDING;
			rs->attempts = 0;
			rs->next_attempt = 0;
			state_add_log(&st, (long)now_sec(), rs->addr, "requeued",
			    "requeued by the operator");
		}
	}
	/* A requeued message is meant to go out: an old hold goes too. */
	if (ch == CH_HOLD || ch == CH_RELEASE || ch == CH_REQUEUE)
		st.held = ch == CH_HOLD;
	r = spool_state_save(sp, id, &st, 1);
	if (r == 0 && ch == CH_REQUEUE)
		r = spool_move(sp, id, AREA_FAILED, AREA_QUEUE, 1);
	if (r == 0 && ch != CH_FLUSH)
		printf("%s: %s\n", id, ch == CH_HOLD ? "held" : ch == CH_RELEASE ?
		    "released" : "requeued");
	state_free(&st);
out:
	envelope_free(&e);
	close(fd);
	return r;
}

static int
confirm(size_t n)
{
	char ans[16];

	if (!isatty(0))
		return 1;
	fprintf(stderr, "Delete %zu message(s)? [y/N] ", n);
	return fgets(ans, sizeof(ans), stdin) != NULL && (ans[0] == 'y' || ans[0] == 'Y');
}

/* Leave "VERB ID" lines for the running daemon and wake it (SIGUSR1). */
static int
tell_daemon(const struct spool *sp, long pid, const char *verb, char **ids, size_t n)
{
	char *text = NULL;
	size_t len = 0, i;
	FILE *fp = open_memstream(&text, &len);
	int r;

	if (fp == NULL)
		return -1;
	for (i = 0; i < n; i++)
		fprintf(fp, "%s %s\n", verb, ids[i]);
	fclose(fp);
	r = spool_request_post(sp, text);
	free(text);
	if (r == -1) {
		fprintf(stderr, "sesrelay: cannot write a request in %s: %s\n", sp->run,
		    strerror(errno));
		return -1;
	}
	if (kill((pid_t)pid, SIGUSR1) == -1) {
		fprintf(stderr, "sesrelay: cannot signal the daemon (pid %ld): %s\n", pid,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Flush with the daemon running: tell it what is due; no state file is
 * rewritten (10,000 deferred messages: one line, not 10,000 fsyncs).  The
 * daemon also tries a held queue, a held sender or a quota pause at once.
 */
static int
flush_request(const struct spool *sp, long pid, int all, int argc, char **argv)
{
	char *allv[] = { "ALL" }, **ids = all ? allv : NULL;
	size_t n = all ? 1 : 0;
	enum spool_area area;
	int i, bad = 0, r;

	for (i = 1; !all && i < argc; i++) {
		if (!qid_valid(argv[i]) || qlist_find(sp, argv[i], &area) == -1) {
			fprintf(stderr, "sesrelay: no message %s in the queue (delivered "
			    "and removed, or a wrong id: see mailq)\n", argv[i]);
			bad = 1;
		} else if (area == AREA_FAILED)
			printf("%s: in failed/, left alone (requeue it to send it again)\n",
			    argv[i]);
		else {
			ids = xrealloc(ids, (n + 1) * sizeof(char *));
			ids[n++] = argv[i];
		}
	}
	r = n > 0 ? tell_daemon(sp, pid, "flush", ids, n) : 0;
	if (!all)
		free(ids);
	if (r == 0 && n > 0)
		printf("asked the daemon (pid %ld) to deliver now\n", pid);
	return r == -1 ? EXIT_TEMPFAIL : bad ? 1 : 0;
}

static int
cmd_change(int argc, char **argv, struct config *cf, const struct spool *sp,
    enum change ch)
{
	char **ids = NULL;
	size_t n = 0, i;
	int yes = 0, bad = 0, all;
	long pid;

	if (argc > 1 && strcmp(argv[1], "-y") == 0) {
		yes = 1;
		argc--;
		argv++;
	}
	all = argc == 1 ? ch == CH_FLUSH : strcmp(argv[1], "ALL") == 0 ||
	    (ch == CH_REQUEUE && strcmp(argv[1], "failed") == 0);
	if (argc == 1 && !all) {
		fprintf(stderr, "usage: sesrelay queue %s ID...|ALL\n", argv[0]);
		return EXIT_USAGE;
	}
	if (ch == CH_FLUSH && (pid = daemon_running(cf)) > 1)
		return flush_request(sp, pid, all, argc, argv);
	if (all) {
		struct qmsg *m;
		ssize_t cnt = qlist_load(sp, NULL, &m), k;

		if (cnt == -1) {
			fprintf(stderr, "sesrelay: cannot read the queue: %s\n", strerror(errno));
			return EXIT_TEMPFAIL;
		}
		for (k = 0; k < cnt; k++) {
			if (ch == CH_REQUEUE && m[k].area != AREA_FAILED)
				continue;
			/* failed/ is never delivered from: flushing, holding or
			 * releasing it would only write state nobody reads. */
			if ((ch == CH_FLUSH || ch == CH_HOLD || ch == CH_RELEASE) &&
			    m[k].area == AREA_FAILED)
				continue;
			ids = xrealloc(ids, (n + 1) * sizeof(char *));
			ids[n++] = xstrdup(m[k].id);
		}
		qlist_free(m, cnt);
	} else
		for (i = 1; i < (size_t)argc; i++) {
			ids = xrealloc(ids, (n + 1) * sizeof(char *));
			ids[n++] = xstrdup(argv[i]);
		}
	if (ch == CH_DELETE && !yes && n > 0 && !confirm(n)) {
		fputs("nothing deleted\n", stderr);
		bad = 1;
	} else
		for (i = 0; i < n; i++)
			bad |= change_one(sp, ids[i], ch, all) == -1;
	if ((ch == CH_RELEASE || ch == CH_REQUEUE) && (pid = daemon_running(cf)) > 1)
		tell_daemon(sp, pid, "look", ids, n);	/* re-read just these */
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	if (ch == CH_FLUSH)	/* no daemon running: deliver here */
		return daemon_once(cf) ? EXIT_TEMPFAIL : bad ? 1 : 0;
	return bad ? 1 : 0;
}

int
cmd_queue(int argc, char **argv, struct config *cf)
{
	static const struct { const char *name; enum change ch; } changes[] = {
		{ "flush", CH_FLUSH }, { "hold", CH_HOLD }, { "release", CH_RELEASE },
		{ "delete", CH_DELETE }, { "requeue", CH_REQUEUE },
	};
	struct spool sp;
	size_t i;
	int rc;

	if (argc < 2) {
		fputs("usage: sesrelay queue list [--json] | show ID | flush [ID...] | "
		    "hold ID...|ALL | release ID...|ALL | delete [-y] ID...|ALL | "
		    "requeue ID...|failed\n", stderr);
		return EXIT_USAGE;
	}
	if ((rc = become_relay(cf, strcmp(argv[1], "list") == 0 ? "mailq" :
	    "sesrelay queue")) != 0)
		return rc;
	spool_init(&sp, cf->spool_dir);
	if (strcmp(argv[1], "list") == 0)
		return cmd_list(argc - 1, argv + 1, &sp);
	if (strcmp(argv[1], "show") == 0)
		return cmd_show(argc - 1, argv + 1, &sp);
	for (i = 0; i < sizeof(changes) / sizeof(changes[0]); i++)
		if (strcmp(argv[1], changes[i].name) == 0)
			return cmd_change(argc - 1, argv + 1, cf, &sp, changes[i].ch);
	fprintf(stderr, "sesrelay: unknown queue command '%s'\n", argv[1]);
	return EXIT_USAGE;
}
