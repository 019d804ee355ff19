/* Unit tests for rewrite.c: which addresses are local, aliases and
 * default_recipient, refusals with their reasons, MAIL FROM, and the header
 * rewriting (To/Cc, From: -> sender with Reply-To, Return-Path dropped). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "rewrite.h"

static struct config cf;
static struct alias al[] = {
	{ "root", "ops@example.com" },
	{ "www-data", "web@example.com" },
};

/* Replace a string field of cf (they are malloc'd by config_defaults). */
static void
set(char **field, const char *v)
{
	free(*field);
	*field = strdup(v);
}

static void
local_addresses(void **unused)
{
	char host[256];
	char *a;

	(void)unused;
	assert_true(rewrite_is_local(&cf, "root"));
	assert_true(rewrite_is_local(&cf, "root@host.test"));
	assert_true(rewrite_is_local(&cf, "root@HOST.TEST"));
	assert_true(rewrite_is_local(&cf, "x@localhost"));
	assert_true(rewrite_is_local(&cf, "x@localhost.localdomain"));
	assert_false(rewrite_is_local(&cf, "x@example.org"));
	assert_false(rewrite_is_local(&cf, "x@sub.host.test"));
	/* The machine's own host name counts as local, whatever it is. */
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	host[sizeof(host) - 1] = '\0';
	assert_non_null(a = malloc(strlen(host) + 3));
	sprintf(a, "u@%s", host);
	assert_true(rewrite_is_local(&cf, a));
	free(a);
}

/* Table: input recipient, with default_recipient set or not, expected
 * result (NULL = refused) and a word the refusal must contain. */
static void
recipients(void **unused)
{
	static const struct {
		const char	*in;
		int		 with_default;
		const char	*out;
		const char	*why;
	} t[] = {
		{ "root", 0, "ops@example.com", NULL },
		{ "ROOT", 0, "ops@example.com", NULL },	/* local parts fold case */
		{ "root@host.test", 0, "ops@example.com", NULL },
		{ "www-data@localhost", 0, "web@example.com", NULL },
		{ "a@example.org", 0, "a@example.org", NULL },	/* not local: kept */
		{ "nobody", 1, "catchall@example.com", NULL },
		{ "nobody@host.test", 1, "catchall@example.com", NULL },
		{ "root", 1, "ops@example.com", NULL },	/* alias before default */
		{ "nobody", 0, NULL, "aliases = { nobody = " },
		{ "nobody@host.test", 0, NULL, "default_recipient" },
		{ "j\xc3\xb6rg@example.org", 1, NULL, "not ASCII" },
		{ "j\xc3\xb6rg@example.org", 0, NULL, "SMTPUTF8" },
		/* A local 8-bit name mapped to an ASCII address is fine. */
		{ "j\xc3\xb6rg", 1, "catchall@example.com", NULL },
		{ "j\xc3\xb6rg@host.test", 1, "catchall@example.com", NULL },
	};
	char why[512], *w;
	size_t i;

	(void)unused;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		set(&cf.default_recipient, t[i].with_default ? "catchall@example.com" : "");
		why[0] = '\0';
		w = rewrite_rcpt(&cf, t[i].in, why, sizeof(why));
		if (t[i].out == NULL) {
			if (w != NULL)
				fail_msg("%s: expected a refusal, got %s", t[i].in, w);
			if (strstr(why, t[i].why) == NULL)
				fail_msg("%s: reason '%s' lacks '%s'", t[i].in, why, t[i].why);
		} else {
			if (w == NULL)
				fail_msg("%s: refused: %s", t[i].in, why);
			assert_string_equal(w, t[i].out);
		}
		free(w);
	}
	set(&cf.default_recipient, "");
}

static void
sender(void **unused)
{
	char *w;

	(void)unused;
	w = rewrite_sender(&cf, "cron@host.test");
	assert_string_equal(w, "noreply@example.com");
	free(w);
	w = rewrite_sender(&cf, "");	/* a bounce gets the verified sender too */
	assert_string_equal(w, "noreply@example.com");
	free(w);
	set(&cf.sender, "");
	w = rewrite_sender(&cf, "app@example.org");
	assert_string_equal(w, "app@example.org");
	free(w);
	w = rewrite_sender(&cf, "");
	assert_string_equal(w, "");
	free(w);
	set(&cf.sender, "noreply@example.com");
}

/* rewrite_headers on `in`; the result is compared whole. */
static void
check_headers(const char *in, const char *want)
{
	size_t len;
	char *out = rewrite_headers(&cf, in, strlen(in), &len);

	assert_int_equal(len, strlen(out));
	assert_string_equal(out, want);
	free(out);
}

static void
headers(void **unused)
{
	(void)unused;
	/* From: replaced, original kept in Reply-To; local To rewritten (one
	 * address per line), Return-Path dropped, others untouched. */
	check_headers(
	    "From: App <app@host.test>\nTo: root, x@example.org\n"
	    "Return-Path: <a@b>\nSubject: s",
	    "From: noreply@example.com\nTo: ops@example.com,\n x@example.org\n"
	    "Subject: s\nReply-To: App <app@host.test>\n");
	/* An existing Reply-To: is kept and not doubled. */
	check_headers(
	    "From: a@example.org\nReply-To: r@example.org\nSubject: s",
	    "From: noreply@example.com\nReply-To: r@example.org\nSubject: s\n");
	/* Folded Cc with display names, a local address among them. */
	check_headers(
	    "Cc: \"Doe, J\" <j@example.org>,\n\twww-data\nSubject: s",
	    "Cc: j@example.org,\n web@example.com\nSubject: s\n");
	/* A To: without a local address is left byte for byte. */
	check_headers(
	    "To: \"X\" <x@example.org>\nCc: (c) y@example.org\n",
	    "To: \"X\" <x@example.org>\nCc: (c) y@example.org\n");
	/* Only an unaliased local name: the field stays valid. */
	check_headers("To: nobody\nSubject: s",
	    "To: undisclosed-recipients:;\nSubject: s\n");
	/* The first address failing does not leave a leading comma. */
	check_headers("To: nobody, root\n",
	    "To: ops@example.com\n");
	/* Two From: fields (invalid input): the last one goes to Reply-To. */
	check_headers("From: a@example.org\nFrom: b@example.org\n",
	    "From: noreply@example.com\nFrom: noreply@example.com\n"
	    "Reply-To: b@example.org\n");
	/* Without rewrite_from, From: stays. */
	cf.rewrite_from = 0;
	check_headers("From: a@example.org\nTo: root\n",
	    "From: a@example.org\nTo: ops@example.com\n");
	cf.rewrite_from = 1;
	/* rewrite_from without a sender cannot rewrite: From: stays. */
	set(&cf.sender, "");
	check_headers("From: a@example.org\n", "From: a@example.org\n");
	set(&cf.sender, "noreply@example.com");
}

/* With a configuration set, SES's two headers are added (with this host's
 * tag first) and any the message brought are replaced, not doubled. */
static void
ses_headers(void **unused)
{
	(void)unused;
	cf.rewrite_from = 0;
	check_headers("Subject: s\n", "Subject: s\n");
	set(&cf.configuration_set, "relay");
	set(&cf.host_tag, "web1");
	check_headers("Subject: s\nX-SES-CONFIGURATION-SET: other\n"
	    "x-ses-message-tags: a=b\n",
	    "Subject: s\nX-SES-CONFIGURATION-SET: relay\n"
	    "X-SES-MESSAGE-TAGS: sesrelay_host=web1\n");
	set(&cf.message_tags, "app=billing, env=prod");
	check_headers("Subject: s\n", "Subject: s\nX-SES-CONFIGURATION-SET: relay\n"
	    "X-SES-MESSAGE-TAGS: sesrelay_host=web1, app=billing, env=prod\n");
	set(&cf.configuration_set, "");
	set(&cf.message_tags, "");
	/* Without a configuration set the message's own headers stay. */
	check_headers("X-SES-CONFIGURATION-SET: mine\n", "X-SES-CONFIGURATION-SET: mine\n");
	cf.rewrite_from = 1;
}

static int
setup(void **unused)
{
	(void)unused;
	config_defaults(&cf);
	set(&cf.domain, "host.test");
	set(&cf.sender, "noreply@example.com");
	set(&cf.default_recipient, "");
	set(&cf.aliases_file, "");	/* not the host's /etc/aliases */
	cf.rewrite_from = 1;
	cf.aliases = al;
	cf.naliases = sizeof(al) / sizeof(al[0]);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(local_addresses),
		cmocka_unit_test(recipients),
		cmocka_unit_test(sender),
		cmocka_unit_test(headers),
		cmocka_unit_test(ses_headers),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
