/* SPDX-License-Identifier: ISC */
/*
 * account.c: what SES says about the account, cached.  The daemon asks
 * (GetAccount) every account_refresh seconds in a thread of its own and
 * writes run/account in the spool; `status` and `doctor` read that file,
 * so a monitoring check never costs an API call.  With max_rate = auto the
 * thread also publishes the account's MaxSendRate for the runner.
 */
#ifndef SESRELAY_ACCOUNT_H
#define SESRELAY_ACCOUNT_H

#include <time.h>

#include "sesapi.h"

struct config;

struct account_facts {
	int		 known;		/* a GetAccount answer was ever cached */
	time_t		 fetched;	/* time of that answer */
	struct ses_account acct;
	time_t		 error_time;	/* last failed refresh (0 = the last one worked) */
	enum ses_status	 error_status;
	char		 error_line[512];	/* ses_error_line() */
	char		 denied_action[64];	/* IAM action to add, "" unless denied */
	char		 region[32];
};

/* Is the AWS API in use?  aws_api = yes/no, or for "auto": configured keys,
 * an SDK environment variable, a shared credentials file, max_rate = auto. */
int	account_api_enabled(const struct config *cf);
/* max_rate follows the account's MaxSendRate (auto, or unset with the API on). */
int	account_rate_auto(const struct config *cf);

/* When the file sets no 'region' and the API is in use, take it as the
 * SDKs do: AWS_REGION, AWS_DEFAULT_REGION, the profile's region in the
 * shared config file, then EC2 instance metadata (IMDSv2); 'host' follows
 * when it was not set either.  Logs and returns where it came from (NULL
 * when cf->region stays). */
const char *account_region_resolve(struct config *cf);

/* Ask SES now and update the cache file; 0, or -1 (facts->error_*). */
int	account_refresh(const struct config *cf, struct sesapi *api,
	    struct account_facts *facts);
/* Read the cache; 0, or -1 when there is none. */
int	account_cache_load(const struct config *cf, struct account_facts *facts);

/* Daemon: start/stop the refresh thread (no-op when the API is off). */
void	account_watch_start(const struct config *cf);
void	account_watch_stop(void);
/* The account's MaxSendRate published since the last call, else 0.  The
 * runner calls this from its loop (max_rate = auto only). */
double	account_rate_take(void);

#endif
