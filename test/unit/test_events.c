/* Unit tests for events.c: SES event records as the fact sheet shows them
 * (raw and inside the SNS envelope, and the older identity notifications),
 * every kept type, the ignored ones, malformed input, and ingest against a
 * real history database: matching, redelivery, an event stored before its
 * 250 is recorded, another host's event, the log lines and hints. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "events.h"
#include "history.h"
#include "log.h"

/* ---- records (section 4.9 of the fact sheet, plus our tags) -------------- */

static const char BOUNCE[] =
    "{\"eventType\":\"Bounce\","
    "\"mail\":{\"timestamp\":\"2026-03-01T10:00:00.000Z\",\"messageId\":\"0100018e1a2b3c4d-aaaa-000000\","
    "\"source\":\"relay@example.org\",\"sourceArn\":\"arn:aws:ses:eu-west-1:123456789012:identity/example.org\","
    "\"sendingAccountId\":\"123456789012\",\"destination\":[\"nobody@example.net\"],\"headersTruncated\":false,"
    "\"commonHeaders\":{\"from\":[\"relay@example.org\"],\"to\":[\"nobody@example.net\"],\"subject\":\"Report\"},"
    "\"tags\":{\"ses:configuration-set\":[\"relay\"],\"sesrelay_host\":[\"web1\"]}},"
    "\"bounce\":{\"bounceType\":\"Permanent\",\"bounceSubType\":\"NoEmail\","
    "\"bouncedRecipients\":[{\"emailAddress\":\"nobody@example.net\",\"action\":\"failed\",\"status\":\"5.1.1\","
    "\"diagnosticCode\":\"smtp; 550 5.1.1 user unknown\"}],"
    "\"timestamp\":\"2026-03-01T10:00:02.500Z\",\"feedbackId\":\"0100018e1a2b3c4d-bbbb-000000\","
    "\"reportingMTA\":\"dsn; a1-2.smtp-out.eu-west-1.amazonses.com\"}}";

static const char DELIVERY[] =
    "{\"eventType\":\"Delivery\","
    "\"mail\":{\"timestamp\":\"2026-03-01T10:00:00.000Z\",\"messageId\":\"0100018e1a2b3c4d-cccc-000000\","
    "\"source\":\"relay@example.org\",\"destination\":[\"user@example.net\"],\"tags\":{\"ses:configuration-set\":[\"relay\"]}},"
    "\"delivery\":{\"timestamp\":\"2026-03-01T10:00:01.200Z\",\"processingTimeMillis\":1200,"
    "\"recipients\":[\"user@example.net\"],\"smtpResponse\":\"250 2.0.0 OK queued\","
    "\"reportingMTA\":\"a1-2.smtp-out.eu-west-1.amazonses.com\",\"remoteMtaIp\":\"192.0.2.25\"}}";

static const char DELAY[] =
    "{\"eventType\":\"DeliveryDelay\","
    "\"mail\":{\"timestamp\":\"2026-03-01T10:00:00.000Z\",\"messageId\":\"0100018e1a2b3c4d-dddd-000000\","
    "\"source\":\"relay@example.org\",\"destination\":[\"user@example.net\"],\"tags\":{\"ses:configuration-set\":[\"relay\"]}},"
    "\"deliveryDelay\":{\"timestamp\":\"2026-03-01T10:15:00.000Z\",\"delayType\":\"MailboxFull\","
    "\"expirationTime\":\"2026-03-01T23:00:00.000Z\",\"reportingMTA\":\"198.51.100.7\","
    "\"delayedRecipients\":[{\"emailAddress\":\"user@example.net\",\"status\":\"4.2.2\","
    "\"diagnosticCode\":\"smtp; 452 4.2.2 mailbox full\"}]}}";

static const char COMPLAINT[] =
    "{\"eventType\":\"Complaint\","
    "\"mail\":{\"timestamp\":\"2026-03-01T10:00:00.000Z\",\"messageId\":\"0100018e1a2b3c4d-eeee-000000\","
    "\"source\":\"Relay <relay@example.org>\",\"destination\":[\"a@example.net\",\"b@example.net\"]},"
    "\"complaint\":{\"complainedRecipients\":[{\"emailAddress\":\"a@example.net\"},{\"emailAddress\":\"b@example.net\"}],"
    "\"timestamp\":\"2026-03-02T08:00:00.000Z\",\"feedbackId\":\"f1\",\"complaintSubType\":null,"
    "\"userAgent\":\"Yahoo!-Mail-Feedback/2.0\",\"complaintFeedbackType\":\"abuse\","
    "\"arrivalDate\":\"2026-03-01T10:00:01.000Z\"}}";

static const char SEND[] =
    "{\"eventType\":\"Send\",\"mail\":{\"timestamp\":\"2026-03-01T10:00:00.000Z\","
    "\"messageId\":\"0100018e1a2b3c4d-ffff-000000\",\"source\":\"relay@example.org\","
    "\"destination\":[\"x@example.net\",\"y@example.net\"]},\"send\":{}}";

static const char REJECT[] =
    "{\"eventType\":\"Reject\",\"mail\":{\"timestamp\":\"2026-03-01T10:00:00.000Z\","
    "\"messageId\":\"0100018e1a2b3c4d-1111-000000\",\"source\":\"relay@example.org\","
    "\"destination\":[\"x@example.net\"]},\"reject\":{\"reason\":\"Bad content\"}}";

/* Identity notification: notificationType instead of eventType, no tags. */
static const char NOTIFICATION[] =
    "{\"notificationType\":\"Bounce\",\"mail\":{\"timestamp\":\"2026-03-01T10:00:00.000Z\","
    "\"messageId\":\"0100018e1a2b3c4d-2222-000000\",\"source\":\"relay@example.org\","
    "\"sourceIp\":\"203.0.113.1\",\"callerIdentity\":\"relay\",\"destination\":[\"full@example.net\"]},"
    "\"bounce\":{\"bounceType\":\"Transient\",\"bounceSubType\":\"MailboxFull\","
    "\"bouncedRecipients\":[{\"emailAddress\":\"full@example.net\"}],"
    "\"timestamp\":\"2026-03-01T12:00:00.000Z\",\"feedbackId\":\"f2\",\"remoteMtaIp\":\"192.0.2.9\"}}";

/* The SNS envelope SQS delivers when raw message delivery is off. */
static char *
sns(const char *record, const char *type)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Type", type,
	    "MessageId", "6f1c0000-1111-2222-3333-444455556666", "TopicArn",
	    "arn:aws:sns:eu-west-1:123456789012:ses-events", "Message", record,
	    "Timestamp", "2026-03-01T10:00:01.300Z", "SignatureVersion", "1",
	    "Signature", "c2ln", "SigningCertURL",
	    "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-x.pem");
	char *s = json_dumps(o, 0);

	json_decref(o);
	return s;
}

static enum ev_parse
parse(const char *body, struct ses_event *ev)
{
	char err[512];

	return events_parse(body, strlen(body), ev, err, sizeof(err));
}

/* ---- parsing --------------------------------------------------------------- */

static void
parse_bounce(void **unused)
{
	struct ses_event ev;

	(void)unused;
	assert_int_equal(parse(BOUNCE, &ev), EVP_OK);
	assert_int_equal(ev.type, EV_BOUNCE);
	assert_string_equal(ev.type_name, "Bounce");
	assert_string_equal(ev.ses_id, "0100018e1a2b3c4d-aaaa-000000");
	assert_string_equal(ev.kind, "Permanent");
	assert_string_equal(ev.subtype, "NoEmail");
	assert_string_equal(ev.mta, "dsn; a1-2.smtp-out.eu-west-1.amazonses.com");
	assert_string_equal(ev.tag_host, "web1");
	assert_int_equal(ev.nrcpts, 1);
	assert_string_equal(ev.rcpts[0].addr, "nobody@example.net");
	assert_string_equal(ev.rcpts[0].status, "5.1.1");
	assert_string_equal(ev.rcpts[0].diag, "smtp; 550 5.1.1 user unknown");
	/* 2026-03-01T10:00:00Z = 1772359200 */
	assert_true(ev.mail_time == 1772359200.0);
	assert_true(ev.time == 1772359202.5);
	events_free(&ev);
}

static void
parse_delivery_delay_complaint(void **unused)
{
	struct ses_event ev;

	(void)unused;
	assert_int_equal(parse(DELIVERY, &ev), EVP_OK);
	assert_int_equal(ev.type, EV_DELIVERY);
	assert_int_equal(ev.nrcpts, 1);
	assert_string_equal(ev.rcpts[0].addr, "user@example.net");
	assert_string_equal(ev.smtp_response, "250 2.0.0 OK queued");
	assert_string_equal(ev.remote_ip, "192.0.2.25");
	assert_string_equal(ev.tag_host, "");
	assert_true(ev.time - ev.mail_time > 1.19 && ev.time - ev.mail_time < 1.21);
	events_free(&ev);

	assert_int_equal(parse(DELAY, &ev), EVP_OK);
	assert_int_equal(ev.type, EV_DELAY);
	assert_string_equal(ev.kind, "MailboxFull");
	assert_true(ev.expires == 1772359200.0 + 13 * 3600);
	assert_string_equal(ev.rcpts[0].status, "4.2.2");
	events_free(&ev);

	assert_int_equal(parse(COMPLAINT, &ev), EVP_OK);
	assert_int_equal(ev.type, EV_COMPLAINT);
	assert_string_equal(ev.kind, "abuse");
	assert_string_equal(ev.subtype, "");		/* null */
	assert_string_equal(ev.source, "relay@example.org");	/* display name cut */
	assert_int_equal(ev.nrcpts, 2);
	assert_string_equal(ev.rcpts[1].addr, "b@example.net");
	events_free(&ev);
}

static void
parse_send_reject_notification(void **unused)
{
	struct ses_event ev;

	(void)unused;
	assert_int_equal(parse(SEND, &ev), EVP_OK);
	assert_int_equal(ev.type, EV_SEND);
	assert_int_equal(ev.nrcpts, 2);		/* from mail.destination */
	events_free(&ev);
	assert_int_equal(parse(REJECT, &ev), EVP_OK);
	assert_int_equal(ev.type, EV_REJECT);
	assert_string_equal(ev.kind, "Bad content");
	events_free(&ev);
	assert_int_equal(parse(NOTIFICATION, &ev), EVP_OK);
	assert_int_equal(ev.type, EV_BOUNCE);
	assert_string_equal(ev.subtype, "MailboxFull");
	assert_string_equal(ev.rcpts[0].status, "");
	events_free(&ev);
}

static void
parse_sns_envelope(void **unused)
{
	struct ses_event ev;
	char *body = sns(BOUNCE, "Notification");

	(void)unused;
	assert_int_equal(parse(body, &ev), EVP_OK);
	assert_string_equal(ev.subtype, "NoEmail");
	assert_string_equal(ev.rcpts[0].addr, "nobody@example.net");
	events_free(&ev);
	free(body);
	body = sns("{\"Type\":\"x\"}", "SubscriptionConfirmation");
	assert_int_equal(parse(body, &ev), EVP_IGNORED);
	free(body);
	body = sns("{not json", "Notification");
	assert_int_equal(parse(body, &ev), EVP_MALFORMED);
	free(body);
	body = sns("[1,2]", "Notification");
	assert_int_equal(parse(body, &ev), EVP_MALFORMED);
	free(body);
}

static void
parse_ignored_and_malformed(void **unused)
{
	static const struct { const char *body; enum ev_parse want; } cases[] = {
		{ "{\"eventType\":\"Open\",\"mail\":{\"messageId\":\"x\"},\"open\":{}}", EVP_IGNORED },
		{ "{\"eventType\":\"Click\",\"mail\":{},\"click\":{}}", EVP_IGNORED },
		{ "", EVP_MALFORMED },
		{ "not json", EVP_MALFORMED },
		{ "[]", EVP_MALFORMED },
		{ "\"Bounce\"", EVP_MALFORMED },
		{ "{}", EVP_MALFORMED },
		{ "{\"eventType\":42}", EVP_MALFORMED },
		{ "{\"eventType\":\"Bounce\"}", EVP_MALFORMED },
		{ "{\"eventType\":\"Bounce\",\"mail\":[]}", EVP_MALFORMED },
		{ "{\"eventType\":\"Bounce\",\"mail\":{\"messageId\":7,"
		  "\"timestamp\":\"2026-03-01T10:00:00Z\"},\"bounce\":{}}", EVP_MALFORMED },
		{ "{\"eventType\":\"Bounce\",\"mail\":{\"messageId\":\"m\","
		  "\"timestamp\":\"yesterday\"},\"bounce\":{}}", EVP_MALFORMED },
		/* No recipients to match. */
		{ "{\"eventType\":\"Bounce\",\"mail\":{\"messageId\":\"m\","
		  "\"timestamp\":\"2026-03-01T10:00:00Z\"},\"bounce\":{\"bouncedRecipients\":[]}}",
		  EVP_MALFORMED },
		{ "{\"eventType\":\"Delivery\",\"mail\":{\"messageId\":\"m\","
		  "\"timestamp\":\"2026-03-01T10:00:00Z\"},\"delivery\":{\"recipients\":[1,{},\"\"]}}",
		  EVP_MALFORMED },
		/* Truncated in the middle. */
		{ "{\"eventType\":\"Delivery\",\"mail\":{\"messageId\":\"m\"", EVP_MALFORMED },
	};
	struct ses_event ev;
	char err[512];
	size_t i;

	(void)unused;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum ev_parse r = events_parse(cases[i].body, strlen(cases[i].body), &ev,
		    err, sizeof(err));

		if (r != cases[i].want)
			fail_msg("case %zu (%s): got %d, want %d (%s)", i, cases[i].body,
			    r, cases[i].want, err);
		if (r != EVP_OK)
			assert_true(err[0] != '\0');
	}
	/* Only `len` octets are read: a valid record followed by garbage. */
	{
		char buf[sizeof(DELIVERY) + 8];

		memcpy(buf, DELIVERY, sizeof(DELIVERY) - 1);
		memcpy(buf + sizeof(DELIVERY) - 1, "garbage", 8);
		assert_int_equal(events_parse(buf, sizeof(DELIVERY) - 1, &ev, err,
		    sizeof(err)), EVP_OK);
		events_free(&ev);
	}
	/* Control characters in the remote words do not reach the log raw. */
	{
		const char *b = "{\"eventType\":\"Bounce\",\"mail\":{\"messageId\":\"m\","
		    "\"timestamp\":\"2026-03-01T10:00:00Z\"},\"bounce\":{\"bouncedRecipients\":"
		    "[{\"emailAddress\":\"a@b\",\"diagnosticCode\":\"550\\r\\nX-Injected: 1\"}]}}";

		assert_int_equal(parse(b, &ev), EVP_OK);
		assert_null(strchr(ev.rcpts[0].diag, '\n'));
		assert_null(strchr(ev.rcpts[0].diag, '\r'));
		events_free(&ev);
	}
}

static void
hints(void **unused)
{
	(void)unused;
	assert_non_null(strstr(events_hint("Bounce", "Permanent", "NoEmail", "5.1.1", ""),
	    "does not exist"));
	assert_non_null(strstr(events_hint("Bounce", "Permanent", "OnAccountSuppressionList",
	    "", ""), "account's suppression list"));
	assert_non_null(strstr(events_hint("Bounce", "Permanent", "Suppressed", "", ""),
	    "global suppression list"));
	assert_non_null(strstr(events_hint("DeliveryDelay", "MailboxFull", "", "4.2.2", ""),
	    "mailbox is full"));
	assert_non_null(strstr(events_hint("Bounce", "Transient", "MailboxFull", "", ""),
	    "mailbox is full"));
	assert_non_null(strstr(events_hint("DeliveryDelay", "IPFailure", "", "4.7.0", ""),
	    "blocked by the recipient's server"));
	assert_non_null(strstr(events_hint("Bounce", "Permanent", "General", "5.7.1", ""),
	    "blocked by the recipient's server"));
	assert_non_null(strstr(events_hint("Complaint", "abuse", "", "", ""), "spam"));
	assert_null(events_hint("Delivery", "", "", "", "250 ok"));
	assert_null(events_hint("Bounce", "Undetermined", "Undetermined", "", ""));
	assert_string_equal(events_status_word("DeliveryDelay"), "delayed");
	assert_string_equal(events_status_word("Complaint"), "complaint");
	assert_string_equal(events_status_word("Bounce"), "bounced");
	assert_string_equal(events_status_word("Delivery"), "delivered");
}

/* ---- ingest against a real database ----------------------------------------- */

struct fixture {
	char	 dir[64];
	char	 logpath[128];
	struct history *h;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512];

	strcpy(f->dir, "/tmp/test_events.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->logpath, sizeof(f->logpath), "%s/log", f->dir);
	log_init("test_events", 0);
	log_set_file(f->logpath);
	f->h = history_open(f->dir, HISTORY_WRITE, err, sizeof(err));
	assert_non_null(f->h);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	history_close(f->h);
	log_set_file(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
sent(struct fixture *f, const char *qid, const char *ses_id, const char *rcpt)
{
	struct history_sent s = { 1772359200.0, qid, "m@x", ses_id, "relay@example.org",
	    rcpt, rcpt, "root", 0, 1772359199.0, 100 };

	assert_int_equal(history_add_sent(f->h, &s), 0);
}

static int
log_has(struct fixture *f, const char *needle)
{
	char buf[65536];
	FILE *fp = fopen(f->logpath, "r");
	size_t n;

	if (fp == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

static enum ev_outcome
ingest(struct fixture *f, const char *body)
{
	struct ev_opts o = { "web1", NULL };

	return events_ingest(f->h, &o, "sqs-1", body, strlen(body));
}

struct steps { int n; char types[16][32]; char qids[16][32]; };

static void
on_msg(void *arg, const struct trace_msg *m)
{
	struct steps *s = arg;

	snprintf(s->qids[s->n], sizeof(s->qids[0]), "%s", m->qid);
}

static void
on_step(void *arg, const struct trace_step *st)
{
	struct steps *s = arg;

	if (s->n < 16)
		snprintf(s->types[s->n++], sizeof(s->types[0]), "%s", st->type);
}

static void
ingest_match_and_redelivery(void **state)
{
	struct fixture *f = *state;
	struct steps s = { 0 };
	struct trace_cb cb = { on_msg, on_step, &s };

	/* Not ours (no sent record, no tag): left alone, nothing stored. */
	assert_int_equal(ingest(f, DELIVERY), EVO_UNKNOWN);
	assert_int_equal(history_trace(f->h, "0100018e1a2b3c4d-cccc-000000", 0, 10, &cb), 0);
	/* Once our 250 is recorded, the same event (SQS redelivers it after
	 * the visibility timeout) matches. */
	sent(f, "aaaaaaaaaaaaaaaa", "0100018e1a2b3c4d-cccc-000000", "User@Example.NET");
	assert_int_equal(ingest(f, DELIVERY), EVO_STORED);
	assert_true(log_has(f, "aaaaaaaaaaaaaaaa: to=<user@example.net>, relay="
	    "a1-2.smtp-out.eu-west-1.amazonses.com, delay=1.20, dsn=2.0.0, ses_id="
	    "0100018e1a2b3c4d-cccc-000000, status=delivered (250 2.0.0 OK queued)"));
	/* Redelivered (raw or through SNS): no change, no second line. */
	assert_int_equal(ingest(f, DELIVERY), EVO_DUPLICATE);
	{
		char *b = sns(DELIVERY, "Notification");

		assert_int_equal(ingest(f, b), EVO_DUPLICATE);
		free(b);
	}
	assert_int_equal(history_trace(f->h, "aaaaaaaaaaaaaaaa", 0, 10, &cb), 1);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.types[0], "Sent");
	assert_string_equal(s.types[1], "Delivery");
}

static void
ingest_before_250_and_other_host(void **state)
{
	struct fixture *f = *state;
	struct steps s = { 0 };
	struct trace_cb cb = { on_msg, on_step, &s };
	struct history_rates r;
	char *other;

	/* Our host tag: stored before our 250 row, without a queue id... */
	assert_int_equal(ingest(f, BOUNCE), EVO_STORED);
	assert_true(log_has(f, "-: to=<nobody@example.net>, relay=dsn; "
	    "a1-2.smtp-out.eu-west-1.amazonses.com, delay=2.50, dsn=5.1.1, ses_id="
	    "0100018e1a2b3c4d-aaaa-000000, status=bounced (Permanent/NoEmail: smtp; "
	    "550 5.1.1 user unknown) hint: the address does not exist"));
	/* ...which the 250's record then gives it. */
	sent(f, "4f2a9c0000000001", "0100018e1a2b3c4d-aaaa-000000", "nobody@example.net");
	assert_int_equal(history_trace(f->h, "nobody@example.net", 0, 10, &cb), 1);
	assert_string_equal(s.qids[0], "4f2a9c0000000001");
	assert_int_equal(s.n, 2);
	assert_string_equal(s.types[0], "Sent");	/* time order: 250 first */
	assert_string_equal(s.types[1], "Bounce");
	assert_int_equal(history_rates(f->h, 0, &r), 0);
	assert_int_equal(r.sent, 1);
	assert_int_equal(r.bounced_hard, 1);

	/* The same record tagged with another host: not ours. */
	other = strdup(BOUNCE);
	memcpy(strstr(other, "[\"web1\"]"), "[\"web2\"]", 8);
	memcpy(strstr(other, "aaaa-000000"), "9999", 4);
	assert_int_equal(ingest(f, other), EVO_UNKNOWN);
	free(other);
}

static void
ingest_malformed_counted(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ingest(f, "{\"eventType\":"), EVO_MALFORMED);
	assert_int_equal(ingest(f, "{\"eventType\":\"Open\",\"mail\":{}}"), EVO_IGNORED);
	assert_int_equal(history_counter(f->h, "malformed"), 1);
	assert_true(log_has(f, "SES event sqs-1: malformed, dropped: not a JSON object"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_bounce),
		cmocka_unit_test(parse_delivery_delay_complaint),
		cmocka_unit_test(parse_send_reject_notification),
		cmocka_unit_test(parse_sns_envelope),
		cmocka_unit_test(parse_ignored_and_malformed),
		cmocka_unit_test(hints),
		cmocka_unit_test_setup_teardown(ingest_match_and_redelivery, setup, teardown),
		cmocka_unit_test_setup_teardown(ingest_before_250_and_other_host, setup, teardown),
		cmocka_unit_test_setup_teardown(ingest_malformed_counted, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
