/* Unit tests for header.c: address lists (table-driven), field names,
 * address checks and RFC 2047 encoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "header.h"

static const struct {
	const char *name, *value, *want;	/* want: addresses joined by '|' */
} addr_rows[] = {
	{ "bare",		"a@example.com",			"a@example.com" },
	{ "two",		"a@example.com, b@example.org",		"a@example.com|b@example.org" },
	{ "display name",	"John Doe <john@example.com>",		"john@example.com" },
	{ "quoted comma",	"\"Doe, John\" <john@example.com>, x@y.org", "john@example.com|x@y.org" },
	{ "comment",		"x@y.org (Mr. X, really)",		"x@y.org" },
	{ "nested comment",	"x@y.org (a (b, c) d)",			"x@y.org" },
	{ "group empty",	"undisclosed-recipients:;",		"" },
	{ "group members",	"team: a@x.org, b@x.org;, c@x.org",	"a@x.org|b@x.org|c@x.org" },
	{ "duplicates",		"a@X.org, a@x.ORG, A@x.org",		"a@X.org|A@x.org" },
	{ "route",		"<@relay.example:user@example.com>",	"user@example.com" },
	{ "folded",		"a@x.org,\n\tb@x.org",			"a@x.org|b@x.org" },
	{ "local name",		"root",					"root" },
	{ "quoted local",	"\"john smith\"@example.com",		"\"john smith\"@example.com" },
	{ "angle in quotes",	"\"<not@this>\" <real@example.com>",	"real@example.com" },
	{ "empty",		"",					"" },
};

static void
address_lists(void **unused)
{
	size_t i, k;

	(void)unused;
	for (i = 0; i < sizeof(addr_rows) / sizeof(addr_rows[0]); i++) {
		struct addrlist l = { NULL, 0 };
		char got[512] = "";

		addrlist_parse(addr_rows[i].value, &l);
		for (k = 0; k < l.n; k++) {
			if (k)
				strcat(got, "|");
			strcat(got, l.addr[k]);
		}
		if (strcmp(got, addr_rows[i].want) != 0)
			fail_msg("row '%s': got '%s', want '%s'", addr_rows[i].name, got,
			    addr_rows[i].want);
		addrlist_free(&l);
	}
}

static void
field_names(void **unused)
{
	(void)unused;
	assert_int_equal(header_name_len("Subject: x", 10), 7);
	assert_int_equal(header_name_len("X-Foo:", 6), 5);
	assert_int_equal(header_name_len("not a header", 12), 0);
	assert_int_equal(header_name_len(" folded: x", 10), 0);
	assert_int_equal(header_name_len("nocolon", 7), 0);
	assert_true(header_is("bcc: x", "Bcc"));
	assert_false(header_is("Bcc-Extra: x", "Bcc"));
}

static void
address_checks(void **unused)
{
	(void)unused;
	assert_null(address_problem("a@example.com"));
	assert_null(address_problem("root"));
	assert_null(address_problem("\"a b\"@example.com"));
	assert_non_null(address_problem("a b@example.com"));
	assert_non_null(address_problem("a\n@example.com"));
	assert_non_null(address_problem("j\xc3\xb6rg@example.com"));
	assert_null(address_problem("joerg@b\xc3\xbc" "cher.example"));
	assert_non_null(address_problem("@example.com"));
	assert_non_null(address_problem(""));
}

static void
encoded_words(void **unused)
{
	char *e = rfc2047_encode(" h\xc3\xa9llo");
	char *long_s = malloc(400), *p, *line;
	size_t i;

	(void)unused;
	assert_string_equal(e, " =?UTF-8?B?aMOpbGxv?=");
	free(e);
	/* Long values: several words, each line at most 76 characters, and
	 * no multi-byte character split between words. */
	for (i = 0; i < 130; i++)
		memcpy(long_s + i * 3, "\xea\xb0\x80", 3);	/* U+AC00 */
	long_s[390] = '\0';
	e = rfc2047_encode(long_s);
	for (line = strtok_r(e, "\n", &p); line; line = strtok_r(NULL, "\n", &p))
		assert_true(strlen(line) <= 76);
	free(e);
	free(long_s);
	assert_true(utf8_valid("h\xc3\xa9", 3));
	assert_false(utf8_valid("h\xc3", 2));
	assert_false(utf8_valid("\xff", 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(address_lists),
		cmocka_unit_test(field_names),
		cmocka_unit_test(address_checks),
		cmocka_unit_test(encoded_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
