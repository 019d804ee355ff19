/* Unit tests for qlist.c's pure helpers: JSON strings (escaping, always
 * valid UTF-8) and ISO 8601 UTC times, as mailq --json and status --json
 * print them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qlist.h"

static const struct { const char *name, *in, *want; } strs[] = {
	{ "plain",		"a@example.com",	"\"a@example.com\"" },
	{ "empty",		"",			"\"\"" },
	{ "quote, backslash",	"\"a\\b\"@x",		"\"\\\"a\\\\b\\\"@x\"" },
	{ "control bytes",	"a\tb\r\n\x01\x7f",	"\"a\\u0009b\\u000d\\u000a\\u0001\\u007f\"" },
	{ "UTF-8 kept",		"J\xc3\xbcrgen \xe2\x82\xac \xf0\x9f\x93\xa7", "\"J\xc3\xbcrgen \xe2\x82\xac \xf0\x9f\x93\xa7\"" },
	{ "Latin-1 byte",	"caf\xe9!",		"\"caf\\ufffd!\"" },
	{ "stray continuation",	"a\x80z",		"\"a\\ufffdz\"" },
	{ "truncated sequence",	"a\xe2\x82",		"\"a\\ufffd\\ufffd\"" },
	{ "overlong slash",	"\xc0\xaf",		"\"\\ufffd\\ufffd\"" },
	{ "overlong 3-byte",	"\xe0\x80\xaf",		"\"\\ufffd\\ufffd\\ufffd\"" },
	{ "surrogate",		"\xed\xa0\x80",		"\"\\ufffd\\ufffd\\ufffd\"" },
	{ "beyond U+10FFFF",	"\xf4\x90\x80\x80",	"\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
};

static void
json_strings(void **unused)
{
	char *buf;
	size_t len, i;
	FILE *fp;

	(void)unused;
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		fp = open_memstream(&buf, &len);
		assert_non_null(fp);
		json_str(fp, strs[i].in);
		fclose(fp);
		if (strcmp(buf, strs[i].want) != 0)
			fail_msg("%s: got %s, want %s", strs[i].name, buf, strs[i].want);
		free(buf);
	}
}

static void
iso_times(void **unused)
{
	char buf[32];

	(void)unused;
	assert_string_equal(qlist_time(0, buf, sizeof(buf)), "-");
	assert_string_equal(qlist_time(-5, buf, sizeof(buf)), "-");
	assert_string_equal(qlist_time(1, buf, sizeof(buf)), "1970-01-01T00:00:01Z");
	assert_string_equal(qlist_time(1732464260, buf, sizeof(buf)), "2024-11-24T16:04:20Z");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_strings),
		cmocka_unit_test(iso_times),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
