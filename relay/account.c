/* SPDX-License-Identifier: ISC */
/*
 * account.c: the cached SES account facts (run/account, JSON) and the
 * daemon's refresh thread.  See account.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "awscreds.h"
#include "awsjson.h"
#include "config.h"
#include "log.h"
#include "spool.h"
#include "util.h"

int
account_api_enabled(const struct config *cf)
{
	static const char *const hints[] = { "AWS_ACCESS_KEY_ID", "AWS_WEB_IDENTITY_TOKEN_FILE",
	    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	    "AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE" };
	const char *home = getenv("HOME");
	char path[1024];
	size_t i;

	if (strcmp(cf->aws_api, "yes") == 0)
		return 1;
	if (strcmp(cf->aws_api, "no") == 0)
		return 0;
	if (cf->access_key_id[0] || cf->max_rate_auto || cf->ses_endpoint[0] ||
	    cf->aws_profile[0] || strcmp(cf->transport, "api") == 0)
		return 1;
	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (getenv(hints[i]) && *getenv(hints[i]))
			return 1;
	snprintf(path, sizeof(path), "%s/.aws/credentials", home ? home : "/nonexistent");
	return access(path, F_OK) == 0;
}

int
account_rate_auto(const struct config *cf)
{
	return cf->max_rate_auto || (!cf->max_rate_set && account_api_enabled(cf));
}

const char *
account_region_resolve(struct config *cf)
{
	struct awscreds_chain *ch;
	const char *from = NULL;
	char *r = NULL;

	if (cf->region_set || !account_api_enabled(cf))
		return NULL;
	if ((r = getenv("AWS_REGION")) && *r)
		r = xstrdup(r), from = "AWS_REGION";
	else if ((r = getenv("AWS_DEFAULT_REGION")) && *r)
		r = xstrdup(r), from = "AWS_DEFAULT_REGION";
	else {
		sesapi_client_setup(cf);
		ch = awscreds_chain_new(cf);
		if ((r = awscreds_profile_region(ch)) != NULL)
			from = "the shared config file";
		else if ((r = awscreds_imds_region(ch)) != NULL)
			from = "EC2 instance metadata";
		awscreds_chain_free(ch);
	}
	if (r == NULL || strcmp(r, cf->region) == 0 || strspn(r, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789-") != strlen(r)) {
		free(r);
		return NULL;
	}
	log_info("region %s from %s ('region' is not set)", r, from);
	free(cf->region);
	cf->region = r;
	if (!cf->host_set) {
		free(cf->host);
		cf->host = xasprintf("email-smtp.%s.amazonaws.com", cf->region);
	}
	return from;
}

/* ---- cache file ------------------------------------------------------------ */

static char *
cache_path(const struct config *cf)
{
	struct spool sp;

	spool_init(&sp, cf->spool_dir);
	return xasprintf("%s/account", sp.run);
}

static void
cache_save(const struct config *cf, const struct account_facts *f)
{
	struct awsjson *j = awsjson_new();
	char *path = cache_path(cf), *tmp = xasprintf("%s.tmp", path), *text;
	int fd;

	awsjson_set_bool(j, "known", f->known);
	awsjson_set_number(j, "fetched", (double)f->fetched);
	awsjson_set_bool(j, "production", f->acct.production);
	awsjson_set_bool(j, "sending_enabled", f->acct.sending_enabled);
	awsjson_set_string(j, "enforcement", f->acct.enforcement);
	awsjson_set_number(j, "max_24h", f->acct.max_24h);
	awsjson_set_number(j, "sent_24h", f->acct.sent_24h);
	awsjson_set_number(j, "max_rate", f->acct.max_rate);
	awsjson_set_string(j, "review_status", f->acct.review_status);
	awsjson_set_number(j, "error_time", (double)f->error_time);
	awsjson_set_number(j, "error_status", (double)f->error_status);
	awsjson_set_string(j, "error_line", f->error_line);
	awsjson_set_string(j, "denied_action", f->denied_action);
	awsjson_set_string(j, "region", f->region);
	text = awsjson_dump(j);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd == -1 || write_all(fd, text, strlen(text)) == -1 || close(fd) == -1 ||
	    rename(tmp, path) == -1)
		log_warn("cannot write the account cache %s", path);
	free(text);
	free(tmp);
	free(path);
	awsjson_free(j);
}

int
account_cache_load(const struct config *cf, struct account_facts *f)
{
	char *path = cache_path(cf);
	struct awsjson *j = awsjson_load(path);
	double d = 0;
	const char *s;

	free(path);
	memset(f, 0, sizeof(*f));
	if (j == NULL)
		return -1;
	(void)awsjson_bool(j, "known", &f->known);
	if (awsjson_number(j, "fetched", &d) == 0)
		f->fetched = (time_t)d;
	(void)awsjson_bool(j, "production", &f->acct.production);
	(void)awsjson_bool(j, "sending_enabled", &f->acct.sending_enabled);
	(void)awsjson_number(j, "max_24h", &f->acct.max_24h);
	(void)awsjson_number(j, "sent_24h", &f->acct.sent_24h);
	(void)awsjson_number(j, "max_rate", &f->acct.max_rate);
	if (awsjson_number(j, "error_time", &d) == 0)
		f->error_time = (time_t)d;
	if (awsjson_number(j, "error_status", &d) == 0)
		f->error_status = (enum ses_status)(int)d;
#define S(key, field) if ((s = awsjson_string(j, key)) != NULL) \
		snprintf(field, sizeof(field), "%s", s)
	S("enforcement", f->acct.enforcement);
	S("review_status", f->acct.review_status);
	S("error_line", f->error_line);
	S("denied_action", f->denied_action);
	S("region", f->region);
#undef S
	awsjson_free(j);
	return 0;
}

int
account_refresh(const struct config *cf, struct sesapi *api, struct account_facts *f)
{
	struct ses_error e;
	struct ses_account a;

	snprintf(f->region, sizeof(f->region), "%s", cf->region);
	if (sesapi_get_account(api, &a, &e) == 0) {
		f->known = 1;
		f->fetched = time(NULL);
		f->acct = a;
		f->error_time = 0;
		f->error_status = SES_OK;
		f->error_line[0] = f->denied_action[0] = '\0';
		cache_save(cf, f);
		return 0;
	}
	f->error_time = time(NULL);
	f->error_status = e.status;
	ses_error_line(&e, f->error_line, sizeof(f->error_line));
	snprintf(f->denied_action, sizeof(f->denied_action), "%s",
	    e.status == SES_DENIED ? e.action : "");
	cache_save(cf, f);
	return -1;
}

/* ---- the daemon's refresh thread ----------------------------------------- */

static struct {
	pthread_t	 tid;
	int		 running;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 stop;
	struct config	 cf;		/* a private copy: the runner reloads its own */
	int		 rate_auto;
	_Atomic double	 rate;		/* published MaxSendRate, 0 = nothing new */
} w = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

double
account_rate_take(void)
{
	return atomic_exchange(&w.rate, 0.0);
}

static void
one_round(struct sesapi *api, struct account_facts *f, double *last_rate)
{
	char prev[512];

	snprintf(prev, sizeof(prev), "%s", f->error_line);
	if (account_refresh(&w.cf, api, f) == -1) {
		if (strcmp(prev, f->error_line) != 0)	/* say it once, not hourly */
			log_warnx("SES account view: %s", f->error_line);
		return;
	}
	if (prev[0])
		log_info("SES account view works again");
	if (!w.rate_auto || f->acct.max_rate <= 0)
		return;
	if (*last_rate < 0)
		log_info("max_rate = auto: SES allows %.2f messages/s for this account%s",
		    f->acct.max_rate, f->acct.production ? "" : " (sandbox)");
	else if (fabs(f->acct.max_rate - *last_rate) > 1e-9)
		log_info("max_rate = auto: SES allows %.2f messages/s for this account%s "
		    "(was %.2f)", f->acct.max_rate, f->acct.production ? "" : " (sandbox)",
		    *last_rate);
	*last_rate = f->acct.max_rate;
	atomic_store(&w.rate, f->acct.max_rate);
}

static void *
watch(void *unused)
{
	struct awscreds_chain *ch = awscreds_chain_new(&w.cf);
	struct sesapi *api = sesapi_new(&w.cf, ch);
	struct account_facts f;
	double last_rate = -1;		/* nothing adopted yet */
	struct timespec until;

	(void)unused;
	account_cache_load(&w.cf, &f);	/* keep the last facts through errors */
	f.error_line[0] = '\0';
	pthread_mutex_lock(&w.mu);
	while (!w.stop) {
		pthread_mutex_unlock(&w.mu);
		one_round(api, &f, &last_rate);
		pthread_mutex_lock(&w.mu);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += w.cf.account_refresh;
		while (!w.stop && pthread_cond_timedwait(&w.cv, &w.mu, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&w.mu);
	sesapi_free(api);
	awscreds_chain_free(ch);
	return NULL;
}

void
account_watch_start(const struct config *cf)
{
	char err[4096];

	if (!account_api_enabled(cf))
		return;
	/* Own copy of the settings: reloads replace the runner's config. */
	config_defaults(&w.cf);
	if (cf->path[0] && config_load(&w.cf, cf->path, 0, err, sizeof(err)) == -1) {
		log_warnx("SES account view off: %s", err);
		config_free(&w.cf);
		return;
	}
	w.rate_auto = account_rate_auto(cf);
	free(w.cf.region);			/* as resolved by the daemon */
	w.cf.region = xstrdup(cf->region);
	sesapi_client_setup(&w.cf);
	if (pthread_create(&w.tid, NULL, watch, NULL) != 0) {
		log_warnx("SES account view off: cannot start its thread");
		config_free(&w.cf);
		return;
	}
	w.running = 1;
	log_info("SES account view on: GetAccount every %d s%s", w.cf.account_refresh,
	    w.rate_auto ? ", max_rate follows the account" : "");
}

void
account_watch_stop(void)
{
	if (!w.running)
		return;
	pthread_mutex_lock(&w.mu);
	w.stop = 1;
	pthread_cond_signal(&w.cv);
	pthread_mutex_unlock(&w.mu);
	pthread_join(w.tid, NULL);	/* an API call in flight ends within its timeout */
	config_free(&w.cf);
	w.running = 0;
}
