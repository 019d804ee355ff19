/* SPDX-License-Identifier: ISC */
/*
 * sesapi.c: the SES v2 API calls sesrelay makes (shared/ses-api.md 3),
 * over awshttp.c with credentials from awscreds.c.  Replies become C
 * structs; errors become enum ses_status plus the AWS error code and the
 * IAM action the call needs, so callers never read English.
 */
#ifndef SESRELAY_SESAPI_H
#define SESRELAY_SESAPI_H

#include <stddef.h>

struct config;
struct awscreds_chain;

enum ses_status {
	SES_OK = 0,
	SES_NO_CREDENTIALS,	/* the chain found none, or its source failed */
	SES_DENIED,		/* AccessDenied: add `action` to the IAM policy */
	SES_BAD_CREDENTIALS,	/* unknown key, wrong secret, expired token */
	SES_CLOCK,		/* RequestExpired / signature not yet current */
	SES_THROTTLED,		/* TooManyRequests, Throttling */
	SES_NOT_FOUND,		/* NotFoundException (identity unknown to SES) */
	SES_BAD_REQUEST,
	SES_SERVER,		/* 5xx: try later */
	SES_TRANSPORT,		/* no reply: DNS, connect, TLS, timeout */
	SES_MALFORMED,		/* a reply we do not understand */
};

struct ses_error {
	enum ses_status	 status;
	long		 http_status;
	char		 code[96];	/* AWS error code ("AccessDeniedException") */
	char		 message[512];	/* AWS's words or ours, for display */
	const char	*action;	/* IAM action of the call ("ses:GetAccount") */
};

struct ses_account {
	int	 production;		/* ProductionAccessEnabled; 0 = sandbox */
	int	 sending_enabled;
	char	 enforcement[32];	/* HEALTHY, PROBATION, SHUTDOWN ("" unknown) */
	double	 max_24h;		/* -1 = unlimited */
	double	 sent_24h;
	double	 max_rate;		/* per second */
	char	 review_status[32];	/* Details.ReviewDetails.Status, "" if none */
};

struct ses_identity {
	char	 type[32];		/* EMAIL_ADDRESS, DOMAIN, MANAGED_DOMAIN */
	int	 verified_for_sending;
	char	 verification[32];	/* VerificationStatus */
	int	 dkim_signing;
	char	 dkim_status[32];
	char	 dkim_tokens[3][128];
	size_t	 ndkim_tokens;
	char	 mail_from_domain[256];
	char	 mail_from_status[32];
};

struct sesapi;

/* Process-wide settings of the AWS HTTP client (aws_ca_file, timeouts). */
void	sesapi_client_setup(const struct config *cf);

/* An API client for cf's region and ses_endpoint, using `creds` (not
 * owned).  Cheap: no request is made here. */
struct sesapi *sesapi_new(const struct config *cf, struct awscreds_chain *creds);
void	sesapi_free(struct sesapi *api);

int	sesapi_get_account(struct sesapi *api, struct ses_account *out,
	    struct ses_error *err);
/* identity: an address or a domain. */
int	sesapi_get_identity(struct sesapi *api, const char *identity,
	    struct ses_identity *out, struct ses_error *err);

/* The SES v2 endpoint URL for cf (ses_endpoint, else the region's),
 * without a trailing '/'.  malloc'd. */
char	*sesapi_endpoint_url(const struct config *cf);

struct awshttp_response;
/* Read an AWS error reply (status >= 300) into e: code, message, status. */
void	sesapi_parse_error(const struct awshttp_response *r, struct ses_error *e);

/* "access denied", "throttled", ... */
const char *ses_status_name(enum ses_status s);
/* One line for the operator: what happened and what to do. */
void	ses_error_line(const struct ses_error *e, char *buf, size_t len);

#endif
