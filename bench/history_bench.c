/* bench/history_bench.c: figures for the sent-mail history (not a test).
 *
 *   history_bench fill SPOOL N      N sent records over the last 30 days
 *                                   (+ one Delivery event each), as the
 *                                   daemon writes them; prints the time
 *   history_bench ingest SPOOL N    N SNS-wrapped Delivery events through
 *                                   events_ingest (the poller's path after
 *                                   SQS), 10 per transaction as the poller
 *                                   stores them; prints events/s and the
 *                                   memory the history added (VmHWM)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "history.h"
#include "log.h"
#include "util.h"

static long
vmhwm_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *fp = fopen("/proc/self/status", "r");

	while (fp && fgets(line, sizeof(line), fp))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	if (fp)
		fclose(fp);
	return kb;
}

static struct history *
open_or_die(const char *spool)
{
	char err[512];
	struct history *h = history_open(spool, HISTORY_WRITE, err, sizeof(err));

	if (h == NULL) {
		fprintf(stderr, "history_bench: %s\n", err);
		exit(1);
	}
	return h;
}

static void
ids(long i, char *qid, char *ses, char *rcpt, char *msgid)
{
	snprintf(qid, 17, "%016lx", 0x5f00000000000ul + (unsigned long)i);
	snprintf(ses, 80, "0100018e%08lx-%08lx-0000-0000-000000000000-000000", i, i * 7);
	snprintf(rcpt, 64, "user%ld@example%ld.com", i, i % 1000);
	snprintf(msgid, 64, "%s.%ld@web1.example.com", qid, i);
}

static int
fill(const char *spool, long n)
{
	struct history *h = open_or_die(spool);
	char qid[17], ses[80], rcpt[64], msgid[64];
	double t0 = now_sec(), start = t0 - 30 * 86400;
	long i;

	history_begin(h);
	for (i = 0; i < n; i++) {
		double t = start + (double)i * (30.0 * 86400 / (double)n);
		struct history_sent s = { t, qid, msgid, ses, "app@web1.example.com", rcpt,
		    rcpt, "www-data", 33, t - 0.5, 2048 };
		struct history_event e = { ses, rcpt, qid, "Delivery", t + 2, "", "", "",
		    "250 2.0.0 OK", "a1-2.smtp-out.eu-west-1.amazonses.com", "192.0.2.25", 0 };

		ids(i, qid, ses, rcpt, msgid);
		if (history_add_sent(h, &s) == -1 || history_add_event(h, &e) == -1) {
			fprintf(stderr, "history_bench: %s\n", history_error(h));
			return 1;
		}
		if (i % 100000 == 99999) {
			history_commit(h);
			history_begin(h);
		}
	}
	history_commit(h);
	history_close(h);
	printf("fill records=%ld seconds=%.1f\n", n, now_sec() - t0);
	return 0;
}

static int
ingest(const char *spool, long n)
{
	struct history *h;
	char qid[17], ses[80], rcpt[64], msgid[64], **bodies;
	long i, before, stored = 0;
	double t0;

	bodies = xcalloc((size_t)n, sizeof(*bodies));
	for (i = 0; i < n; i++) {
		ids(i + 10000000, qid, ses, rcpt, msgid);
		/* The SQS body: the SNS envelope around the SES record. */
		bodies[i] = xasprintf("{\"Type\":\"Notification\",\"MessageId\":\"m%ld\","
		    "\"TopicArn\":\"arn:aws:sns:eu-west-1:123456789012:ses-events\","
		    "\"Message\":\"{\\\"eventType\\\":\\\"Delivery\\\",\\\"mail\\\":{"
		    "\\\"timestamp\\\":\\\"2026-12-01T10:00:00.000Z\\\",\\\"messageId\\\":"
		    "\\\"%s\\\",\\\"source\\\":\\\"app@web1.example.com\\\",\\\"destination\\\":"
		    "[\\\"%s\\\"],\\\"tags\\\":{\\\"sesrelay_host\\\":[\\\"web1\\\"]}},"
		    "\\\"delivery\\\":{\\\"timestamp\\\":\\\"2026-12-01T10:00:01.200Z\\\","
		    "\\\"recipients\\\":[\\\"%s\\\"],\\\"smtpResponse\\\":\\\"250 2.0.0 OK\\\","
		    "\\\"reportingMTA\\\":\\\"a1-2.smtp-out.eu-west-1.amazonses.com\\\"}}\","
		    "\"Timestamp\":\"2026-12-01T10:00:01.300Z\",\"SignatureVersion\":\"1\","
		    "\"Signature\":\"x\"}", i, ses, rcpt, rcpt);
	}
	log_init("history_bench", 0);
	log_set_file("/dev/null");
	/* What the history adds: from here (the bodies stand for what SQS
	 * hands over, not counted). */
	before = vmhwm_kb();
	h = open_or_die(spool);
	history_begin(h);
	for (i = 0; i < n; i++) {
		double t = now_sec() - 60;
		struct history_sent s = { t, qid, msgid, ses, "app@web1.example.com", rcpt,
		    rcpt, "www-data", 33, t - 0.5, 2048 };

		ids(i + 10000000, qid, ses, rcpt, msgid);
		history_add_sent(h, &s);
	}
	history_commit(h);
	t0 = now_sec();
	for (i = 0; i < n; i++) {
		if (i % 10 == 0)
			history_begin(h);
		stored += events_ingest(h, &(struct ev_opts){ "web1", NULL }, "bench",
		    bodies[i], strlen(bodies[i])) ==
		    EVO_STORED;
		if (i % 10 == 9 || i == n - 1)
			history_commit(h);
	}
	printf("ingest events=%ld stored=%ld seconds=%.3f events_per_s=%.0f "
	    "vmhwm_added_kb=%ld\n", n, stored, now_sec() - t0, (double)n / (now_sec() - t0),
	    vmhwm_kb() - before);
	for (i = 0; i < n; i++)
		free(bodies[i]);
	free(bodies);
	history_close(h);
	return stored == n ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "fill") == 0)
		return fill(argv[2], atol(argv[3]));
	if (argc == 4 && strcmp(argv[1], "ingest") == 0)
		return ingest(argv[2], atol(argv[3]));
	fputs("usage: history_bench fill|ingest SPOOL N\n", stderr);
	return 64;
}
