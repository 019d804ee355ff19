/* SPDX-License-Identifier: ISC */
/* doctor_aws.c: what SES itself says, for `sesrelay doctor` (see doctor_aws.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "account.h"
#include "awscreds.h"
#include "config.h"
#include "doctor_aws.h"
#include "qlist.h"
#include "sesapi.h"
#include "spool.h"
#include "util.h"

#define MAX_IDENTS 8		/* sender domains of queued mail looked up */
#define MAX_RCPTS 10		/* sandbox recipients looked up */

struct findings {
	struct doctor_finding *f;
	size_t n, max;
};

static void __attribute__((format(printf, 4, 5)))
add(struct findings *fs, int level, const char *fix, const char *fmt, ...)
{
	struct doctor_finding *d;
	va_list ap;

	if (fs->n == fs->max)
		return;
	d = &fs->f[fs->n++];
	d->level = level;
	snprintf(d->fix, sizeof(d->fix), "%s", fix ? fix : "");
	va_start(ap, fmt);
	vsnprintf(d->text, sizeof(d->text), fmt, ap);
	va_end(ap);
}

/* A denied or failed call: one finding, a warning (not a relay failure). */
static void
api_error(struct findings *fs, const struct ses_error *e)
{
	char line[512];

	ses_error_line(e, line, sizeof(line));
	if (e->status == SES_DENIED) {
		char fix[128];

		snprintf(fix, sizeof(fix), "add \"%s\" to the IAM policy (sesrelay.conf(5), "
		    "IAM POLICY)", e->action);
		add(fs, 1, fix, "SES API: %s denied", e->action);
	} else
		add(fs, 1, NULL, "%s", line);
}

static int
check_account(struct findings *fs, const struct config *cf, struct sesapi *api)
{
	struct ses_account a;
	struct ses_error e;

	if (sesapi_get_account(api, &a, &e) == -1) {
		api_error(fs, &e);
		return e.status == SES_DENIED ? -1 : -2;	/* -2: ask nothing more */
	}
	if (!a.sending_enabled || strcmp(a.enforcement, "SHUTDOWN") == 0)
		add(fs, 2, "see the reputation page of the SES console; SES resumes "
		    "sending only after review", "SES account in %s: sending PAUSED "
		    "(SendingEnabled %s, EnforcementStatus %s)", cf->region,
		    a.sending_enabled ? "true" : "false", a.enforcement);
	else
		add(fs, 0, NULL, "SES account in %s: %s, sending enabled, %s, max %.2f/s",
		    cf->region, a.production ? "production" : "sandbox", a.enforcement,
		    a.max_rate);
	if (!a.production)
		add(fs, 1, "request production access (SES console, Account dashboard)",
		    "SES sandbox: every recipient must be a verified identity, at most "
		    "%.0f per 24 h", a.max_24h);
	if (a.max_24h > 0 && 100.0 * a.sent_24h / a.max_24h >= cf->quota_warn_percent)
		add(fs, 1, "ask for a higher quota, or expect 454 Daily message quota "
		    "exceeded", "SES 24 h quota %.0f%% used (%.0f of %.0f)",
		    100.0 * a.sent_24h / a.max_24h, a.sent_24h, a.max_24h);
	return a.production ? 0 : 1;
}

/* GetEmailIdentity: 1 verified, 0 not, -1 could not ask (finding added). */
static int
lookup(struct findings *fs, struct sesapi *api, const char *ident,
    struct ses_identity *id)
{
	struct ses_error e;

	if (sesapi_get_identity(api, ident, id, &e) == 0)
		return id->verified_for_sending;
	if (e.status == SES_NOT_FOUND)
		return 0;
	api_error(fs, &e);
	return -1;
}

static void
compare_dkim(struct findings *fs, struct config *cf, const char *dom,
    const struct ses_identity *id)
{
	size_t i, j;

	if (id->ndkim_tokens == 0)
		return;
	if (cf->ndkim_tokens == 0) {	/* the DNS step checks SES's tokens */
		cf->dkim_tokens = xcalloc(id->ndkim_tokens + 1, sizeof(char *));
		for (i = 0; i < id->ndkim_tokens; i++)
			cf->dkim_tokens[cf->ndkim_tokens++] = xstrdup(id->dkim_tokens[i]);
		return;
	}
	for (i = 0; i < id->ndkim_tokens; i++) {
		for (j = 0; j < cf->ndkim_tokens; j++)
			if (strcmp(cf->dkim_tokens[j], id->dkim_tokens[i]) == 0)
				break;
		if (j == cf->ndkim_tokens) {
			add(fs, 1, "copy the tokens of GetEmailIdentity into dkim_tokens",
			    "DKIM token %s of %s (from SES) is not in dkim_tokens: the DNS "
			    "check below looks at other records", id->dkim_tokens[i], dom);
			return;
		}
	}
}

static void
domain_details(struct findings *fs, struct config *cf, const char *dom,
    const struct ses_identity *id)
{
	if (strcmp(id->dkim_status, "SUCCESS") == 0)
		add(fs, 0, NULL, "SES: DKIM of %s verified, signing %s", dom,
		    id->dkim_signing ? "on" : "OFF");
	else if (id->dkim_status[0])
		add(fs, 1, "publish the three CNAME records of the DKIM tokens (checked "
		    "below)", "SES: DKIM of %s is %s", dom, id->dkim_status);
	compare_dkim(fs, cf, dom, id);
	if (id->mail_from_domain[0]) {
		if (strcmp(id->mail_from_status, "SUCCESS") == 0)
			add(fs, 0, NULL, "SES: custom MAIL FROM %s verified", id->mail_from_domain);
		else
			add(fs, 1, "publish its MX and SPF records (checked below)",
			    "SES: custom MAIL FROM %s is %s", id->mail_from_domain,
			    id->mail_from_status);
		if (cf->mail_from_domain[0] && strcasecmp(cf->mail_from_domain,
		    id->mail_from_domain) != 0)
			add(fs, 1, "make mail_from_domain agree with SES",
			    "mail_from_domain is %s but SES uses %s", cf->mail_from_domain,
			    id->mail_from_domain);
	}
}

/* Is `addr` allowed as a sender (or, in the sandbox, as a recipient)? */
static void
check_address(struct findings *fs, struct config *cf, struct sesapi *api,
    const char *addr, const char *role, int details)
{
	struct ses_identity id;
	const char *dom = strrchr(addr, '@');
	int r;

	if (dom == NULL || dom[1] == '\0')
		return;
	dom++;
	if ((r = lookup(fs, api, dom, &id)) == -1)
		return;
	if (r == 1) {
		add(fs, 0, NULL, "SES: %s %s: domain %s verified", role, addr, dom);
		if (details)
			domain_details(fs, cf, dom, &id);
		return;
	}
	if ((r = lookup(fs, api, addr, &id)) == -1)
		return;
	if (r == 1)
		add(fs, 0, NULL, "SES: %s %s verified (address)", role, addr);
	else
		add(fs, 2, "verify the address or its domain in SES (console, Identities) "
		    "in this region", "SES: %s %s: neither %s nor %s is verified in %s",
		    role, addr, addr, dom, cf->region);
}

static int
seen(char **list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* Senders of queued mail (when no `sender` rewrites them) and, in the
 * sandbox, recipients of held and failed mail. */
static void
check_queue(struct findings *fs, struct config *cf, struct sesapi *api, int sandbox)
{
	struct queue_status qs;
	struct qmsg *m;
	struct spool sp;
	char *senders[MAX_IDENTS], *rcpts[MAX_RCPTS];
	size_t ns = 0, nr = 0, k;
	ssize_t n, i;

	spool_init(&sp, cf->spool_dir);
	memset(&qs, 0, sizeof(qs));
	if ((n = qlist_load(&sp, &qs, &m)) <= 0)
		return;
	for (i = 0; i < n; i++) {
		const char *s = m[i].e.sender;

		if (cf->sender[0] == '\0' && s && strchr(s, '@') && ns < MAX_IDENTS &&
		    !seen(senders, ns, s))
			senders[ns++] = xstrdup(s);
		if (!sandbox || (m[i].area != AREA_FAILED && strcmp(m[i].state, "held") != 0))
			continue;
		for (k = 0; k < m[i].e.nrcpts && nr < MAX_RCPTS; k++) {
			const char *r = m[i].e.rcpts[k];

			if (strchr(r, '@') == NULL)
				r = config_alias(cf, r);
			if (r != NULL && !seen(rcpts, nr, r))
				rcpts[nr++] = xstrdup(r);
		}
	}
	qlist_free(m, n);
	for (k = 0; k < ns; k++) {
		check_address(fs, cf, api, senders[k], "sender of queued mail", 0);
		free(senders[k]);
	}
	for (k = 0; k < nr; k++) {
		check_address(fs, cf, api, rcpts[k], "recipient of held/failed mail "
		    "(sandbox)", 0);
		free(rcpts[k]);
	}
}

size_t
doctor_aws(struct config *cf, const char *from, struct doctor_finding *out, size_t max)
{
	struct findings fs = { out, 0, max };
	struct awscreds_chain *ch;
	struct awscreds c;
	struct sesapi *api;
	char err[1024];
	int sandbox;

	if (!account_api_enabled(cf))
		return 0;
	sesapi_client_setup(cf);
	ch = awscreds_chain_new(cf);
	if (awscreds_get(ch, 0, &c, err, sizeof(err)) != CREDS_OK) {
		add(&fs, 1, "see sesrelay.conf(5), CREDENTIALS", "AWS API: %s", err);
		awscreds_chain_free(ch);
		return fs.n;
	}
	add(&fs, 0, NULL, "AWS API credentials: %s, key %s%s", awscreds_source_name(c.source),
	    c.access_key_id, c.session_token ? " (temporary)" : "");
	awscreds_clear(&c);
	api = sesapi_new(cf, ch);
	sandbox = check_account(&fs, cf, api);
	if (sandbox != -2) {
		if (from != NULL)
			check_address(&fs, cf, api, from, "sender", 1);
		check_queue(&fs, cf, api, sandbox == 1);
	}
	sesapi_free(api);
	awscreds_chain_free(ch);
	return fs.n;
}
