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

static const char *
ago(long t, long now, char *buf, size_t len)
{
	long d = now - t;

	if (t <= 0)
		snprintf(buf, len, "never");
	else if (d < 120)
		snprintf(buf, len, "%ld s ago", d);
	else if (d < 7200)
		snprintf(buf, len, "%ld min ago", d / 60);
	else
		snprintf(buf, len, "%.1f h ago", d / 3600.0);
	return buf;
}

int
cmd_status(int argc, char **argv, struct config *cf)
{
	struct account_facts af;
	struct queue_status qs;
	struct counts c = { 0, 0, 0, 0, 0, 0, 0 };
	struct qmsg *m;
	struct spool sp;
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
	} else if (!pid && c.waiting > 0) {
		level = 2;
		snprintf(whybuf, sizeof(whybuf), "the daemon is not running and %ld "
		    "message(s) wait (systemctl start sesrelay)", c.waiting);
		why = whybuf;
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
		printf(",\"throttled\":%s,\"throttle_reason\":", qs.throttled_until > now ?
		    "true" : "false");
		json_str(stdout, qs.throttle_reason);
		printf(",\"rate_configured\":%.2f,\"rate_current\":%.2f",
		    cf->max_rate, qs.rate_current ? qs.rate_current : cf->max_rate);
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
	    "WARNING" : "CRITICAL", why, c.incoming, c.active, c.deferred, c.held,
	    c.failed, c.oldest_age, cf->status_warn_age);
	printf("daemon:          %s\n", pid > 1 ? (snprintf(b1, sizeof(b1), "running, pid %ld",
	    pid), b1) : "NOT running");
	printf("messages:        %ld incoming, %ld active, %ld deferred, %ld held, %ld failed\n",
	    c.incoming, c.active, c.deferred, c.held, c.failed);
	printf("oldest message:  %ld s\n", c.oldest_age);
	printf("last delivery:   %s\n", ago(qs.last_success, now, b1, sizeof(b1)));
	if (qs.first_failure && qs.first_failure >= qs.last_success) {
		printf("first failure:   %s: %s\n", ago(qs.first_failure, now, b2, sizeof(b2)),
		    qs.first_failure_text);
		printf("last failure:    %s: %s\n", ago(qs.last_failure, now, b3, sizeof(b3)),
		    qs.last_failure_text);
	}
	printf("queue:           %s\n", qs.held_since && pid ? "HELD" : "not held");
	if (qs.held_since && pid)
		printf("held because:    %s\n", qs.hold_reason);
	if (qs.throttled_until > now)
		printf("paused until:    %s (%s)\n", qlist_time(qs.throttled_until, b1,
		    sizeof(b1)), qs.throttle_reason);
	transport_line(cf, tb, sizeof(tb));
	printf("transport:       %s\n", tb);
	printf("send rate:       %.2f/s configured, %.2f/s now\n", cf->max_rate,
	    qs.rate_current ? qs.rate_current : cf->max_rate);
	account_status_text(stdout, cf, &af);
	return level;
}
