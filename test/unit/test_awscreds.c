/*
 * Unit tests for the AWS layer's pure parts: awsjson's dotted paths, ISO
 * 8601 expiry times, and the credential chain's local sources and their
 * order (config keys, environment, shared credentials file, shared config
 * file; network sources switched off), without any network.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "awscreds.h"
#include "awsjson.h"
#include "config.h"

static void
json_paths(void **unused)
{
	const char *t = "{\"SendQuota\":{\"Max24HourSend\":200.0,\"MaxSendRate\":1},"
	    "\"ProductionAccessEnabled\":false,\"DkimAttributes\":{\"Tokens\":[\"a\",\"b\"]},"
	    "\"EnforcementStatus\":\"HEALTHY\"}";
	struct awsjson *j = awsjson_parse(t, strlen(t));
	double d;
	int b = 1;

	(void)unused;
	assert_non_null(j);
	assert_int_equal(awsjson_number(j, "SendQuota.Max24HourSend", &d), 0);
	assert_true(d == 200.0);
	assert_int_equal(awsjson_number(j, "SendQuota.MaxSendRate", &d), 0);	/* integer */
	assert_true(d == 1.0);
	assert_int_equal(awsjson_bool(j, "ProductionAccessEnabled", &b), 0);
	assert_int_equal(b, 0);
	assert_string_equal(awsjson_string(j, "DkimAttributes.Tokens.1"), "b");
	assert_int_equal(awsjson_array_len(j, "DkimAttributes.Tokens"), 2);
	assert_null(awsjson_string(j, "DkimAttributes.Tokens.2"));
	assert_null(awsjson_string(j, "SendQuota"));			/* wrong type */
	assert_int_equal(awsjson_bool(j, "EnforcementStatus", &b), -1);
	assert_int_equal(awsjson_number(j, "Missing.Path", &d), -1);
	awsjson_free(j);
	assert_null(awsjson_parse("[1,2]", 5));			/* not an object */
	assert_null(awsjson_parse("{\"a\":", 5));
}

static void
iso_times(void **unused)
{
	(void)unused;
	assert_int_equal(awscreds_parse_time("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(awscreds_parse_time("2015-08-30T12:36:00Z"), 1440938160);
	assert_int_equal(awscreds_parse_time("2015-08-30T12:36:00.123Z"), 1440938160);
	assert_int_equal(awscreds_parse_time("2015-08-30T12:36:00+00:00"), 1440938160);
	assert_int_equal(awscreds_parse_time("2015-08-30T12:36:00+02:00"), -1);
	assert_int_equal(awscreds_parse_time("2015-08-30"), -1);
	assert_int_equal(awscreds_parse_time(NULL), -1);
}

static char dir[] = "/tmp/test-awscreds.XXXXXX";

static void
write_file(const char *name, const char *text, mode_t mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static enum awscreds_status
get(struct config *cf, struct awscreds *c, char *err, size_t errlen)
{
	struct awscreds_chain *ch = awscreds_chain_new(cf);
	enum awscreds_status st = awscreds_get(ch, 0, c, err, errlen);

	awscreds_chain_free(ch);
	return st;
}

static void
chain_order(void **unused)
{
	struct config cf;
	struct awscreds c;
	char err[512], path[256];

	(void)unused;
	assert_non_null(mkdtemp(dir));
	write_file("secret", "conf-secret\n", 0600);
	write_file("credentials", "# comment\n[default]\naws_access_key_id = AKIADEF\n"
	    "aws_secret_access_key = d\n[relay]\n  aws_access_key_id=AKIARELAY  \n"
	    "aws_secret_access_key= r \naws_session_token = tok\n", 0644);
	write_file("config", "[default]\nregion = x\n[relay]\naws_access_key_id = WRONG\n"
	    "[profile cfg]\naws_access_key_id = AKIACFG\naws_secret_access_key = c\n", 0644);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
	unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_DEFAULT_PROFILE");
	snprintf(path, sizeof(path), "%s/credentials", dir);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	snprintf(path, sizeof(path), "%s/config", dir);
	setenv("AWS_CONFIG_FILE", path, 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "e", 1);

	config_defaults(&cf);
	free(cf.access_key_id);
	cf.access_key_id = strdup("AKIACONF");
	free(cf.secret_access_key_file);
	snprintf(path, sizeof(path), "%s/secret", dir);
	cf.secret_access_key_file = strdup(path);
	assert_int_equal(get(&cf, &c, err, sizeof(err)), CREDS_OK);	/* 1: config */
	assert_int_equal(c.source, CREDS_CONFIG);
	assert_string_equal(c.access_key_id, "AKIACONF");
	assert_string_equal(c.secret_access_key, "conf-secret");
	awscreds_clear(&c);

	cf.access_key_id[0] = '\0';					/* 2: environment */
	assert_int_equal(get(&cf, &c, err, sizeof(err)), CREDS_OK);
	assert_int_equal(c.source, CREDS_ENV);
	assert_string_equal(c.access_key_id, "AKIAENV");
	assert_null(c.session_token);
	awscreds_clear(&c);

	unsetenv("AWS_SECRET_ACCESS_KEY");				/* half set: error */
	assert_int_equal(get(&cf, &c, err, sizeof(err)), CREDS_SOURCE_FAILED);
	unsetenv("AWS_ACCESS_KEY_ID");

	assert_int_equal(get(&cf, &c, err, sizeof(err)), CREDS_OK);	/* 4: [default] */
	assert_string_equal(c.access_key_id, "AKIADEF");
	awscreds_clear(&c);

	setenv("AWS_PROFILE", "relay", 1);			/* trimmed, with a token */
	assert_int_equal(get(&cf, &c, err, sizeof(err)), CREDS_OK);
	assert_int_equal(c.source, CREDS_SHARED_FILE);
	assert_string_equal(c.access_key_id, "AKIARELAY");
	assert_string_equal(c.secret_access_key, "r");
	assert_string_equal(c.session_token, "tok");
	awscreds_clear(&c);

	free(cf.aws_profile);					/* the key beats AWS_PROFILE; */
	cf.aws_profile = strdup("cfg");				/* [profile cfg] in config */
	assert_int_equal(get(&cf, &c, err, sizeof(err)), CREDS_OK);
	assert_string_equal(c.access_key_id, "AKIACFG");
	awscreds_clear(&c);

	free(cf.aws_profile);
	cf.aws_profile = strdup("nosuch");
	assert_int_equal(get(&cf, &c, err, sizeof(err)), CREDS_NOT_FOUND);
	assert_non_null(strstr(err, "no AWS credentials found"));

	config_free(&cf);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_paths),
		cmocka_unit_test(iso_times),
		cmocka_unit_test(chain_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
