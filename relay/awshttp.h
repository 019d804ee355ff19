/* SPDX-License-Identifier: ISC */
/*
 * awshttp.c: the HTTP(S) client for AWS endpoints (SES v2, STS, instance
 * metadata, container credentials).  The only file that knows libcurl's
 * HTTP side; the SMTP transport (smtp.c) is its sibling.  One request per
 * call, blocking, thread-safe (no shared handle).  Signs with SigV4 when
 * asked.  Transport failures come back as enum awshttp_fail, never as
 * libcurl's numbers or text to re-parse.
 */
#ifndef SESRELAY_AWSHTTP_H
#define SESRELAY_AWSHTTP_H

#include <stddef.h>

enum awshttp_fail {
	AWSHTTP_OK = 0,		/* a reply came (any HTTP status) */
	AWSHTTP_BAD_URL,	/* not http(s)://host[:port]/... */
	AWSHTTP_RESOLVE,	/* host name not found */
	AWSHTTP_CONNECT,	/* refused or unreachable */
	AWSHTTP_TLS,		/* handshake or certificate verification */
	AWSHTTP_TIMEOUT,
	AWSHTTP_TOO_BIG,	/* reply body over the limit */
	AWSHTTP_SIGN,		/* signing failed (OpenSSL) */
	AWSHTTP_OTHER,
};

/* Credentials for SigV4; NULL in awshttp_request = send unsigned. */
struct awshttp_signer {
	const char	*access_key_id;
	const char	*secret_access_key;
	const char	*session_token;	/* NULL or "" for long-term keys */
	const char	*region;
	const char	*service;	/* "ses", "sts" */
};

struct awshttp_request {
	const char	*method;	/* "GET", "POST", "PUT" */
	const char	*url;		/* path and query already percent-encoded */
	const char	*const *headers; /* NULL-terminated "Name: value" list (signed too) */
	const char	*body;		/* NULL = none */
	size_t		 bodylen;
	const struct awshttp_signer *sign;
	int		 direct;	/* never through a proxy (link-local metadata) */
	long		 timeout_ms;	/* whole request; 0 = 10 s */
};

struct awshttp_response {
	enum awshttp_fail fail;
	long		 status;	/* HTTP status when fail == AWSHTTP_OK */
	char		*body;		/* malloc'd, NUL-terminated; NULL when none */
	size_t		 len;
	char		 error_type[128];	/* X-Amzn-ErrorType header, "" if none */
	char		 request_id[96];	/* x-amzn-RequestId */
	char		 detail[256];	/* for a log line: what failed, in words */
};

/* Settings shared by every request of a process (set once at start). */
struct awshttp_conf {
	const char	*ca_file;	/* "" or NULL = system store */
	long		 connect_timeout_ms;
};
void	awshttp_configure(const struct awshttp_conf *conf);

/* Perform one request.  Returns resp->fail (0 when a reply came). */
enum awshttp_fail awshttp_do(const struct awshttp_request *req,
	    struct awshttp_response *resp);
void	awshttp_response_free(struct awshttp_response *resp);

/* A short name for a failure ("connection refused", "TLS"). */
const char *awshttp_fail_name(enum awshttp_fail f);

#endif
