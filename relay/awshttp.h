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
	AWSHTTP_RESET,		/* the connection broke (send or receive) */
	AWSHTTP_ABORTED,	/* the caller's abort flag was set */
	AWSHTTP_READ,		/* the streamed body could not be read */
};

/* Credentials for SigV4; NULL in awshttp_request = send unsigned. */
struct awshttp_signer {
	const char	*access_key_id;
	const char	*secret_access_key;
	const char	*session_token;	/* NULL or "" for long-term keys */
	const char	*region;
	const char	*service;	/* "ses", "sts" */
};

/* A body handed over in pieces (a message streamed from the spool): its
 * length and hex SHA-256 must be known before the request starts, since
 * SigV4 signs the hash.  `read` is a libcurl-style READFUNCTION; returning
 * fewer bytes in all than `len` fails the request (AWSHTTP_READ). */
struct awshttp_stream {
	size_t	(*read)(char *buf, size_t size, size_t nitems, void *arg);
	void	*arg;
	size_t	 len;
	const char *sha256;
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
	const struct awshttp_stream *stream;	/* a streamed body instead of `body` */
	long		 stall_s;	/* >0: no whole-request timeout; fail when
					   under 1 kB/s for this many seconds */
	volatile int	*abort;		/* non-NULL: set it to end the request */
};

struct awshttp_response {
	enum awshttp_fail fail;
	long		 status;	/* HTTP status when fail == AWSHTTP_OK */
	char		*body;		/* malloc'd, NUL-terminated; NULL when none */
	size_t		 len;
	char		 error_type[128];	/* X-Amzn-ErrorType header, "" if none */
	char		 request_id[96];	/* x-amzn-RequestId */
	char		 detail[256];	/* for a log line: what failed, in words */
	int		 body_sent;	/* the whole request body went out */
	int		 reused;	/* ran on a connection kept from before */
	char		 peer[64];	/* "ip:port" of the server, "" if unknown */
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

/* A kept-alive connection for a series of requests to one endpoint (one
 * per thread: not shared).  HTTP/1.1, one request at a time. */
struct awshttp_conn;
struct awshttp_conn *awshttp_conn_new(void);
/* awshttp_do on c's connection, opening it when needed. */
enum awshttp_fail awshttp_do_on(struct awshttp_conn *c,
	    const struct awshttp_request *req, struct awshttp_response *resp);
/* Seconds since c's last request ended (for closing idle connections). */
double	awshttp_conn_idle(const struct awshttp_conn *c);
/* Close the connection and free c (NULL is fine). */
void	awshttp_conn_free(struct awshttp_conn *c);

/* A short name for a failure ("connection refused", "TLS"). */
const char *awshttp_fail_name(enum awshttp_fail f);

#endif
