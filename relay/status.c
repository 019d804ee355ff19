/* SPDX-License-Identifier: ISC */
/*
 * status.c: `sesrelay status [--json]`: is mail flowing?  Usable as a
 * Nagios/Icinga check as it is: the first line is "SESRELAY OK|WARNING|
 * CRITICAL - ..." and the exit status is 0 (mail flows), 1 (degraded:
 * deferrals, or the oldest message is older than status_warn_age) or 2
 * (stuck: queue held, or mail waiting and no daemon running).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "account_view.h"
#include "cli.h"
#include "config.h"
#include "daemon.h"
#include "history.h"
#include "privdrop.h"
#include "qlist.h"
#include "sesapi.h"
#include "spool.h"
#include "util.h"

struct counts {
	long incoming, active, deferred, held, failed, waiting;
	long oldest_age;
};

/* "api (https://email...)" or "smtp (host:port)": where mail goes. */
static void
transport_line(const struct config *cf, char *buf, size_t len)
{
	char *url;

	if (strcmp(cf->transport, "api") == 0) {
		url = sesapi_endpoint_url(cf);
		snprintf(buf, len, "api (%s)", url);
		free(url);
	} else
		snprintf(buf, len, "smtp (%s:%d)", cf->host, cf->port);
}

/* ---- SES events over the last 24 h (sent-mail history) ------------------- */

/* SES reviews an account at a 5 % hard-bounce or 0.1 % complaint rate and
 * may pause it at 10 % / 0.5 % (fact sheet 6).  WARNING from 80 % of the
 * review level, CRITICAL from 80 % of the pause level; judged only over
 * RATE_MIN_SENT recipients, as SES judges a representative volume. */
#define RATE_MIN_SENT	100
#define BOUNCE_REVIEW	5.0
#define BOUNCE_PAUSE	10.0
#define COMPL_REVIEW	0.1
#define COMPL_PAUSE	0.5

struct event_rates {
	int	 have;		/* a history exists */
	struct history_rates r;
	long	 unknown, malformed;	/* events not placed / dropped, ever */
	double	 bounce_pct, complaint_pct;
	int	 level;
	char	 why[256];
};

static void
event_rates(const struct config *cf, struct event_rates *v)
{
	struct history *h;
	char err[512];
	int b;

	memset(v, 0, sizeof(*v));
	if ((h = history_open(cf->spool_dir, HISTORY_READ, err, sizeof(err))) == NULL)
		return;
	v->have = history_rates(h, (double)time(NULL) - 86400, &v->r) == 0;
	v->unknown = history_counter(h, "unknown");
	v->malformed = history_counter(h, "malformed");
	history_close(h);
	if (!v->have || v->r.sent == 0)
		return;
	v->bounce_pct = 100.0 * (double)v->r.bounced_hard / (double)v->r.sent;
	v->complaint_pct = 100.0 * (double)v->r.complaints / (double)v->r.sent;
	if (v->r.sent < RATE_MIN_SENT)
		return;
	if (v->bounce_pct >= 0.8 * BOUNCE_PAUSE || v->complaint_pct >= 0.8 * COMPL_PAUSE)
		v->level = 2;
	else if (v->bounce_pct >= 0.8 * BOUNCE_REVIEW || v->complaint_pct >= 0.8 * COMPL_REVIEW)
		v->level = 1;
	b = v->bounce_pct / BOUNCE_PAUSE >= v->complaint_pct / COMPL_PAUSE;
	if (v->level)
		snprintf(v->why, sizeof(v->why), "24 h %s rate %.2f %% (SES reviews an "
		    "account at %.1f %% and may pause it at %.1f %%)", b ? "hard-bounce" :
		    "complaint", b ? v->bounce_pct : v->complaint_pct, b ? BOUNCE_REVIEW :
		    COMPL_REVIEW, b ? BOUNCE_PAUSE : COMPL_PAUSE);
}

int
cmd_status(int argc, char **argv, struct config *cf)
{
	struct account_facts af;
	struct queue_status qs;
	struct counts c = { 0, 0, 0, 0, 0, 0, 0 };
	struct qmsg *m;
	struct spool sp;
	struct event_rates ev;
	char err[512], b1[64], b2[64], b3[64], tb[320];
	long now = (long)time(NULL), pid;
	ssize_t n, i;
	int json = argc > 1 && strcmp(argv[1], "--json") == 0, level;
	const char *why = "mail flows";
	char *p;
	static char whybuf[1024];

	if (priv_become_relay(cf->relay_user, err, sizeof(err)) == -1) {
		/* The first line still follows the monitoring convention, so a
		 * check run as the wrong user says why instead of going blank. */
		printf("SESRELAY UNKNOWN - %s (the queue holds other users' mail: run "
		    "the check as root, e.g. via sudo, or as the %s user)\n", err,
		    cf->relay_user);
		return EXIT_NOPERM;
	}
	spool_init(&sp, cf->spool_dir);
	if (spool_status_load(&sp, &qs) == -1)
		memset(&qs, 0, sizeof(qs));
	if ((n = qlist_load(&sp, &qs, &m)) == -1) {
		printf("SESRELAY CRITICAL - cannot read the spool %s: %s\n", sp.dir,
		    strerror(errno));
		return 2;
	}
	for (i = 0; i < n; i++) {
		const char *s = m[i].state;

		if (strcmp(s, "incoming") == 0) c.incoming++;
		else if (strcmp(s, "active") == 0) c.active++;
		else if (strcmp(s, "deferred") == 0) c.deferred++;
		else if (strcmp(s, "held") == 0) c.held++;
		else c.failed++;
		if (m[i].area != AREA_FAILED) {
			c.waiting++;
			if (now - (long)m[i].e.arrival > c.oldest_age)
				c.oldest_age = now - (long)m[i].e.arrival;
		}
	}
	qlist_free(m, n);
	pid = daemon_running(cf);
	level = 0;
	if (c.deferred > 0 || c.oldest_age > cf->status_warn_age) {
		level = 1;
		snprintf(whybuf, sizeof(whybuf), "%ld deferred, oldest message %ld s old%s%s",
		    c.deferred, c.oldest_age, *qs.last_failure_text ? "; last error: " : "",
		    qs.last_failure_text);
		why = whybuf;
	}
	if (qs.throttled_until > now) {
		level = level > 1 ? level : 1;
		snprintf(whybuf, sizeof(whybuf), "sending paused until %s: %s",
		    qlist_time(qs.throttled_until, b1, sizeof(b1)), qs.throttle_reason);
		why = whybuf;
	}
	if (qs.held_since != 0 && pid) {
		level = 2;
		snprintf(whybuf, sizeof(whybuf), "queue HELD since %s: %s",
		    qlist_time(qs.held_since, b1, sizeof(b1)), qs.hold_reason);
		why = whybuf;
	} else if (qs.nsender_holds > 0 && pid) {
		level = level > 1 ? level : 1;
		snprintf(whybuf, sizeof(whybuf), "mail from <%s>%s held since %s: %s",
		    qs.sender_hold[0].sender, qs.nsender_holds > 1 ? " and other senders" : "",
		    qlist_time(qs.sender_hold[0].since, b1, sizeof(b1)),
		    qs.sender_hold[0].reason);
		why = whybuf;
	} else if (!pid && c.waiting > 0) {
		level = 2;
		snprintf(whybuf, sizeof(whybuf), "the daemon is not running and %ld "
		    "message(s) wait (systemctl start sesrelay)", c.waiting);
		why = whybuf;
	}
	event_rates(cf, &ev);
	if (ev.level > level) {
		level = ev.level;
		why = ev.why;
	}
	account_status(cf, &af, &level, &why, whybuf, sizeof(whybuf));	/* SES's view */
	if (json) {
		printf("{\"level\":\"%s\",\"exit\":%d,\"summary\":", level == 0 ? "ok" :
		    level == 1 ? "warning" : "critical", level);
		json_str(stdout, why);
		printf(",\"daemon_pid\":%ld,\"messages\":{\"incoming\":%ld,\"active\":%ld,"
		    "\"deferred\":%ld,\"held\":%ld,\"failed\":%ld},\"oldest_age\":%ld,"
		    "\"last_success\":\"%s\",\"first_failure\":\"%s\",\"first_failure_text\":",
		    pid, c.incoming, c.active, c.deferred, c.held, c.failed, c.oldest_age,
		    qlist_time(qs.last_success, b1, sizeof(b1)),
		    qlist_time(qs.first_failure, b2, sizeof(b2)));
		json_str(stdout, qs.first_failure_text);
		printf(",\"last_failure\":\"%s\",\"last_failure_text\":",
		    qlist_time(qs.last_failure, b3, sizeof(b3)));
		json_str(stdout, qs.last_failure_text);
		printf(",\"held\":%s,\"hold_reason\":", qs.held_since && pid ? "true" : "false");
		json_str(stdout, qs.hold_reason);
		printf(",\"held_senders\":[");
		for (i = 0; pid && i < qs.nsender_holds; i++) {
			printf("%s{\"sender\":", i ? "," : "");
			json_str(stdout, qs.sender_hold[i].sender);
			printf(",\"since\":\"%s\",\"reason\":", qlist_time(qs.sender_hold[i].since,
			    b1, sizeof(b1)));
			json_str(stdout, qs.sender_hold[i].reason);
			printf("}");
		}
		printf("]");
		printf(",\"throttled\":%s,\"throttle_reason\":", qs.throttled_until > now ?
		    "true" : "false");
		json_str(stdout, qs.throttle_reason);
		printf(",\"rate_configured\":%.2f,\"rate_current\":%.2f",
		    cf->max_rate, qs.rate_current ? qs.rate_current : cf->max_rate);
		if (ev.have)
			printf(",\"events_24h\":{\"sent\":%ld,\"delivered\":%ld,"
			    "\"hard_bounces\":%ld,\"other_bounces\":%ld,\"complaints\":%ld,"
			    "\"delayed\":%ld,\"bounce_rate\":%.4f,\"complaint_rate\":%.4f,"
			    "\"events_not_ours\":%ld,\"events_malformed\":%ld}",
			    ev.r.sent, ev.r.delivered, ev.r.bounced_hard, ev.r.bounced_other,
			    ev.r.complaints, ev.r.delayed, ev.bounce_pct / 100,
			    ev.complaint_pct / 100, ev.unknown, ev.malformed);
		transport_line(cf, tb, sizeof(tb));
		printf(",\"transport\":");
		json_str(stdout, tb);
		account_status_json(stdout, &af);
		printf("}\n");
		return level;
	}
	/* Nagios performance data after '|': graphs of the queue for free.
	 * A '|' in the server's words would cut the message short there. */
	if (why != whybuf)
		why = strcpy(whybuf, why);
	for (p = whybuf; (p = strchr(p, '|')) != NULL; )
		*p = '/';
	printf("SESRELAY %s - %s | incoming=%ld active=%ld deferred=%ld held=%ld "
	    "failed=%ld oldest_age=%lds;%ld\n", level == 0 ? "OK" : level == 1 ?
	    "WARNING" : "CRITICAL", qlist_esc(why), c.incoming, c.active, c.deferred, c.held,
	    c.failed, c.oldest_age, cf->status_warn_age);
	printf("daemon:          %s\n", pid > 1 ? (snprintf(b1, sizeof(b1), "running, pid %ld",
	    pid), b1) : "NOT running");
	printf("messages:        %ld incoming, %ld active, %ld deferred, %ld held, %ld failed\n",
	    c.incoming, c.active, c.deferred, c.held, c.failed);
	printf("oldest message:  %ld s\n", c.oldest_age);
	printf("last delivery:   %s\n", qlist_ago(qs.last_success, now, b1, sizeof(b1)));
	if (qs.first_failure && qs.first_failure >= qs.last_success) {
		printf("first failure:   %s: %s\n", qlist_ago(qs.first_failure, now, b2, sizeof(b2)),
		    qlist_esc(qs.first_failure_text));
		printf("last failure:    %s: %s\n", qlist_ago(qs.last_failure, now, b3, sizeof(b3)),
		    qlist_esc(qs.last_failure_text));
	}
	printf("queue:           %s\n", qs.held_since && pid ? "HELD" : "not held");
	if (qs.held_since && pid)
		printf("held because:    %s\n", qlist_esc(qs.hold_reason));
	for (i = 0; pid && i < qs.nsender_holds; i++)
		printf("sender held:     mail from <%s> since %s (other senders' mail goes "
		    "on): %s\n", qlist_esc(qs.sender_hold[i].sender), qlist_time(qs.sender_hold[i].since,
		    b1, sizeof(b1)), qlist_esc(qs.sender_hold[i].reason));
	if (pid && (qs.held_since || qs.nsender_holds || qs.throttled_until > now))
		printf("to retry now:    after fixing the cause, 'sesrelay queue flush' (or "
		    "'sendmail -q') tries at once; a configuration change needs 'systemctl "
		    "reload sesrelay'\n");
	if (qs.throttled_until > now)
		printf("paused until:    %s (%s)\n", qlist_time(qs.throttled_until, b1,
		    sizeof(b1)), qlist_esc(qs.throttle_reason));
	transport_line(cf, tb, sizeof(tb));
	printf("transport:       %s\n", tb);
	printf("send rate:       %.2f/s configured, %.2f/s now\n", cf->max_rate,
	    qs.rate_current ? qs.rate_current : cf->max_rate);
	if (ev.have)
		printf("last 24 h:       %ld sent, %ld delivered, %ld hard bounce%s "
		    "(%.2f %%), %ld other bounce%s, %ld complaint%s (%.3f %%), %ld delayed%s\n",
		    ev.r.sent, ev.r.delivered, ev.r.bounced_hard, ev.r.bounced_hard == 1 ?
		    "" : "s", ev.bounce_pct, ev.r.bounced_other, ev.r.bounced_other == 1 ?
		    "" : "s", ev.r.complaints, ev.r.complaints == 1 ? "" : "s",
		    ev.complaint_pct, ev.r.delayed, ev.r.sent < RATE_MIN_SENT ?
		    " (too few to judge the rates)" : "");
	if (ev.unknown || ev.malformed)
		printf("SES events:      %ld not from this host (left in the queue), "
		    "%ld malformed (dropped), since the history began\n", ev.unknown,
		    ev.malformed);
	account_status_text(stdout, cf, &af);
	return level;
}
