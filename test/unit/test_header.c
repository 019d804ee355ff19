/* Unit tests for header.c: address lists (table-driven), -t recipients
 * against the golden files in test/data (rcpt-*.in -> rcpt-*.ref), field
 * names, address checks and RFC 2047 encoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include <libgen.h>
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
	/* The route's ':' is never one inside a comment (fuzz_header). */
	{ "colon in comment",	"<@(:x)a@b.c>",				"@a@b.c" },
	{ "route and comment",	"<@r1(c:d),@r2:u@h.example>",		"u@h.example" },
};

static void
address_lists(void **unused)
{
	size_t i, k;

	(void)unused;
	for (i = 0; i < sizeof(addr_rows) / sizeof(addr_rows[0]); i++) {
		struct addrlist l = { 0 };
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

/* test/data, found from this file's path as the Makefile compiles it
 * (relative to the top of the tree, where run-tests.sh runs us), or from
 * SESRELAY_TESTDATA. */
static char *
data_dir(void)
{
	char *src, *dir, *out;
	const char *env = getenv("SESRELAY_TESTDATA");

	if (env != NULL)
		return strdup(env);
	src = strdup(__FILE__);
	dir = dirname(src);
	out = malloc(strlen(dir) + 16);
	sprintf(out, "%s/../data", dir);
	free(src);
	return out;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The header fields of a message, continuation lines kept with their field
 * (as intake.c holds them); the section ends at an empty line or at the
 * first line that is not a field. */
static size_t
split_fields(char *msg, char ***fields)
{
	char *line, *next;
	size_t n = 0;

	*fields = NULL;
	for (line = msg; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if ((*line == ' ' || *line == '\t') && n > 0) {
			char *f = (*fields)[n - 1];
			size_t old = strlen(f);

			f = realloc(f, old + strlen(line) + 2);
			sprintf(f + old, "\n%s", line);
			(*fields)[n - 1] = f;
			continue;
		}
		if (header_name_len(line, strlen(line)) == 0)
			break;
		*fields = realloc(*fields, (n + 1) * sizeof(char *));
		(*fields)[n++] = strdup(line);
	}
	return n;
}

static void
golden_recipients(void **unused)
{
	glob_t g;
	char *dir = data_dir(), *pat = malloc(strlen(dir) + 16);
	size_t i, k, n;

	(void)unused;
	sprintf(pat, "%s/rcpt-*.in", dir);
	if (glob(pat, 0, NULL, &g) != 0 || g.gl_pathc < 5)
		fail_msg("golden files %s missing (run from the top of the tree "
		    "or set SESRELAY_TESTDATA)", pat);
	for (i = 0; i < g.gl_pathc; i++) {
		struct addrlist l = { 0 };
		char *in = slurp(g.gl_pathv[i]), *ref, *refpath, **fields, *got;
		size_t used = 0;

		refpath = malloc(strlen(g.gl_pathv[i]) + 2);	/* ".in" -> ".ref" */
		strcpy(refpath, g.gl_pathv[i]);
		strcpy(refpath + strlen(refpath) - 3, ".ref");
		ref = slurp(refpath);
		n = split_fields(in, &fields);
		header_recipients(fields, n, &l);
		got = malloc(4096);
		got[0] = '\0';
		for (k = 0; k < l.n; k++)
			used += (size_t)snprintf(got + used, 4096 - used, "%s\n", l.addr[k]);
		if (strcmp(got, ref) != 0)
			fail_msg("%s: got\n%swant\n%s", g.gl_pathv[i], got, ref);
		for (k = 0; k < n; k++)
			free(fields[k]);
		free(fields);
		free(got);
		free(ref);
		free(refpath);
		free(in);
		addrlist_free(&l);
	}
	globfree(&g);
	free(pat);
	free(dir);
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
	/* A name must fit one wire line with its colon (fuzz_wire found a
	 * 2000-octet name folded inside the name by the daemon). */
	{
		char line[1200];

		memset(line, 'b', sizeof(line));
		line[997] = ':';
		assert_int_equal(header_name_len(line, sizeof(line)), 997);
		line[997] = 'b';
		line[998] = ':';
		assert_int_equal(header_name_len(line, sizeof(line)), 0);
		line[998] = 'b';
		line[1100] = ':';
		assert_int_equal(header_name_len(line, sizeof(line)), 0);
	}
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

/* Display names, group names and comments of address fields: 8-bit words
 * become encoded-words (whole stretches, spaces inside), ASCII atoms and
 * addresses stay, quoted strings lose their quotes only when encoded. */
static void
address_phrases(void **unused)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "To: Zo\xc3\xab \xc3\x85gren <z@example.org>",
		  "To: =?UTF-8?B?Wm/DqyDDhWdyZW4=?= <z@example.org>" },
		{ "From: \"J\xc3\xbcrgen\"<j@x.de>", "From: =?UTF-8?B?SsO8cmdlbg==?= <j@x.de>" },
		{ "Cc: \"M\xc3\xbcller, Hans\" <h@x>, plain@x",
		  "Cc: =?UTF-8?B?TcO8bGxlciw=?= Hans <h@x>, plain@x" },
		{ "Cc: a@b.c (B\xc3\xbcro)", "Cc: a@b.c (=?UTF-8?B?QsO8cm8=?=)" },
		{ "To: Gr\xc3\xbcppe: a@b.c;", "To: =?UTF-8?B?R3LDvHBwZQ==?= : a@b.c;" },
		{ "Reply-To: J. M\xc3\xbcller Sr. <j@x>", "Reply-To: J. =?UTF-8?B?TcO8bGxlcg==?= Sr. <j@x>" },
		/* Addresses are never touched, not even an 8-bit domain. */
		{ "To: <z@b\xc3\xbc" "cher.example>", "To: <z@b\xc3\xbc" "cher.example>" },
		{ "To: \"A, B\" <a@b.c>", "To: \"A, B\" <a@b.c>" },
		/* No closing '>': no display name either (fuzz_header). */
		{ "To: J\xc3\xbcrgen <j@exa", "To: J\xc3\xbcrgen <j@exa" },
	};
	size_t i;

	(void)unused;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = header_encode_address_field(cases[i].in);

		if (strcmp(got, cases[i].want) != 0)
			fail_msg("'%s': got '%s', want '%s'", cases[i].in, got, cases[i].want);
		free(got);
	}
	assert_true(header_is_address("Resent-Cc: x"));
	assert_true(header_is_address("reply-to: x"));
	assert_false(header_is_address("Subject: x"));
}

/* Many addresses: each added once in order, duplicates found whatever
 * the domain's case and however large the list grew (the table is rebuilt
 * as it grows), the local part compared exactly. */
static void
many_addresses(void **state)
{
	struct addrlist l = { 0 };
	char a[64];
	size_t i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		snprintf(a, sizeof a, "u%zu@Example.ORG", i);
		assert_int_equal(addrlist_add(&l, a), 1);
	}
	for (i = 0; i < 20000; i += 7) {
		snprintf(a, sizeof a, "u%zu@example.org", i);
		assert_int_equal(addrlist_add(&l, a), 0);
		snprintf(a, sizeof a, "U%zu@example.org", i);	/* local part differs */
		assert_int_equal(addrlist_add(&l, a), 1);
	}
	assert_int_equal(addrlist_add(&l, ""), 0);
	assert_int_equal(addrlist_add(&l, "nodomain"), 1);
	assert_int_equal(addrlist_add(&l, "nodomain"), 0);
	assert_int_equal(l.n, 20000 + 2858 + 1);
	assert_string_equal(l.addr[0], "u0@Example.ORG");
	assert_string_equal(l.addr[19999], "u19999@Example.ORG");
	assert_string_equal(l.addr[20000], "U0@example.org");
	assert_string_equal(l.addr[l.n - 1], "nodomain");
	addrlist_free(&l);
	assert_int_equal(l.n, 0);
	assert_int_equal(addrlist_add(&l, "again@example.org"), 1);	/* usable after free */
	addrlist_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(address_lists),
		cmocka_unit_test(golden_recipients),
		cmocka_unit_test(field_names),
		cmocka_unit_test(address_checks),
		cmocka_unit_test(encoded_words),
		cmocka_unit_test(address_phrases),
		cmocka_unit_test(many_addresses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
