/* SPDX-License-Identifier: ISC */
/*
 * trace.c: `sesrelay trace [--since WHEN] [--json] QUERY`: what happened to
 * the mail matching a queue id, a Message-ID, an SES message id or a
 * recipient address, from the sent-mail history and the SES events stored
 * with it: submitted, sent to SES, then delivered / delayed / bounced /
 * complained, with a hint for the common cases.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "config.h"
#include "events.h"
#include "history.h"
#include "privdrop.h"
#include "qlist.h"
#include "util.h"

#define TRACE_LIMIT 200		/* messages shown at most */

/* "90m", "24h", "7d", "3600" (seconds), or a UTC date "2026-12-01" /
 * "2026-12-01T10:00[:00][Z]".  Epoch seconds, or -1. */
static double
parse_since(const char *s, double now)
{
	static const char *fmts[] = { "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
	    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d" };
	struct tm tm;
	char *end;
	double v = strtod(s, &end);
	size_t i;

	if (end != s && v >= 0 && (*end == '\0' || end[1] == '\0')) {
		switch (*end) {
		case '\0': case 's': return now - v;
		case 'm': return now - v * 60;
		case 'h': return now - v * 3600;
		case 'd': return now - v * 86400;
		}
	}
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, fmts[i], &tm);
		if (end && (*end == '\0' || strcmp(end, "Z") == 0))
			return (double)timegm(&tm);
	}
	return -1;
}

/* ---- text output ----------------------------------------------------------- */

static void
text_msg(void *arg, const struct trace_msg *m)
{
	char t[32];

	(void)arg;
	printf("%s%s%s%s\n", m->qid, *m->msgid ? "  Message-ID <" : "", m->msgid,
	    *m->msgid ? ">" : "");
	if (m->size >= 0)
		printf("  %s  submitted by %s (uid %ld), sender <%s>, %ld octets\n",
		    qlist_time((long)m->arrival, t, sizeof(t)), m->user, m->uid,
		    m->sender, m->size);
	else
		puts("  (no record of sending on this host yet: events only)");
}

static void
text_step(void *arg, const struct trace_step *s)
{
	const char *word = events_status_word(s->type);
	const char *hint = events_hint(s->type, s->kind, s->subtype, s->status, s->diag);
	char t[32], t2[32];

	(void)arg;
	printf("  %s  <%s>  ", qlist_time((long)s->time, t, sizeof(t)), s->rcpt);
	if (strcmp(s->type, "Sent") == 0) {
		printf("sent to SES, SES message id %s\n", *s->ses_id ? s->ses_id : "unknown");
		return;
	}
	printf("%s", word);
	if (*s->kind || *s->subtype)
		printf(" (%s%s%s)", s->kind, *s->kind && *s->subtype ? "/" : "", s->subtype);
	if (*s->status || *s->diag)
		printf(": %s%s%s", s->status, *s->status && *s->diag ? " " : "", s->diag);
	if (*s->mta || *s->remote_ip)
		printf(" [%s%s%s]", s->mta, *s->mta && *s->remote_ip ? ", " : "", s->remote_ip);
	if (s->expires > 0)
		printf("; SES retries until %s", qlist_time((long)s->expires, t2, sizeof(t2)));
	putchar('\n');
	if (hint)
		printf("      hint: %s\n", hint);
}

/* ---- JSON output (printed as it comes, like the queue list) ----------------- */

struct jout {
	int	 msgs, steps;
};

static void
jkey(const char *sep, const char *key, const char *value)
{
	printf("%s\"%s\":", sep, key);
	json_str(stdout, value);
}

static void
jtime(const char *key, double t)
{
	char buf[32];

	printf(",\"%s\":", key);
	if (t > 0)
		printf("\"%s\"", qlist_time((long)t, buf, sizeof(buf)));
	else
		fputs("null", stdout);
}

static void
json_msg(void *arg, const struct trace_msg *m)
{
	struct jout *j = arg;

	printf("%s\n {", j->msgs++ ? "]}," : "[");
	jkey("", "queue_id", m->qid);
	jkey(",", "message_id", m->msgid);
	if (m->size >= 0) {
		jkey(",", "sender", m->sender);
		jkey(",", "submitted_by", m->user);
		printf(",\"uid\":%ld,\"size\":%ld", m->uid, m->size);
		jtime("submitted", m->arrival);
	}
	fputs(",\"steps\":[", stdout);
	j->steps = 0;
}

static void
json_step(void *arg, const struct trace_step *s)
{
	struct jout *j = arg;
	const char *hint = events_hint(s->type, s->kind, s->subtype, s->status, s->diag);

	printf("%s\n  {", j->steps++ ? "," : "");
	jkey("", "recipient", s->rcpt);
	jkey(",", "event", s->type);
	jkey(",", "status", strcmp(s->type, "Sent") == 0 ? "sent" :
	    events_status_word(s->type));
	jtime("time", s->time);
	jkey(",", "ses_message_id", s->ses_id);
#define OPT(k, v) if (*(v)) jkey(",", k, v)
	OPT("type", s->kind);
	OPT("subtype", s->subtype);
	OPT("dsn", s->status);
	OPT("diagnostic", s->diag);
	OPT("reporting_mta", s->mta);
	OPT("remote_mta_ip", s->remote_ip);
#undef OPT
	if (s->expires > 0)
		jtime("expires", s->expires);
	if (hint)
		jkey(",", "hint", hint);
	putchar('}');
}

int
cmd_trace(int argc, char **argv, struct config *cf)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct history *h;
	struct trace_cb cb;
	struct jout jo = { 0, 0 };
	char err[1024];
	double since = 0, now = now_sec();
	int ch, json = 0, n;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'j')
			json = 1;
		else if (ch == 's' && (since = parse_since(optarg, now)) >= 0)
			continue;
		else {
			if (ch == 's')
				fprintf(stderr, "sesrelay: --since %s: expected an age "
				    "(90m, 24h, 7d) or a UTC date (2026-12-01, "
				    "2026-12-01T10:00Z)\n", optarg);
			goto usage;
		}
	}
	if (optind != argc - 1 || argv[optind][0] == '\0')
		goto usage;
	if (priv_become_relay(cf->relay_user, err, sizeof(err)) == -1) {
		fprintf(stderr, "sesrelay: %s\n", err);
		return EXIT_NOPERM;
	}
	if ((h = history_open(cf->spool_dir, HISTORY_READ, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sesrelay: %s\n", err);
		return EXIT_NOINPUT;
	}
	if (json)
		cb = (struct trace_cb){ json_msg, json_step, &jo };
	else
		cb = (struct trace_cb){ text_msg, text_step, NULL };
	n = history_trace(h, argv[optind], since, TRACE_LIMIT, &cb);
	if (n < 0)
		fprintf(stderr, "sesrelay: cannot read the history: %s\n", history_error(h));
	history_close(h);
	if (json)
		puts(jo.msgs ? "]}\n]" : "[]");
	if (n == 0 && !json)
		fprintf(stderr, "sesrelay: no sent mail matches '%s'%s (queue id, "
		    "Message-ID, SES message id or recipient address)\n", argv[optind],
		    since > 0 ? " in that time" : "");
	if (n == TRACE_LIMIT && !json)
		fprintf(stderr, "sesrelay: only the first %d messages are shown: narrow "
		    "it down with --since\n", TRACE_LIMIT);
	return n < 0 ? EXIT_SOFTWARE : n == 0 ? 1 : 0;
usage:
	fputs("usage: sesrelay trace [--since AGE|DATE] [--json] QUERY\n"
	    "QUERY: queue id, Message-ID, SES message id or recipient address\n", stderr);
	return EXIT_USAGE;
}
