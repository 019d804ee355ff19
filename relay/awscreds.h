/* SPDX-License-Identifier: ISC */
/*
 * awscreds.c: AWS credentials as the SDKs find them, first source that
 * has them wins (order in sesrelay.conf(5), CREDENTIALS):
 *   1 config keys access_key_id + secret_access_key_file
 *   2 environment AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN
 *   3 web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, or the
 *     profile's web_identity_token_file + role_arn) -> STS
 *   4 shared credentials file, then shared config file, for the profile
 *   5 container endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI)
 *   6 EC2 instance metadata, IMDSv2 only (a session token is required)
 * A source that is configured but fails stops the chain with its error (as
 * botocore does) instead of silently falling through to the next one.
 * Temporary credentials live in this process's memory only: refreshed
 * when less than 15 minutes remain, kept on a failed refresh until 5
 * minutes remain, wiped on free.  Uses awshttp.c; only API callers use it.
 */
#ifndef SESRELAY_AWSCREDS_H
#define SESRELAY_AWSCREDS_H

#include <stddef.h>
#include <time.h>

struct config;

enum awscreds_source {
	CREDS_NONE = 0,
	CREDS_CONFIG,		/* access_key_id + secret_access_key_file */
	CREDS_ENV,
	CREDS_WEB_IDENTITY,
	CREDS_SHARED_FILE,
	CREDS_CONTAINER,
	CREDS_IMDS,
};

enum awscreds_status {
	CREDS_OK = 0,
	CREDS_NOT_FOUND,	/* no source had any */
	CREDS_SOURCE_FAILED,	/* a configured source failed (see err) */
};

struct awscreds {
	enum awscreds_source source;
	char		 access_key_id[128];
	char		*secret_access_key;	/* malloc'd, wiped on free */
	char		*session_token;		/* NULL for long-term keys */
	time_t		 expiration;		/* 0 = does not expire */
	char		 origin[256];		/* where: file, profile, URL, role */
};

struct awscreds_chain;

/* A chain for this configuration (endpoints, profile, keys) and the
 * process environment.  Nothing is fetched yet. */
struct awscreds_chain *awscreds_chain_new(const struct config *cf);
void	awscreds_chain_free(struct awscreds_chain *ch);

/* Copy the current credentials into out (free with awscreds_clear),
 * fetching or refreshing them when needed.  `force` fetches anew (after
 * the API said the token expired).  On failure err says why, in the
 * operator's terms.  Thread-safe. */
enum awscreds_status awscreds_get(struct awscreds_chain *ch, int force,
	    struct awscreds *out, char *err, size_t errlen);
void	awscreds_clear(struct awscreds *c);

/* "config file keys", "environment", "web identity (STS)", ... */
const char *awscreds_source_name(enum awscreds_source s);
/* The profile's region in the shared config file, or NULL; malloc'd. */
char	*awscreds_profile_region(struct awscreds_chain *ch);
/* The region from instance metadata (IMDSv2), or NULL; malloc'd. */
char	*awscreds_imds_region(struct awscreds_chain *ch);

/* ISO 8601 "2026-01-01T12:00:00Z" (fraction allowed) -> time_t; -1 on error. */
time_t	awscreds_parse_time(const char *s);

#endif
