/* Unit tests for sespass.c: the published known answers (terraform-provider-aws). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sespass.h"

static const struct { const char *region, *secret, *want; } vectors[] = {
	{ "eu-central-1", "some+secret+key", "BMXhUYlu5Z3gSXVQORxlVa7XPaz91aGWdfHxvkOZdWZ2" },
	{ "eu-central-1", "another+secret+key", "BBbphbrQmrKMx42d1N6+C7VINYEBGI5v9VsZeTxwskfh" },
	{ "us-west-1", "some+secret+key", "BH+jbMzper5WwlwUar9E1ySBqHa9whi0GPo+sJ0mVYJj" },
	{ "us-west-1", "another+secret+key", "BKVmjjMDFk/qqw8EROW99bjCS65PF8WKvK5bSr4Y6EqF" },
};

static void
known_answers(void **unused)
{
	char out[64];
	size_t i;

	(void)unused;
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		assert_int_equal(ses_smtp_password(vectors[i].secret, vectors[i].region,
		    out, sizeof(out)), 0);
		assert_string_equal(out, vectors[i].want);
	}
	assert_int_equal(ses_smtp_password("x", "us-east-1", out, 10), -1);
}

static const struct { const char *region; int valid; } regions[] = {
	{ "us-east-1", 1 }, { "eu-central-1", 1 }, { "ap-northeast-2", 1 },
	{ "us-gov-west-1", 1 }, { "il-central-1", 1 }, { "me-south-1", 1 },
	{ "", 0 }, { "us-east", 0 }, { "useast1", 0 }, { "US-EAST-1", 0 },
	{ "us-east-1 ", 0 }, { "us--east-1", 0 }, { "-us-east-1", 0 },
	{ "us-east-1a", 0 }, { "eu-west-", 0 }, { "us-1", 0 },
};

static void
region_names(void **unused)
{
	size_t i;

	(void)unused;
	for (i = 0; i < sizeof(regions) / sizeof(regions[0]); i++)
		if (ses_region_valid(regions[i].region) != regions[i].valid)
			fail_msg("region '%s': expected %s", regions[i].region,
			    regions[i].valid ? "valid" : "invalid");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_answers),
		cmocka_unit_test(region_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
