/* Unit tests for qlist.c's pure helpers: the JSON string escaping that
 * every --json output goes through (always valid UTF-8), and the ISO 8601
 * UTC times. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qlist.h"

static const struct { const char *name, *in, *want; } json_cases[] = {
	{ "plain", "a@example.com", "\"a@example.com\"" },
	{ "empty", "", "\"\"" },
	{ "quote", "say \"hi\"", "\"say \\\"hi\\\"\"" },
	{ "backslash", "a\\b", "\"a\\\\b\"" },
	{ "controls", "a\tb\r\n\x01", "\"a\\u0009b\\u000d\\u000a\\u0001\"" },
	{ "utf8 kept", "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
	{ "DEL", "a\x7f", "\"a\\u007f\"" },
	{ "utf8 3, 4 bytes", "\xe2\x82\xac \xf0\x9f\x93\xa7", "\"\xe2\x82\xac \xf0\x9f\x93\xa7\"" },
	/* Not UTF-8 (a Latin-1 reply, a cut sequence): U+FFFD per bad byte,
	 * so that --json output always parses. */
	{ "latin1 byte", "caf\xe9!", "\"caf\\ufffd!\"" },
	{ "stray continuation", "a\x80z", "\"a\\ufffdz\"" },
	{ "truncated", "a\xe2\x82", "\"a\\ufffd\\ufffd\"" },
	{ "overlong 2", "\xc0\xaf", "\"\\ufffd\\ufffd\"" },
	{ "overlong 3", "\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"" },
	{ "surrogate", "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },
	{ "beyond U+10FFFF", "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
};

static void
json_strings(void **unused)
{
	size_t i;

	(void)unused;
	for (i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&buf, &len);

		assert_non_null(fp);
		json_str(fp, json_cases[i].in);
		fclose(fp);
		if (strcmp(buf, json_cases[i].want) != 0)
			fail_msg("%s: got %s, want %s", json_cases[i].name, buf,
			    json_cases[i].want);
		free(buf);
	}
}

static void
times(void **unused)
{
	char buf[32];

	(void)unused;
	assert_string_equal(qlist_time(0, buf, sizeof(buf)), "-");
	assert_string_equal(qlist_time(-5, buf, sizeof(buf)), "-");
	assert_string_equal(qlist_time(1, buf, sizeof(buf)), "1970-01-01T00:00:01Z");
	assert_string_equal(qlist_time(1795542937, buf, sizeof(buf)), "2026-11-24T17:55:37Z");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_strings),
		cmocka_unit_test(times),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
