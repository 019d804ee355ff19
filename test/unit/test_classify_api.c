/* Unit tests for classify_api.c: every SendEmail outcome has its class
 * (the table in sesrelay-daemon(8), API OUTCOMES), and the moment rules. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "classify_api.h"

static const struct {
	enum ses_send_status st;
	enum reply_action want;
	int hint;	/* a hint is expected */
} rows[] = {
	{ SEND_OK, ACT_DELIVERED, 0 },
	{ SEND_THROTTLED, ACT_THROTTLE, 1 },
	{ SEND_QUOTA, ACT_QUOTA, 1 },
	{ SEND_REJECTED, ACT_FAIL, 1 },
	{ SEND_REJECTED_SENDER, ACT_HOLD, 1 },
	{ SEND_BAD_MESSAGE, ACT_FAIL, 1 },
	{ SEND_SUSPENDED, ACT_HOLD, 1 },
	{ SEND_PAUSED, ACT_HOLD, 1 },
	{ SEND_MAIL_FROM, ACT_HOLD, 1 },
	{ SEND_NOT_FOUND, ACT_HOLD, 1 },
	{ SEND_DENIED, ACT_HOLD, 1 },
	{ SEND_BAD_CREDENTIALS, ACT_HOLD, 1 },
	{ SEND_NO_CREDENTIALS, ACT_HOLD, 1 },
	{ SEND_CLOCK, ACT_HOLD, 1 },
	{ SEND_SERVER, ACT_RETRY, 0 },
	{ SEND_UNKNOWN, ACT_RETRY, 0 },
	{ SEND_TIMEOUT, ACT_RETRY, 0 },
	{ SEND_RESET, ACT_RETRY, 0 },
	{ SEND_CONNECT, ACT_RETRY, 1 },
	{ SEND_TLS, ACT_HOLD, 1 },
	{ SEND_TOO_BIG, ACT_FAIL, 1 },
	{ SEND_LOCAL, ACT_RETRY, 0 },
	{ SEND_ABORTED, ACT_RETRY, 0 },
	{ SEND_MALFORMED, ACT_RETRY, 0 },
};

static void
every_status(void **unused)
{
	struct reply_class c;
	size_t i;

	(void)unused;
	assert_int_equal(sizeof(rows) / sizeof(rows[0]), SEND_NSTATUS);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		classify_api(rows[i].st, 0, 0, &c);
		if (c.action != rows[i].want || (c.hint != NULL) != rows[i].hint ||
		    c.dsn == NULL || c.maybe_sent)
			fail_msg("%s: action %s, hint %s", ses_send_status_name(rows[i].st),
			    reply_action_name(c.action), c.hint ? c.hint : "none");
		/* Held and bounced outcomes are 5.x.x or 4.7.x; retries 4.x.x. */
		if (c.action == ACT_RETRY)
			assert_int_equal(c.dsn[0], '4');
		if (c.action == ACT_DELIVERED)
			assert_string_equal(c.dsn, "2.0.0");
	}
}

/* After the whole request went out, no answer may hide an accepted
 * message; before it, a kept connection that broke is retried at once. */
static void
moments(void **unused)
{
	static const enum ses_send_status after[] = { SEND_TIMEOUT, SEND_RESET,
	    SEND_ABORTED, SEND_MALFORMED };
	struct reply_class c;
	size_t i;

	(void)unused;
	for (i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
		classify_api(after[i], 1, 1, &c);
		assert_int_equal(c.action, ACT_RETRY);
		assert_true(c.maybe_sent);
		assert_non_null(strstr(c.hint, "duplicate"));
	}
	classify_api(SEND_RESET, 0, 1, &c);
	assert_int_equal(c.action, ACT_RETRY_NOW);
	assert_false(c.maybe_sent);
	classify_api(SEND_RESET, 0, 0, &c);
	assert_int_equal(c.action, ACT_RETRY);
	classify_api(SEND_TIMEOUT, 0, 1, &c);	/* a timeout is not a dead connection */
	assert_int_equal(c.action, ACT_RETRY);
	assert_false(c.maybe_sent);
	/* A refusal after the request was sent is an answer, not an unknown. */
	classify_api(SEND_REJECTED, 1, 1, &c);
	assert_int_equal(c.action, ACT_FAIL);
	assert_false(c.maybe_sent);
	classify_api(SEND_NSTATUS, 0, 0, &c);
	assert_int_equal(c.action, ACT_RETRY);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_status),
		cmocka_unit_test(moments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
