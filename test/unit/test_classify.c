/* Unit tests for classify.c: every row of shared/ses-smtp.md section 3. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "classify.h"

#define ME "noreply@example.com"

static const struct {
	const char *name;
	int code;
	const char *text;
	enum reply_action want;
	int hint;	/* a hint is expected */
} rows[] = {
	{ "250 + id", 250, "Ok 0100018c1a2b3c4d-1111-2222-3333-444455556666-000000", ACT_DELIVERED, 0 },
	{ "421 too many connections", 421, "Too many concurrent SMTP connections", ACT_THROTTLE, 1 },
	{ "421 closing after dot", 421, "Service not available", ACT_RETRY, 0 },
	{ "451 temporary failure", 451, "Temporary service failure", ACT_RETRY, 0 },
	{ "451 4.4.2 idle timeout", 451, "4.4.2 Timeout waiting for data from client.", ACT_RETRY, 0 },
	{ "454 max rate", 454, "Throttling failure: Maximum sending rate exceeded.", ACT_THROTTLE, 1 },
	{ "454 daily quota", 454, "Throttling failure: Daily message quota exceeded.", ACT_QUOTA, 1 },
	{ "454 temp auth", 454, "Temporary authentication failure", ACT_RETRY, 1 },
	{ "454 temp service", 454, "Temporary service failure", ACT_RETRY, 0 },
	{ "530 starttls first", 530, "Must issue a STARTTLS command first", ACT_HOLD, 1 },
	{ "530 auth required", 530, "Authentication required", ACT_HOLD, 1 },
	{ "535 invalid", 535, "Authentication Credentials Invalid", ACT_HOLD, 1 },
	{ "535 sigv2", 535, "Signature Version 2 is deprecated", ACT_HOLD, 1 },
	{ "535 not subscribed", 535, "Account not subscribed to SES", ACT_HOLD, 1 },
	{ "552 too long", 552, "5.3.4 Message is too long.", ACT_FAIL, 1 },
	{ "553 invalid from", 553, "<a b> Invalid email address", ACT_FAIL, 1 },
	{ "553 our sender invalid", 553, "<" ME "> Invalid email address", ACT_HOLD, 1 },
	{ "553 rcpt unknown", 553, "<x@y> address unknown", ACT_FAIL, 1 },
	{ "554 access denied", 554, "Access denied: User arn:aws:iam::1:user/x is not authorized to perform ses:SendRawEmail", ACT_HOLD, 1 },
	{ "554 not verified: our sender", 554, "Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: " ME, ACT_HOLD, 1 },
	{ "554 not verified: our domain", 554, "Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: example.com", ACT_HOLD, 1 },
	{ "554 not verified: recipient", 554, "Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: friend@other.org", ACT_FAIL, 1 },
	{ "554 paused", 554, "Message rejected: Sending paused for this account.", ACT_HOLD, 1 },
	{ "554 >50 recipients", 554, "Transaction failed: Recipient count exceeds 50.", ACT_RETRY, 1 },
	{ "554 duplicate header", 554, "Transaction failed: Duplicate header 'Subject'.", ACT_FAIL, 1 },
	{ "554 MIME error", 554, "Transaction failed: Expected '/', got ;", ACT_FAIL, 1 },
	{ "other 4xx", 450, "mailbox busy", ACT_RETRY, 0 },
	{ "other 5xx", 550, "5.1.1 user unknown", ACT_FAIL, 0 },
};

static void
reply_table(void **unused)
{
	size_t i;

	(void)unused;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct reply_class c;

		classify_reply(rows[i].code, rows[i].text, ME, 1, &c);
		if (c.action != rows[i].want)
			fail_msg("row '%s': got %s, want %s", rows[i].name,
			    reply_action_name(c.action), reply_action_name(rows[i].want));
		if (rows[i].hint && c.hint == NULL)
			fail_msg("row '%s': no hint", rows[i].name);
		/* The DSN class follows the action: 2 delivered, 5 fail, else 4 or 5. */
		if (c.dsn == NULL ||
		    (c.action == ACT_DELIVERED && c.dsn[0] != '2') ||
		    (c.action == ACT_FAIL && c.dsn[0] != '5'))
			fail_msg("row '%s': dsn %s", rows[i].name, c.dsn ? c.dsn : "NULL");
	}
}

static void
transport_errors(void **unused)
{
	struct reply_class c;

	(void)unused;
	classify_transport(28, "Operation timed out", 1, 0, &c);
	assert_int_equal(c.action, ACT_RETRY);
	assert_true(c.maybe_sent);
	classify_transport(28, "Connection timed out", 0, 0, &c);
	assert_false(c.maybe_sent);
	classify_transport(56, "Recv failure", 0, 1, &c);
	assert_int_equal(c.action, ACT_RETRY_NOW);
	classify_transport(56, "Recv failure", 0, 0, &c);
	assert_int_equal(c.action, ACT_RETRY);
	classify_transport(60, "SSL certificate problem", 0, 0, &c);
	assert_int_equal(c.action, ACT_HOLD);
	classify_transport(64, "STARTTLS not supported.", 0, 0, &c);
	assert_int_equal(c.action, ACT_HOLD);
	classify_transport(7, "Failed to connect", 0, 0, &c);
	assert_int_equal(c.action, ACT_RETRY);
	assert_non_null(c.hint);
}

static void
hints_from_stored_reply(void **unused)
{
	(void)unused;
	assert_non_null(classify_hint("535 Authentication Credentials Invalid", ME));
	assert_null(classify_hint("250 Ok", ME));
	assert_null(classify_hint("", ME));
}

/* Issue 7 item 11(a): a 553 whose text merely contains our sender (an
 * address that ends or starts with it) is about that address, not ours;
 * a reply to RCPT (sender NULL) never holds. */
static void
sender_553_exact_only(void **unused)
{
	struct reply_class c;

	(void)unused;
	classify_reply(553, " <x" ME "> Invalid email address", ME, 0, &c);
	assert_int_equal(c.action, ACT_FAIL);
	classify_reply(553, " <" ME ".org> Invalid email address", ME, 0, &c);
	assert_int_equal(c.action, ACT_FAIL);
	classify_reply(553, " <NoReply@Example.com> Invalid email address", ME, 0, &c);
	assert_int_equal(c.action, ACT_HOLD);
	assert_true(c.sender_scoped);
	classify_reply(553, " <" ME "> Invalid email address", NULL, 0, &c);
	assert_int_equal(c.action, ACT_FAIL);
	/* Account-wide holds are not about a sender. */
	classify_reply(535, " Authentication Credentials Invalid", ME, 0, &c);
	assert_int_equal(c.action, ACT_HOLD);
	assert_false(c.sender_scoped);
	classify_reply(554, " Message rejected: Email address is not verified. The following "
	    "identities failed the check in region US-EAST-1: " ME, ME, 1, &c);
	assert_true(c.sender_scoped);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reply_table),
		cmocka_unit_test(transport_errors),
		cmocka_unit_test(hints_from_stored_reply),
		cmocka_unit_test(sender_553_exact_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
