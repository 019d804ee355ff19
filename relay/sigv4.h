/* SPDX-License-Identifier: ISC */
/*
 * sigv4.c: AWS Signature Version 4, header form (shared/ses-api.md section 1).
 * Pure: a request description in, the canonical request, string to sign
 * and signature out.  No I/O, no clock, no libcurl: the HTTP client
 * (awshttp.c) builds the request, calls this and sends what it got.
 */
#ifndef SESRELAY_SIGV4_H
#define SESRELAY_SIGV4_H

#include <stddef.h>
#include <time.h>

struct sigv4_header {
	const char	*name;		/* any case; lower-cased for signing */
	const char	*value;		/* trimmed, inner blank runs collapsed */
};

struct sigv4_request {
	const char	*method;	/* "GET", "POST" */
	const char	*path;		/* as on the wire ("/v2/email/identities/a%40b") */
	const char	*query;		/* without '?'; NULL or "" = none */
	/* Every header to sign, including host and x-amz-date (and the
	 * session token): what is listed here is what gets signed. */
	const struct sigv4_header *headers;
	size_t		 nheaders;
	const void	*body;
	size_t		 bodylen;
	int		 no_normalize;	/* S3 only: keep "//" and "..", encode once */
	/* Hex SHA-256 of a body streamed later (not in `body`), or NULL. */
	const char	*payload_hash;
};

struct sigv4_scope {
	const char	*access_key_id;
	const char	*secret_access_key;
	const char	*region;	/* "eu-west-1" */
	const char	*service;	/* signing name: "ses", "sts", "sqs" */
	const char	*amz_date;	/* "20150830T123600Z", the x-amz-date value */
};

struct sigv4_result {
	char	*canonical_request;	/* malloc'd */
	char	*string_to_sign;	/* malloc'd */
	char	*signed_headers;	/* malloc'd, "host;x-amz-date" */
	char	 signature[65];		/* lower-case hex */
	char	*authorization;		/* malloc'd: the Authorization header value */
};

/* Sign.  0, or -1 when the scope is malformed (amz_date not 16 characters
 * ending in Z) or OpenSSL fails; `res` is then empty. */
int	sigv4_sign(const struct sigv4_request *req, const struct sigv4_scope *scope,
	    struct sigv4_result *res);
void	sigv4_result_free(struct sigv4_result *res);

/* The x-amz-date form of t: "YYYYMMDDTHHMMSSZ" (UTC) into out[17]. */
void	sigv4_amz_date(time_t t, char out[17]);

/* Lower-case hex SHA-256 of data into out[65]. 0 or -1 (OpenSSL). */
int	sigv4_sha256_hex(const void *data, size_t len, char out[65]);

/* SHA-256 over data given in pieces (a body streamed from disk). */
struct sigv4_sha256;
struct sigv4_sha256 *sigv4_sha256_new(void);
void	sigv4_sha256_update(struct sigv4_sha256 *h, const void *data, size_t len);
/* Lower-case hex digest into out[65] and free h.  0 or -1 (OpenSSL). */
int	sigv4_sha256_finish(struct sigv4_sha256 *h, char out[65]);

/* Percent-encode every byte but A-Z a-z 0-9 - . _ ~ (and '/' when
 * keep_slash): the UriEncode of SigV4, also right for SES v2 path labels
 * and form bodies.  Returns a malloc'd string. */
char	*sigv4_uri_encode(const char *s, size_t len, int keep_slash);

#endif
