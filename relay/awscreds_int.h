/* SPDX-License-Identifier: ISC */
/* Internal to awscreds.c and awscreds_net.c: the chain and its sources. */
#ifndef SESRELAY_AWSCREDS_INT_H
#define SESRELAY_AWSCREDS_INT_H

#include <pthread.h>

#include "awscreds.h"

#define IMDS_TIMEOUT_MS		2000	/* botocore: 1 s; a loaded host needs more */
#define CONTAINER_TIMEOUT_MS	3000
#define STS_TIMEOUT_MS		10000

struct awscreds_chain {
	pthread_mutex_t	 mu;
	char		*access_key_id;		/* config keys */
	char		*secret_file;
	char		*profile;		/* resolved profile name */
	char		*sts_endpoint;		/* resolved STS URL */
	char		*region;
	struct awscreds	 cur;
	int		 have;
	char		*imds_token;		/* IMDSv2 session token */
	time_t		 imds_token_until;
};

/* Each source: 1 = found (out filled), 0 = not configured here, -1 =
 * configured but failed (err says why). */
int	creds_web_identity(struct awscreds_chain *ch, struct awscreds *out,
	    char *err, size_t errlen);
int	creds_container(struct awscreds_chain *ch, struct awscreds *out,
	    char *err, size_t errlen);
int	creds_imds(struct awscreds_chain *ch, struct awscreds *out,
	    char *err, size_t errlen);

/* Value of `key` in profile `profile` of the shared config file (the
 * [profile NAME] / [default] convention); malloc'd or NULL. */
char	*creds_config_value(const struct awscreds_chain *ch, const char *key);
/* Fill key id / secret / token from a JSON reply with these member names
 * (container: AccessKeyId/SecretAccessKey/Token/Expiration).  0 or -1. */
int	creds_from_json(const char *body, size_t len, struct awscreds *out);
/* Read a whole small file (a token) into a malloc'd string, trailing
 * newline cut; NULL with err on failure. */
char	*creds_read_file(const char *path, char *err, size_t errlen);

#endif
