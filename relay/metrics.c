/* SPDX-License-Identifier: ISC */
/*
 * metrics.c: see metrics.h.  Names follow the Prometheus conventions:
 * a sesrelay_ prefix, base units (_seconds), _total on counters, one
 * metric with a label where the values are parts of one whole (messages
 * per state, recipients per outcome).  Label values come from fixed sets
 * (states, outcomes, pause reasons) or from an SMTP reply code and the
 * enhanced status code that classify.c gives it, so a server's free text
 * never becomes a label and the number of series stays bounded.
 *
 * SES quota figures (Max24HourSend, SentLast24Hours) are not known on the
 * SMTP channel; they are not exported until something in the relay reads
 * them from the SES API.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classify.h"
#include "cli.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "metrics.h"
#include "privdrop.h"
#include "qlist.h"
#include "spool.h"
#include "util.h"

#define COUNTERS_MAGIC "SESRELAY-COUNTERS 1"

static const char *const states[] = { "incoming", "active", "deferred", "held",
	"failed" };

void
metrics_count(struct metrics_counters *c, enum metrics_outcome o)
{
	switch (o) {
	case METRICS_SENT:	c->sent++; break;
	case METRICS_DEFERRED:	c->deferred++; break;
	case METRICS_BOUNCED:	c->bounced++; break;
	}
	c->dirty = 1;
}

void
metrics_count_failed_message(struct metrics_counters *c)
{
	c->failed_messages++;
	c->dirty = 1;
}

int
metrics_counters_load(const struct spool *sp, struct metrics_counters *c)
{
	char path[400], line[128], name[64];
	unsigned long v;
	FILE *fp;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/counters", sp->run);
	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	if (fgets(line, sizeof(line), fp) == NULL ||
	    strncmp(line, COUNTERS_MAGIC "\n", sizeof(COUNTERS_MAGIC)) != 0) {
		fclose(fp);
		errno = EINVAL;
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, "%63s %lu", name, &v) != 2)
			continue;
		if (strcmp(name, "sent") == 0)
			c->sent = v;
		else if (strcmp(name, "deferred") == 0)
			c->deferred = v;
		else if (strcmp(name, "bounced") == 0)
			c->bounced = v;
		else if (strcmp(name, "failed_messages") == 0)
			c->failed_messages = v;
	}
	fclose(fp);
	return 0;
}

/* Write path.tmp, then rename it over path. */
static int
replace(const char *path, const char *text, size_t len, mode_t mode)
{
	char *tmp = xasprintf("%s.tmp", path);
	int fd, saved;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd == -1)
		goto fail;
	if (fchmod(fd, mode) == -1 || write_all(fd, text, len) == -1) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		goto fail;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	free(tmp);
	return -1;
}

int
metrics_counters_save(const struct spool *sp, struct metrics_counters *c)
{
	char path[400], *text;
	int r;

	snprintf(path, sizeof(path), "%s/counters", sp->run);
	text = xasprintf(COUNTERS_MAGIC "\nsent %lu\ndeferred %lu\nbounced %lu\n"
	    "failed_messages %lu\n", c->sent, c->deferred, c->bounced,
	    c->failed_messages);
	r = replace(path, text, strlen(text), 0600);
	free(text);
	if (r == 0)
		c->dirty = 0;
	return r;
}

int
metrics_write_file(const char *path, const char *text, size_t len)
{
	return replace(path, text, len, 0644);
}

static void
head(FILE *fp, const char *name, const char *type, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The SMTP code and enhanced status of a stored reply ("535 Auth..."),
 * as classify.c sees it: bounded label values. */
static void
reply_labels(const struct config *cf, const char *reply, char code[8],
    const char **dsn, enum reply_action *action)
{
	struct reply_class c;
	char *text;

	strcpy(code, "none");
	*dsn = "none";
	*action = ACT_RETRY;
	if (!(isdigit((unsigned char)reply[0]) && isdigit((unsigned char)reply[1]) &&
	    isdigit((unsigned char)reply[2]) && (reply[3] == ' ' || reply[3] == '-')))
		return;
	memcpy(code, reply, 3);
	code[3] = '\0';
	/* run/status keeps "reply -- hint": classify the reply alone. */
	text = xstrdup(reply + 4);
	if (strstr(text, " -- ") != NULL)
		*strstr(text, " -- ") = '\0';
	classify_reply(atoi(code), text, cf->sender, 0, &c);
	free(text);
	*dsn = c.dsn ? c.dsn : "none";
	*action = c.action;
}

static void
render_queue(FILE *fp, const struct spool *sp, const struct queue_status *qs,
    long now, int *ok)
{
	long count[5] = { 0, 0, 0, 0, 0 }, oldest = 0;
	struct qmsg *m;
	ssize_t n, i;
	size_t k;

	*ok = (n = qlist_load(sp, qs, &m)) != -1;
	for (i = 0; i < n; i++) {
		for (k = 0; k < 5 && strcmp(m[i].state, states[k]) != 0; k++)
			;
		count[k < 5 ? k : 4]++;
		if (m[i].area != AREA_FAILED && now - (long)m[i].e.arrival > oldest)
			oldest = now - (long)m[i].e.arrival;
	}
	if (*ok)
		qlist_free(m, n);
	head(fp, "sesrelay_queue_messages", "gauge",
	    "Messages in the spool by state (failed: kept in failed/).");
	for (k = 0; k < 5; k++)
		fprintf(fp, "sesrelay_queue_messages{state=\"%s\"} %ld\n", states[k], count[k]);
	head(fp, "sesrelay_queue_oldest_message_age_seconds", "gauge",
	    "Age of the oldest message waiting for delivery (0 when none waits).");
	fprintf(fp, "sesrelay_queue_oldest_message_age_seconds %ld\n", oldest);
}

static void
render_counters(FILE *fp, const struct metrics_counters *c)
{
	head(fp, "sesrelay_recipients_total", "counter", "Delivery outcomes per "
	    "recipient, as the status= of the log lines: sent (SES accepted it), "
	    "deferred (retried later), bounced (failed for good).");
	fprintf(fp, "sesrelay_recipients_total{status=\"sent\"} %lu\n", c->sent);
	fprintf(fp, "sesrelay_recipients_total{status=\"deferred\"} %lu\n", c->deferred);
	fprintf(fp, "sesrelay_recipients_total{status=\"bounced\"} %lu\n", c->bounced);
	head(fp, "sesrelay_messages_failed_total", "counter",
	    "Messages moved to failed/ (at least one recipient bounced).");
	fprintf(fp, "sesrelay_messages_failed_total %lu\n", c->failed_messages);
}

static void
render_state(FILE *fp, const struct config *cf, const struct queue_status *qs,
    long pid, long now)
{
	enum reply_action act;
	const char *dsn;
	char code[8];
	int held = qs->held_since != 0 && pid != 0, paused = qs->throttled_until > now;
	int quota = 0;

	head(fp, "sesrelay_daemon_running", "gauge",
	    "1 when the delivery daemon runs for this spool.");
	fprintf(fp, "sesrelay_daemon_running %d\n", pid != 0);
	head(fp, "sesrelay_queue_held", "gauge", "1 while the daemon holds the whole "
	    "queue after a configuration error (authentication, access, sender).");
	fprintf(fp, "sesrelay_queue_held %d\n", held);
	head(fp, "sesrelay_queue_held_info", "gauge", "Why the queue is held: the "
	    "SMTP reply code and enhanced status code (present only while held).");
	if (held) {
		reply_labels(cf, qs->hold_reason, code, &dsn, &act);
		fprintf(fp, "sesrelay_queue_held_info{code=\"%s\",dsn=\"%s\"} 1\n", code, dsn);
	}
	if (paused) {
		reply_labels(cf, qs->throttle_reason, code, &dsn, &act);
		quota = act == ACT_QUOTA;
	}
	head(fp, "sesrelay_sending_paused", "gauge", "1 while sending pauses: "
	    "throttle (maximum send rate exceeded) or quota (daily quota used up).");
	fprintf(fp, "sesrelay_sending_paused{reason=\"throttle\"} %d\n", paused && !quota);
	fprintf(fp, "sesrelay_sending_paused{reason=\"quota\"} %d\n", paused && quota);
	head(fp, "sesrelay_max_send_rate", "gauge",
	    "Configured maximum send rate (max_rate), recipients per second.");
	fprintf(fp, "sesrelay_max_send_rate %.3f\n", cf->max_rate);
	head(fp, "sesrelay_send_rate", "gauge", "Send rate the daemon allows itself "
	    "now (lowered after throttling), recipients per second.");
	fprintf(fp, "sesrelay_send_rate %.3f\n", pid && qs->rate_current > 0 ?
	    qs->rate_current : cf->max_rate);
	head(fp, "sesrelay_last_success_timestamp_seconds", "gauge",
	    "When SES last accepted a message (0: never).");
	fprintf(fp, "sesrelay_last_success_timestamp_seconds %ld\n", qs->last_success);
}

char *
metrics_render(const struct config *cf, const struct spool *sp,
    const struct metrics_counters *c, long now, size_t *len)
{
	struct queue_status qs;
	char *buf = NULL;
	size_t size = 0;
	FILE *fp = open_memstream(&buf, &size);
	int ok, saved;

	if (fp == NULL)
		return NULL;
	if (spool_status_load(sp, &qs) == -1)
		memset(&qs, 0, sizeof(qs));
	render_queue(fp, sp, &qs, now, &ok);
	saved = errno;
	render_counters(fp, c);
	render_state(fp, cf, &qs, daemon_running(cf), now);
	fclose(fp);
	if (!ok) {
		free(buf);
		errno = saved;
		return NULL;
	}
	*len = size;
	return buf;
}

double
metrics_tick(const struct config *cf, const struct spool *sp,
    struct metrics_counters *c, double now, double due, int force)
{
	char *text;
	size_t len;

	if (!force && now < due)
		return due;
	if (c->dirty && metrics_counters_save(sp, c) == -1)
		log_warn("cannot write %s/counters", sp->run);
	if (*cf->metrics_file != '\0') {
		/* One warning per failure streak, not one per interval. */
		static int failing;

		if ((text = metrics_render(cf, sp, c, (long)now, &len)) == NULL) {
			if (!failing++)
				log_warn("metrics: cannot read the spool %s", sp->dir);
		} else if (metrics_write_file(cf->metrics_file, text, len) == -1) {
			if (!failing++)
				log_warn("cannot write metrics_file %s (the relay user needs "
				    "to write its directory)", cf->metrics_file);
		} else
			failing = 0;
		free(text);
	}
	return now + cf->metrics_interval;
}

int
cmd_metrics(int argc, char **argv, struct config *cf)
{
	struct metrics_counters c;
	struct spool sp;
	char err[512], *text;
	size_t len;

	if (argc > 1) {
		fprintf(stderr, "usage: sesrelay metrics (no arguments; see sesrelay(8))\n");
		return EXIT_USAGE;
	}
	(void)argv;
	if (priv_become_relay(cf->relay_user, err, sizeof(err)) == -1) {
		fprintf(stderr, "sesrelay: %s (the queue belongs to %s: run this as root "
		    "or as that user)\n", err, cf->relay_user);
		return EXIT_NOPERM;
	}
	spool_init(&sp, cf->spool_dir);
	if (metrics_counters_load(&sp, &c) == -1 && errno != ENOENT)
		fprintf(stderr, "sesrelay: %s/counters: %s (counters start at 0)\n",
		    sp.run, strerror(errno));
	if ((text = metrics_render(cf, &sp, &c, (long)time(NULL), &len)) == NULL) {
		fprintf(stderr, "sesrelay: cannot read the spool %s: %s\n", sp.dir,
		    strerror(errno));
		return EXIT_IOERR;
	}
	fwrite(text, 1, len, stdout);
	free(text);
	return fflush(stdout) == 0 ? 0 : EXIT_IOERR;
}
