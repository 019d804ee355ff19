/* SPDX-License-Identifier: ISC */
/*
 * awscreds.c: the credential chain (order and rules in awscreds.h), the
 * local sources (config keys, environment, shared files) and the cache
 * with its refresh policy.  The network sources are in awscreds_net.c.
 */
#include <sys/prctl.h>

#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "awscreds_int.h"
#include "awsjson.h"
#include "config.h"
#include "log.h"
#include "util.h"

#define REFRESH_BEFORE	(15 * 60)	/* botocore's advisory refresh */
#define KEEP_UNTIL	(5 * 60)	/* a failed refresh keeps these until then */

const char *
awscreds_source_name(enum awscreds_source s)
{
	switch (s) {
	case CREDS_NONE:		return "none";
	case CREDS_CONFIG:		return "configuration (access_key_id, secret_access_key_file)";
	case CREDS_ENV:			return "environment (AWS_ACCESS_KEY_ID)";
	case CREDS_WEB_IDENTITY:	return "web identity (STS AssumeRoleWithWebIdentity)";
	case CREDS_SHARED_FILE:		return "shared credentials/config file";
	case CREDS_CONTAINER:		return "container credentials endpoint";
	case CREDS_IMDS:		return "EC2 instance metadata (IMDSv2)";
	}
	return "?";
}

void
awscreds_clear(struct awscreds *c)
{
	if (c->secret_access_key) {
		explicit_bzero(c->secret_access_key, strlen(c->secret_access_key));
		free(c->secret_access_key);
	}
	if (c->session_token) {
		explicit_bzero(c->session_token, strlen(c->session_token));
		free(c->session_token);
	}
	memset(c, 0, sizeof(*c));
}

static void
copy_creds(struct awscreds *dst, const struct awscreds *src)
{
	*dst = *src;
	dst->secret_access_key = xstrdup(src->secret_access_key);
	dst->session_token = src->session_token ? xstrdup(src->session_token) : NULL;
}

time_t
awscreds_parse_time(const char *s)
{
	struct tm tm;
	const char *e;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (e = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*e == '.')			/* fraction of a second */
		for (e++; isdigit((unsigned char)*e); e++)
			;
	if (*e != 'Z' && strcmp(e, "+00:00") != 0)
		return -1;
	return timegm(&tm);
}

char *
creds_read_file(const char *path, char *err, size_t errlen)
{
	char buf[16384];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	if (n == 0) {
		snprintf(err, errlen, "%s is empty", path);
		return NULL;
	}
	return xstrdup(buf);
}

int
creds_from_json(const char *body, size_t len, struct awscreds *out)
{
	struct awsjson *j = awsjson_parse(body, len);
	const char *id, *sk, *tok, *exp;

	id = awsjson_string(j, "AccessKeyId");
	sk = awsjson_string(j, "SecretAccessKey");
	tok = awsjson_string(j, "Token");
	exp = awsjson_string(j, "Expiration");
	if (id == NULL || sk == NULL || *id == '\0' || *sk == '\0' ||
	    strlen(id) >= sizeof(out->access_key_id)) {
		awsjson_free(j);
		return -1;
	}
	snprintf(out->access_key_id, sizeof(out->access_key_id), "%s", id);
	out->secret_access_key = xstrdup(sk);
	out->session_token = tok && *tok ? xstrdup(tok) : NULL;
	out->expiration = exp ? awscreds_parse_time(exp) : 0;
	if (out->expiration == (time_t)-1)
		out->expiration = time(NULL) + 600;	/* unreadable: refresh soon */
	awsjson_free(j);
	return 0;
}

/* ---- source 1: config keys --------------------------------------------- */

static int
from_config(struct awscreds_chain *ch, struct awscreds *out, char *err, size_t errlen)
{
	char *secret;

	if (ch->access_key_id == NULL)
		return 0;
	if ((secret = config_read_secret(ch->secret_file, "secret_access_key_file",
	    err, errlen)) == NULL)
		return -1;
	snprintf(out->access_key_id, sizeof(out->access_key_id), "%s", ch->access_key_id);
	out->secret_access_key = secret;
	snprintf(out->origin, sizeof(out->origin), "%s", ch->secret_file);
	return 1;
}

/* ---- source 2: environment ---------------------------------------------- */

static int
from_env(struct awscreds_chain *ch, struct awscreds *out, char *err, size_t errlen)
{
	const char *id = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
	const char *tok = getenv("AWS_SESSION_TOKEN");

	(void)ch;
	if ((id == NULL || *id == '\0') && (sk == NULL || *sk == '\0'))
		return 0;
	if (id == NULL || *id == '\0' || sk == NULL || *sk == '\0' ||
	    strlen(id) >= sizeof(out->access_key_id)) {
		snprintf(err, errlen, "the environment sets only one of AWS_ACCESS_KEY_ID "
		    "and AWS_SECRET_ACCESS_KEY");
		return -1;
	}
	snprintf(out->access_key_id, sizeof(out->access_key_id), "%s", id);
	out->secret_access_key = xstrdup(sk);
	out->session_token = tok && *tok ? xstrdup(tok) : NULL;
	snprintf(out->origin, sizeof(out->origin), "process environment");
	return 1;
}

/* ---- source 4: shared files --------------------------------------------- */

static char *
home_file(const char *env, const char *name)
{
	const char *v = getenv(env), *home = getenv("HOME");
	struct passwd *pw;

	if (v && *v)
		return xstrdup(v);
	if ((home == NULL || *home == '\0') && (pw = getpwuid(getuid())) != NULL)
		home = pw->pw_dir;
	return home ? xasprintf("%s/.aws/%s", home, name) : NULL;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
		;
	*e = '\0';
	return s;
}

/* The value of key in [section] of an INI file (AWS shared-file format). */
static char *
ini_value(const char *path, const char *section, const char *key)
{
	char line[4096], *val = NULL;
	int in = 0;
	FILE *f;

	if (path == NULL || (f = fopen(path, "re")) == NULL)
		return NULL;
	while (val == NULL && fgets(line, sizeof(line), f) != NULL) {
		char *l = trim(line), *eq;

		if (*l == '\0' || *l == '#' || *l == ';')
			continue;
		if (*l == '[') {
			char *end = strrchr(l, ']');

			if (end != NULL) {
				*end = '\0';
				in = strcmp(trim(l + 1), section) == 0;
			}
			continue;
		}
		if (!in || (eq = strchr(l, '=')) == NULL)
			continue;
		*eq = '\0';
		if (strcmp(trim(l), key) == 0)
			val = xstrdup(trim(eq + 1));
	}
	explicit_bzero(line, sizeof(line));
	fclose(f);
	return val;
}

char *
creds_config_value(const struct awscreds_chain *ch, const char *key)
{
	char *path = home_file("AWS_CONFIG_FILE", "config"), *sect, *v;

	sect = strcmp(ch->profile, "default") == 0 ? xstrdup("default") :
	    xasprintf("profile %s", ch->profile);
	v = ini_value(path, sect, key);
	free(sect);
	free(path);
	return v;
}

char *
awscreds_profile_region(struct awscreds_chain *ch)
{
	return creds_config_value(ch, "region");
}

static int
fill_from_ini(struct awscreds *out, char *id, char *sk, char *tok, const char *path,
    const char *profile)
{
	if (id == NULL || sk == NULL || strlen(id) >= sizeof(out->access_key_id)) {
		free(id);
		if (sk)
			explicit_bzero(sk, strlen(sk));
		free(sk);
		free(tok);
		return 0;
	}
	snprintf(out->access_key_id, sizeof(out->access_key_id), "%s", id);
	out->secret_access_key = sk;
	out->session_token = tok;
	snprintf(out->origin, sizeof(out->origin), "profile %s in %s", profile, path);
	free(id);
	return 1;
}

static int
from_shared_files(struct awscreds_chain *ch, struct awscreds *out, char *err,
    size_t errlen)
{
	char *path = home_file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
	int r;

	(void)err;
	(void)errlen;
	r = fill_from_ini(out, ini_value(path, ch->profile, "aws_access_key_id"),
	    ini_value(path, ch->profile, "aws_secret_access_key"),
	    ini_value(path, ch->profile, "aws_session_token"), path ? path : "", ch->profile);
	free(path);
	if (r)
		return r;
	path = home_file("AWS_CONFIG_FILE", "config");
	r = fill_from_ini(out, creds_config_value(ch, "aws_access_key_id"),
	    creds_config_value(ch, "aws_secret_access_key"),
	    creds_config_value(ch, "aws_session_token"), path ? path : "", ch->profile);
	free(path);
	return r;
}

/* ---- the chain ------------------------------------------------------------ */

static const struct {
	enum awscreds_source src;
	int (*fn)(struct awscreds_chain *, struct awscreds *, char *, size_t);
} sources[] = {
	{ CREDS_CONFIG,		from_config },
	{ CREDS_ENV,		from_env },
	{ CREDS_WEB_IDENTITY,	creds_web_identity },
	{ CREDS_SHARED_FILE,	from_shared_files },
	{ CREDS_CONTAINER,	creds_container },
	{ CREDS_IMDS,		creds_imds },
};

static enum awscreds_status
run_chain(struct awscreds_chain *ch, struct awscreds *out, char *err, size_t errlen)
{
	char e[512];
	size_t i;
	int r;

	for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		memset(out, 0, sizeof(*out));
		e[0] = '\0';
		r = sources[i].fn(ch, out, e, sizeof(e));
		if (r == 1) {
			out->source = sources[i].src;
			return CREDS_OK;
		}
		awscreds_clear(out);
		if (r == -1) {
			snprintf(err, errlen, "%s: %s", awscreds_source_name(sources[i].src), e);
			return CREDS_SOURCE_FAILED;
		}
	}
	snprintf(err, errlen, "no AWS credentials found (set access_key_id and "
	    "secret_access_key_file, or give the host a role: see sesrelay.conf(5), "
	    "CREDENTIALS)");
	return CREDS_NOT_FOUND;
}

struct awscreds_chain *
awscreds_chain_new(const struct config *cf)
{
	struct awscreds_chain *ch = xcalloc(1, sizeof(*ch));
	const char *p = cf->aws_profile;

	pthread_mutex_init(&ch->mu, NULL);
	if (cf->access_key_id[0] != '\0') {
		ch->access_key_id = xstrdup(cf->access_key_id);
		ch->secret_file = xstrdup(cf->secret_access_key_file);
	}
	if (*p == '\0')
		p = getenv("AWS_PROFILE");
	if (p == NULL || *p == '\0')
		p = getenv("AWS_DEFAULT_PROFILE");
	ch->profile = xstrdup(p && *p ? p : "default");
	ch->region = xstrdup(cf->region);
	ch->sts_endpoint = cf->sts_endpoint[0] ? xstrdup(cf->sts_endpoint) :
	    xasprintf("https://sts.%s.amazonaws.com/", cf->region);
	return ch;
}

void
awscreds_chain_free(struct awscreds_chain *ch)
{
	if (ch == NULL)
		return;
	awscreds_clear(&ch->cur);
	if (ch->imds_token) {
		explicit_bzero(ch->imds_token, strlen(ch->imds_token));
		free(ch->imds_token);
	}
	free(ch->access_key_id);
	free(ch->secret_file);
	free(ch->profile);
	free(ch->region);
	free(ch->sts_endpoint);
	pthread_mutex_destroy(&ch->mu);
	free(ch);
}

/* Secrets in memory: no core dump may carry them.  Not under ASan, whose
 * leak checker must ptrace the process at exit. */
static void
no_core_dumps(void)
{
#ifndef __SANITIZE_ADDRESS__
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}

enum awscreds_status
awscreds_get(struct awscreds_chain *ch, int force, struct awscreds *out,
    char *err, size_t errlen)
{
	struct awscreds fresh;
	enum awscreds_status st = CREDS_OK;
	time_t now = time(NULL);

	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	pthread_mutex_lock(&ch->mu);
	if (ch->have && !force &&
	    (ch->cur.expiration == 0 || ch->cur.expiration - now > REFRESH_BEFORE))
		goto done;
	st = run_chain(ch, &fresh, err, errlen);
	if (st == CREDS_OK) {
		if (ch->have && strcmp(ch->cur.access_key_id, fresh.access_key_id) != 0)
			log_info("AWS credentials renewed from %s: key %s, %s",
			    awscreds_source_name(fresh.source), fresh.access_key_id,
			    fresh.expiration ? "temporary" : "long-term");
		awscreds_clear(&ch->cur);
		ch->cur = fresh;
		ch->have = 1;
		no_core_dumps();
	} else if (ch->have && !force && ch->cur.expiration - now > KEEP_UNTIL) {
		log_warnx("AWS credentials refresh failed, using the current ones "
		    "(valid %ld more min): %s", (long)(ch->cur.expiration - now) / 60, err);
		st = CREDS_OK;
	}
done:
	if (st == CREDS_OK)
		copy_creds(out, &ch->cur);
	pthread_mutex_unlock(&ch->mu);
	return st;
}
