/* Unit tests for str_escape (util.c): the escaping every log line and every
 * human-readable queue listing goes through, so that no caller, header or
 * server reply can forge a log line or drive root's terminal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qlist.h"
#include "util.h"

static const struct { const char *name, *in, *want; } cases[] = {
	{ "plain", "from=<a@example.com> nrcpt=1", "from=<a@example.com> nrcpt=1" },
	{ "empty", "", "" },
	{ "newline", "a\nFORGED", "a\\012FORGED" },
	{ "CR, TAB", "a\rb\tc", "a\\015b\\011c" },
	{ "ESC and BEL", "\x1b]0;x\x07", "\\033]0;x\\007" },
	{ "DEL", "a\x7f", "a\\177" },
	{ "backslash kept", "a\\b", "a\\b" },
	{ "UTF-8 kept", "Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x93\xa7", "Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x93\xa7" },
	/* C1 controls: raw (CSI 0x9b) and as UTF-8 (U+009B). */
	{ "raw CSI", "a\x9b" "31m", "a\\233" "31m" },
	{ "UTF-8 CSI", "a\xc2\x9b" "31m", "a\\302\\233" "31m" },
	{ "U+00A0 kept", "a\xc2\xa0z", "a\xc2\xa0z" },
	{ "latin1", "caf\xe9", "caf\\351" },
	{ "truncated", "a\xe2\x82", "a\\342\\202" },
};

static void
escapes(void **unused)
{
	size_t i;

	(void)unused;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = str_escape(cases[i].in);

		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%s: got '%s', want '%s'", cases[i].name, got, cases[i].want);
		free(got);
	}
}

/* qlist_esc hands out 16 live results: printf with many arguments. */
static void
ring(void **unused)
{
	const char *r[16];
	char in[16][16];
	int i;

	(void)unused;
	for (i = 0; i < 16; i++) {
		snprintf(in[i], sizeof(in[i]), "%d\a", i);
		r[i] = qlist_esc(in[i]);
	}
	for (i = 0; i < 16; i++) {
		char want[16];

		snprintf(want, sizeof(want), "%d\\007", i);
		assert_string_equal(r[i], want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escapes),
		cmocka_unit_test(ring),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
