/* SPDX-License-Identifier: ISC */
/*
 * account_view.c: the SES account part of `sesrelay status`, from the
 * daemon's cache (run/account): sandbox or production, sending enabled or
 * paused, enforcement status, 24-hour quota and rate.  Sending paused is
 * CRITICAL (nothing will go out); a quota nearly used and PROBATION are
 * WARNING, before SES answers 454.  An API error (e.g. a denied call) is
 * shown but never changes the level: it is not a failure of the relay.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "account_view.h"
#include "awsjson.h"
#include "config.h"
#include "qlist.h"

static double
quota_percent(const struct ses_account *a)
{
	return a->max_24h > 0 ? 100.0 * a->sent_24h / a->max_24h : 0;
}

static int
paused(const struct ses_account *a)
{
	return !a->sending_enabled || strcmp(a->enforcement, "SHUTDOWN") == 0;
}

static void
raise_level(int *level, const char **why, char *buf, size_t len, int lv, const char *text)
{
	if (lv > *level) {
		*level = lv;
		snprintf(buf, len, "%s", text);
		*why = buf;
	} else if (lv == *level && lv > 0) {
		char old[1024];

		snprintf(old, sizeof(old), "%s", *why);
		snprintf(buf, len, "%s; %s", old, text);
		*why = buf;
	}
}

void
account_status(const struct config *cf, struct account_facts *f, int *level,
    const char **why, char *buf, size_t len)
{
	char t[512];

	if (account_cache_load(cf, f) == -1 || !f->known)
		return;
	/* Facts the daemon has not renewed for three rounds are shown with
	 * their age but no longer decide the level. */
	if (time(NULL) - f->fetched > 3L * cf->account_refresh + 60)
		return;
	if (paused(&f->acct)) {
		snprintf(t, sizeof(t), "SES sending is PAUSED for this account in %s "
		    "(SendingEnabled %s, EnforcementStatus %s): see the SES console's "
		    "reputation page", f->region, f->acct.sending_enabled ? "true" : "false",
		    f->acct.enforcement[0] ? f->acct.enforcement : "?");
		raise_level(level, why, buf, len, 2, t);
		return;
	}
	if (f->acct.max_24h > 0 && quota_percent(&f->acct) >= cf->quota_warn_percent) {
		snprintf(t, sizeof(t), "SES 24 h quota %.0f%% used (%.0f of %.0f recipients)",
		    quota_percent(&f->acct), f->acct.sent_24h, f->acct.max_24h);
		raise_level(level, why, buf, len, 1, t);
	}
	if (strcmp(f->acct.enforcement, "PROBATION") == 0)
		raise_level(level, why, buf, len, 1, "SES account under review (PROBATION): "
		    "bounce or complaint rate too high");
}

void
account_status_text(FILE *out, const struct config *cf, const struct account_facts *f)
{
	const struct ses_account *a = &f->acct;
	char b[64];

	if (f->known) {
		fprintf(out, "SES account:     %s, sending %s, %s (%s, as of %s)\n",
		    a->production ? "production" : "SANDBOX", paused(a) ? "PAUSED" : "enabled",
		    a->enforcement[0] ? a->enforcement : "enforcement unknown", f->region,
		    qlist_ago((long)f->fetched, (long)time(NULL), b, sizeof(b)));
		if (!a->production)
			fprintf(out, "sandbox:         mail goes only to verified recipients; "
			    "request production access in the SES console\n");
		if (a->max_24h < 0)
			fprintf(out, "SES 24 h quota:  unlimited, max %.2f/s\n", a->max_rate);
		else
			fprintf(out, "SES 24 h quota:  %.0f of %.0f recipients used (%.0f%%, "
			    "warning at %d%%), max %.2f/s\n", a->sent_24h, a->max_24h,
			    quota_percent(a), cf->quota_warn_percent, a->max_rate);
		if (account_rate_auto(cf))
			fprintf(out, "max_rate:        auto (follows the account's %.2f/s)\n",
			    a->max_rate);
	}
	if (f->error_time && f->error_line[0])
		fprintf(out, "SES API:         %s (%s)\n", f->error_line,
		    qlist_ago((long)f->error_time, (long)time(NULL), b, sizeof(b)));
}

void
account_status_json(FILE *out, const struct account_facts *f)
{
	const struct ses_account *a = &f->acct;

	if (!f->known && !f->error_time)
		return;
	fputs(",\"ses_account\":{", out);
	if (f->known)
		fprintf(out, "\"fetched\":%ld,\"production\":%s,\"sending_enabled\":%s,"
		    "\"paused\":%s,\"max_24h\":%.0f,\"sent_24h\":%.0f,\"quota_percent\":%.1f,"
		    "\"max_rate\":%.2f,\"enforcement\":", (long)f->fetched,
		    a->production ? "true" : "false", a->sending_enabled ? "true" : "false",
		    paused(a) ? "true" : "false", a->max_24h, a->sent_24h, quota_percent(a),
		    a->max_rate);
	else
		fputs("\"enforcement\":", out);
	awsjson_print_string(out, a->enforcement);
	fputs(",\"region\":", out);
	awsjson_print_string(out, f->region);
	fputs(",\"error\":", out);
	awsjson_print_string(out, f->error_time ? f->error_line : "");
	fputs(",\"denied_action\":", out);
	awsjson_print_string(out, f->denied_action);
	fputc('}', out);
}
