/* SPDX-License-Identifier: ISC */
/*
 * checkconf.c: `sesrelay check-config`.  config_load() has already
 * reported unknown keys, wrong types and values out of range with
 * file:line (it is the only libconfig user); here come what makes a file
 * unusable for delivery (missing credentials, an unreadable or exposed
 * secret) and then combinations that parse but cannot work with SES, as
 * warnings: they do not change the exit status, since a non-SES relay may
 * want them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checkconf.h"
#include "cli.h"
#include "config.h"
#include "newaliases.h"
#include "sespass.h"
#include "util.h"

static int nwarn;

static void
warn(const struct config *cf, const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "%s: warning: ", cf->path);
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	nwarn++;
}

char *
checkconf_host_region(const char *host)
{
	static const char pre[] = "email-smtp.", suf[] = ".amazonaws.com";
	size_t hl = strlen(host), pl = sizeof(pre) - 1, sl = sizeof(suf) - 1;

	if (hl <= pl + sl || strncasecmp(host, pre, pl) != 0 ||
	    strcasecmp(host + hl - sl, suf) != 0)
		return NULL;
	return xasprintf("%.*s", (int)(hl - pl - sl), host + pl);
}

static void
check_combinations(const struct config *cf)
{
	const char *dom = strrchr(cf->sender, '@');
	char *r = checkconf_host_region(cf->host), port[16];

	if (r != NULL && strcasecmp(r, cf->region) != 0)
		warn(cf, "'host' is the SES endpoint of %s but 'region' is %s: the SMTP "
		    "password and verified identities are per region; make them agree",
		    r, cf->region);
	free(r);
	snprintf(port, sizeof(port), "%d", cf->port);
	if (strcmp(cf->tls, "starttls") == 0 && (cf->port == 465 || cf->port == 2465))
		warn(cf, "port %s expects TLS from the first byte: set tls = \"%s\"",
		    port, "implicit");
	if (strcmp(cf->tls, "implicit") == 0 && (cf->port == 587 || cf->port == 2587 ||
	    cf->port == 25))
		warn(cf, "port %s speaks STARTTLS: set tls = \"%s\" (or port 465)", port,
		    "starttls");
	if (cf->port == 25)
		warn(cf, "port %s is blocked on most cloud hosts (EC2 by default); SES "
		    "also listens on 587 and 2587%s", port, "");
	if (cf->sender[0] == '\0')
		warn(cf, "'sender' is not set: SES refuses mail whose MAIL FROM is not a "
		    "verified identity (cron sends as root@%s)%s", cf->domain, "");
	if (cf->mail_from_domain[0] != '\0' && dom != NULL) {
		size_t ml = strlen(cf->mail_from_domain), dl = strlen(++dom);

		if (!(ml > dl + 1 && strcasecmp(cf->mail_from_domain + ml - dl, dom) == 0 &&
		    cf->mail_from_domain[ml - dl - 1] == '.'))
			warn(cf, "'mail_from_domain' %s is not a subdomain of the sender's "
			    "domain %s (SES requires that)", cf->mail_from_domain, dom);
	}
}

/* An alias that maps nowhere fails its mail at delivery: say so now. */
static void
check_aliases(const struct config *cf)
{
	struct alias_check c;
	size_t i;

	newaliases_check(cf, NULL, &c);
	for (i = 0; i < c.nproblems; i++)
		warn(cf, "%s%s", c.problems[i], "");
	newaliases_free(&c);
}

/* transport = "api": the API key's secret file (when keys are configured;
 * otherwise the chain is looked up at run time) and what goes unused. */
static int
check_api(const struct config *cf)
{
	static const char pre[] = "https://email.", suf[] = ".amazonaws.com";
	const char *e = cf->ses_endpoint;
	size_t el = strlen(e), pl = sizeof(pre) - 1, sl = sizeof(suf) - 1;
	char err[512], *secret, *r;

	if (cf->secret_access_key_file[0] != '\0') {
		if ((secret = config_read_secret(cf->secret_access_key_file,
		    "secret_access_key_file", err, sizeof(err))) == NULL) {
			fprintf(stderr, "%s: %s\n", cf->path, err);
			return -1;
		}
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
	if (cf->password[0] != '\0' || cf->password_file[0] != '\0')
		warn(cf, "transport = \"api\": 'password'/'password_file' are not used "
		    "(SMTP only)%s%s", "", "");
	while (el > 0 && e[el - 1] == '/')
		el--;
	if (el > pl + sl && strncasecmp(e, pre, pl) == 0 &&
	    strncasecmp(e + el - sl, suf, sl) == 0) {
		r = xasprintf("%.*s", (int)(el - pl - sl), e + pl);
		if (strcasecmp(r, cf->region) != 0)
			warn(cf, "'ses_endpoint' is in %s but 'region' is %s: requests are "
			    "signed for 'region' and SES refuses them", r, cf->region);
		free(r);
	}
	return 0;
}

int
cmd_check_config(int argc, char **argv, struct config *cf)
{
	char err[4096], *pw;

	(void)argc;
	(void)argv;
	if (config_check_delivery(cf, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return EXIT_CONFIG;
	}
	if (strcmp(cf->transport, "api") == 0) {
		if (check_api(cf) == -1)
			return EXIT_CONFIG;
		goto done;
	}
	if ((pw = sespass_for_config(cf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", cf->path, err);
		return EXIT_CONFIG;
	}
	explicit_bzero(pw, strlen(pw));
	free(pw);
	check_combinations(cf);
done:
	check_aliases(cf);
	if (nwarn)
		printf("%s: ok, with %d warning%s\n", cf->path, nwarn, nwarn > 1 ? "s" : "");
	else
		printf("%s: ok\n", cf->path);
	return 0;
}
