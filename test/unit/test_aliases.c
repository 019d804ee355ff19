/* Unit tests for aliases.c (aliases(5) parsing, expansion: chains, loops,
 * depth, refused targets, config precedence, the "keep a copy" idiom) and
 * rewrite.c's use of it (a name with several addresses is split in the
 * message state; /etc/mailname's domain is not local). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aliases.h"
#include "config.h"
#include "envelope.h"
#include "rewrite.h"

static const char file_text[] =
    "# /etc/aliases as Debian ships it, and more\n"
    "mailer-daemon: postmaster\n"
    "postmaster: root\n"
    "Nobody: root\n"
    "\n"
    "root: admin,\n"
    "  # a comment inside an entry\n"
    "\tops@example.com\n"
    "admin: \\admin, admin@example.com\n"
    "team: a@example.com, \"b c\"@example.com,a@example.com\n"
    "pipe: |/usr/bin/procmail, \"|/bin/sh -c 'touch /tmp/x'\", log@example.com\n"
    "onlyfile: /var/mail/x, :include:/etc/list\n"
    "loop1: loop2\n"
    "loop2: loop1, after@example.com\n"
    "self: self, me@example.com\n"
    "d0: d1\nd1: d2\nd2: d3\nd3: d4\nd4: d5\nd5: d6\nd6: d7\nd7: d8\nd8: d9\n"
    "d9: d10\nd10: deep@example.com\n"
    "dangling: nosuchname\n"
    "cfwins: file@example.com\n"
    "nocolon here\n"
    ": empty\n"
    "notarget:\n"
    "postmaster: second@example.com\n";

static struct alias_table tab;
static struct alias conf_al[] = {
	{ "cfwins", "conf@example.com" },
};

/* Expand `name` and compare the addresses with `want` (comma separated, in
 * order, "" = none); the notes must contain `note` (NULL = no notes). */
static void
check(const char *name, const char *fallback, const char *want, const char *note)
{
	struct alias_sources s = { conf_al, 1, &tab, fallback };
	struct alias_result r;
	char got[1024] = "";
	size_t i;

	aliases_expand(&s, name, &r);
	for (i = 0; i < r.n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
		    i ? "," : "", r.addr[i]);
	if (strcmp(got, want) != 0)
		fail_msg("%s: expected '%s', got '%s'", name, want, got);
	if (note == NULL && r.nnotes > 0)
		fail_msg("%s: unexpected note: %s", name, r.notes[0]);
	if (note != NULL) {
		for (i = 0; i < r.nnotes && strstr(r.notes[i], note) == NULL; i++)
			;
		if (i == r.nnotes)
			fail_msg("%s: no note containing '%s' (%zu notes%s%s)", name, note,
			    r.nnotes, r.nnotes ? ": " : "", r.nnotes ? r.notes[0] : "");
	}
	aliases_result_free(&r);
}

static void
parse(void **unused)
{
	const struct alias_entry *e;
	size_t i;
	static const char *problems[] = {
		"x/aliases:29: no ':' after the alias name",
		"x/aliases:30: empty alias name",
		"x/aliases:31: no target for the alias 'notarget'",
		"x/aliases:32: duplicate alias (line 3 is used) 'postmaster'",
	};

	(void)unused;
	e = aliases_lookup(&tab, "root");
	assert_non_null(e);
	assert_int_equal(e->line, 6);
	assert_int_equal(e->ntargets, 2);
	assert_string_equal(e->targets[0], "admin");
	assert_string_equal(e->targets[1], "ops@example.com");
	assert_non_null(aliases_lookup(&tab, "NOBODY"));	/* names fold case */
	assert_string_equal(aliases_lookup(&tab, "nobody")->name, "nobody");
	e = aliases_lookup(&tab, "pipe");
	assert_int_equal(e->ntargets, 3);	/* the comma inside quotes stays */
	assert_string_equal(e->targets[1], "|/bin/sh -c 'touch /tmp/x'");
	assert_string_equal(aliases_lookup(&tab, "postmaster")->targets[0], "root");
	for (i = 0; i < tab.nproblems; i++)
		print_message("problem: %s\n", tab.problems[i]);
	assert_int_equal(tab.nproblems, sizeof(problems) / sizeof(problems[0]));
	for (i = 0; i < tab.nproblems; i++)
		assert_string_equal(tab.problems[i], problems[i]);
}

static void
parse_edges(void **unused)
{
	struct alias_table t;

	(void)unused;
	aliases_parse_text(&t, "f", "  lead: x@example.com\nlast: y@example.com", 41);
	assert_int_equal(t.nproblems, 1);
	assert_string_equal(t.problems[0], "f:1: continuation line without an alias before it");
	assert_string_equal(aliases_lookup(&t, "last")->targets[0], "y@example.com");
	aliases_free(&t);
	aliases_parse_text(&t, "f", "crlf: a@example.com\r\n\r\n", 23);
	assert_int_equal(t.nproblems, 0);
	assert_string_equal(aliases_lookup(&t, "crlf")->targets[0], "a@example.com");
	aliases_free(&t);
	aliases_parse_text(&t, "f", "", 0);
	assert_int_equal(t.n, 0);
	aliases_free(&t);
}

static void
kinds(void **unused)
{
	(void)unused;
	assert_int_equal(aliases_target_kind("|/bin/true"), ALIAS_COMMAND);
	assert_int_equal(aliases_target_kind("/var/mail/x"), ALIAS_FILE);
	assert_int_equal(aliases_target_kind(":INCLUDE:/etc/x"), ALIAS_INCLUDE);
	assert_int_equal(aliases_target_kind("a@b.example"), ALIAS_ADDRESS);
	assert_int_equal(aliases_target_kind("root"), ALIAS_NAME);
	assert_int_equal(aliases_target_kind("\\root"), ALIAS_NAME);
}

static void
expansion(void **unused)
{
	(void)unused;
	/* Chains through several names, with "\admin" ending at the fallback
	 * or nowhere. */
	check("mailer-daemon", "", "admin@example.com,ops@example.com",
	    "alias admin: the local name admin has no alias");
	check("mailer-daemon", "catch@example.com",
	    "catch@example.com,admin@example.com,ops@example.com", NULL);
	check("team", "", "a@example.com,\"b c\"@example.com", NULL);	/* distinct */
	check("pipe", "", "log@example.com", "alias pipe: target \"|/usr/bin/procmail\" "
	    "(x/aliases:11) refused");
	check("pipe", "", "log@example.com", "target \"|/bin/sh -c 'touch /tmp/x'\"");
	check("onlyfile", "catch@example.com", "", "\"/var/mail/x\"");
	check("onlyfile", "", "", "\":include:/etc/list\" (x/aliases:12) refused");
	check("loop1", "", "after@example.com", "alias loop1: loop loop1 -> loop2 -> loop1");
	check("self", "", "me@example.com", "the local name self has no alias");
	check("self", "catch@example.com", "catch@example.com,me@example.com", NULL);
	check("d0", "", "", "alias d0: more than 10 aliases deep at d10");
	check("d1", "", "deep@example.com", NULL);
	check("dangling", "", "", "alias dangling: the local name nosuchname has no alias");
	check("dangling", "catch@example.com", "catch@example.com", NULL);
	/* The config wins and ends the lookup. */
	check("cfwins", "", "conf@example.com", NULL);
	/* No alias anywhere: the fallback, or nothing without a note. */
	check("unknown", "catch@example.com", "catch@example.com", NULL);
	check("unknown", "", "", NULL);
}

/* rewrite.c over a config whose aliases_file is a file of this test. */
static void
rewrite_with_file(void **unused)
{
	char path[] = "/tmp/test_aliases.XXXXXX", why[1024], *w;
	struct config cf;
	struct envelope e;
	struct msg_state st;
	char *rcpts[] = { "root", "postmaster@host.test", "x@example.org", "pipe" };
	int fd = mkstemp(path);

	(void)unused;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, file_text, sizeof(file_text) - 1),
	    (ssize_t)sizeof(file_text) - 1);
	close(fd);
	config_defaults(&cf);
	free(cf.domain);
	cf.domain = strdup("host.test");
	free(cf.aliases_file);
	cf.aliases_file = strdup(path);

	w = rewrite_rcpt(&cf, "pipe@localhost", why, sizeof(why));
	assert_string_equal(w, "log@example.com");
	free(w);
	assert_null(rewrite_rcpt(&cf, "onlyfile", why, sizeof(why)));
	assert_non_null(strstr(why, "the alias onlyfile maps to no address: alias "
	    "onlyfile: target \"/var/mail/x\""));
	assert_null(rewrite_rcpt(&cf, "nosuch", why, sizeof(why)));
	assert_non_null(strstr(why, "\"nosuch: you@example.com\" to /tmp/test_aliases."));
	assert_null(rewrite_rcpt(&cf, "root", why, sizeof(why)));
	assert_string_equal(why, "root expands to 2 addresses");

	/* The message state: root and postmaster (the same alias) become
	 * admin@ and ops@ once each; the rest stays. */
	memset(&e, 0, sizeof(e));
	e.rcpts = rcpts;
	e.nrcpts = 4;
	state_init(&st, &e);
	assert_int_equal(rewrite_expand_state(&cf, "0123456789abcdef", &st, 1000), 2);
	assert_int_equal(st.nrcpts, 6);
	assert_int_equal(st.rcpts[0].status, RCPT_SENT);
	assert_string_equal(st.rcpts[0].reply,
	    "expanded by alias to admin@example.com, ops@example.com");
	assert_int_equal(st.rcpts[1].status, RCPT_SENT);
	assert_int_equal(st.rcpts[2].status, RCPT_PENDING);
	assert_int_equal(st.rcpts[3].status, RCPT_PENDING);	/* one address: at send time */
	assert_string_equal(st.rcpts[4].addr, "admin@example.com");
	assert_string_equal(st.rcpts[5].addr, "ops@example.com");
	assert_int_equal(st.rcpts[5].status, RCPT_PENDING);
	assert_int_equal(st.nlog, 2);
	assert_string_equal(st.log[0].status, "expanded");
	/* Idempotent: nothing pending is local any more. */
	assert_int_equal(rewrite_expand_state(&cf, "0123456789abcdef", &st, 1001), 0);
	state_free(&st);

	/* A domain from /etc/mailname qualifies names but is not local. */
	cf.domain_is_mailname = 1;
	assert_false(rewrite_is_local(&cf, "boss@host.test"));
	assert_true(rewrite_is_local(&cf, "boss"));
	cf.domain_is_mailname = 0;
	assert_true(rewrite_is_local(&cf, "boss@host.test"));
	unlink(path);
	config_free(&cf);
}

static int
setup(void **unused)
{
	(void)unused;
	aliases_parse_text(&tab, "x/aliases", file_text, sizeof(file_text) - 1);
	return 0;
}

static int
teardown(void **unused)
{
	(void)unused;
	aliases_free(&tab);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse),
		cmocka_unit_test(parse_edges),
		cmocka_unit_test(kinds),
		cmocka_unit_test(expansion),
		cmocka_unit_test(rewrite_with_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
