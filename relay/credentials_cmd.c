/* SPDX-License-Identifier: ISC */
/*
 * credentials_cmd.c: `sesrelay credentials`: run the AWS credential chain
 * as the daemon would (as the relay user) and say which source answered,
 * the key id and when the credentials expire.  Never the secret.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "awscreds.h"
#include "cli.h"
#include "config.h"
#include "privdrop.h"
#include "sesapi.h"
#include "util.h"

int
cmd_credentials(int argc, char **argv, struct config *cf)
{
	struct awscreds_chain *ch;
	struct awscreds c;
	enum awscreds_status st;
	const char *region_from;
	char err[1024], when[64];
	time_t now;

	(void)argv;
	if (argc > 1) {
		fputs("usage: sesrelay credentials\n", stderr);
		return EXIT_USAGE;
	}
	if (priv_become_relay(cf->relay_user, err, sizeof(err)) == -1) {
		fprintf(stderr, "sesrelay: %s\n", err);
		return EXIT_NOPERM;
	}
	region_from = account_region_resolve(cf);
	sesapi_client_setup(cf);
	ch = awscreds_chain_new(cf);
	st = awscreds_get(ch, 0, &c, err, sizeof(err));
	if (st != CREDS_OK) {
		fprintf(stderr, "sesrelay: %s\n", err);
		awscreds_chain_free(ch);
		return st == CREDS_NOT_FOUND ? EXIT_CONFIG : EXIT_TEMPFAIL;
	}
	now = time(NULL);
	printf("source:   %s\n", awscreds_source_name(c.source));
	printf("from:     %s\n", c.origin);
	printf("key id:   %s\n", c.access_key_id);
	if (c.expiration) {
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&c.expiration));
		printf("expires:  %s (in %ld min; renewed 15 min before)\n", when,
		    (long)(c.expiration - now) / 60);
	} else
		printf("expires:  never (long-term key)\n");
	printf("type:     %s\n", c.session_token ? "temporary (session token)" :
	    "long-term access key");
	printf("region:   %s (%s)\n", cf->region, cf->region_set ? "configuration" :
	    region_from ? region_from : "default: 'region' is not set");
	awscreds_clear(&c);
	awscreds_chain_free(ch);
	return 0;
}
