/* SPDX-License-Identifier: ISC */
/*
 * awshttp.c: one HTTP(S) request to an AWS endpoint over libcurl, signed
 * with SigV4 (sigv4.c) when the caller gives credentials.  We sign what we
 * send: the Host header and every listed header are set here explicitly,
 * so the canonical request and the wire cannot drift apart (libcurl 7.88's
 * own CURLOPT_AWS_SIGV4 gets encoded paths and queries wrong, see
 * shared/ses-api.md 1.14).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "awshttp.h"
#include "log.h"
#include "sigv4.h"
#include "util.h"

#define MAX_BODY (1024 * 1024)	/* AWS control-plane replies are small */
#define MAX_HEADERS 24

static struct {
	char	*ca_file;
	long	 connect_timeout_ms;
} conf = { NULL, 5000 };

void
awshttp_configure(const struct awshttp_conf *c)
{
	static int inited;

	if (!inited++)		/* reference-counted by libcurl: harmless twice */
		curl_global_init(CURL_GLOBAL_DEFAULT);
	free(conf.ca_file);
	conf.ca_file = c->ca_file && *c->ca_file ? xstrdup(c->ca_file) : NULL;
	conf.connect_timeout_ms = c->connect_timeout_ms > 0 ? c->connect_timeout_ms : 5000;
}

const char *
awshttp_fail_name(enum awshttp_fail f)
{
	switch (f) {
	case AWSHTTP_OK:	return "ok";
	case AWSHTTP_BAD_URL:	return "malformed URL";
	case AWSHTTP_RESOLVE:	return "host name not found";
	case AWSHTTP_CONNECT:	return "cannot connect";
	case AWSHTTP_TLS:	return "TLS handshake or certificate";
	case AWSHTTP_TIMEOUT:	return "timed out";
	case AWSHTTP_TOO_BIG:	return "reply too large";
	case AWSHTTP_SIGN:	return "signing failed";
	case AWSHTTP_RESET:	return "connection broke";
	case AWSHTTP_ABORTED:	return "aborted";
	case AWSHTTP_READ:	return "local read error";
	case AWSHTTP_OTHER:	break;
	}
	return "transfer failed";
}

static enum awshttp_fail
map_curl(CURLcode cc)
{
	switch (cc) {
	case CURLE_OK:			return AWSHTTP_OK;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL: return AWSHTTP_BAD_URL;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY: return AWSHTTP_RESOLVE;
	case CURLE_COULDNT_CONNECT:	return AWSHTTP_CONNECT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:	return AWSHTTP_TLS;
	case CURLE_OPERATION_TIMEDOUT:	return AWSHTTP_TIMEOUT;
	case CURLE_WRITE_ERROR:		return AWSHTTP_TOO_BIG;	/* only our cap refuses */
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:	return AWSHTTP_RESET;
	case CURLE_ABORTED_BY_CALLBACK:	return AWSHTTP_ABORTED;
	case CURLE_READ_ERROR:		return AWSHTTP_READ;
	default:			return AWSHTTP_OTHER;
	}
}

/* "https://host:port/path?query" -> authority, path, query (malloc'd). */
static int
split_url(const char *url, char **authority, char **path, char **query)
{
	const char *p, *a, *q;

	if (strncmp(url, "https://", 8) == 0)
		a = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		a = url + 7;
	else
		return -1;
	p = a + strcspn(a, "/?#");
	if (p == a || *p == '#')
		return -1;
	*authority = xstrndup(a, (size_t)(p - a));
	if (strchr(*authority, '@') != NULL) {	/* no user info in AWS URLs */
		free(*authority);
		return -1;
	}
	q = strchr(p, '?');
	*path = *p == '/' ? xstrndup(p, q ? (size_t)(q - p) : strlen(p)) : xstrdup("/");
	*query = q ? xstrdup(q + 1) : NULL;
	return 0;
}

static size_t
on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct awshttp_response *r = arg;
	size_t n = size * nmemb;

	if (r->len + n > MAX_BODY)
		return 0;
	r->body = xrealloc(r->body, r->len + n + 1);
	memcpy(r->body + r->len, ptr, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

static void
header_value(const char *line, size_t n, size_t namelen, char *out, size_t outlen)
{
	const char *v = line + namelen;
	size_t l;

	while (v < line + n && (*v == ' ' || *v == '\t'))
		v++;
	l = (size_t)(line + n - v);
	while (l > 0 && (v[l - 1] == '\r' || v[l - 1] == '\n' || v[l - 1] == ' '))
		l--;
	if (l >= outlen)
		l = outlen - 1;
	memcpy(out, v, l);
	out[l] = '\0';
}

static size_t
on_header(char *line, size_t size, size_t nmemb, void *arg)
{
	struct awshttp_response *r = arg;
	size_t n = size * nmemb;

	if (n > 17 && strncasecmp(line, "x-amzn-errortype:", 17) == 0)
		header_value(line, n, 17, r->error_type, sizeof(r->error_type));
	else if (n > 17 && strncasecmp(line, "x-amzn-requestid:", 17) == 0)
		header_value(line, n, 17, r->request_id, sizeof(r->request_id));
	return n;
}

/* Header list for the wire and, with a signer, the same list signed. */
static int
build_headers(const struct awshttp_request *req, const char *authority,
    const char *path, const char *query, struct curl_slist **out)
{
	struct sigv4_header h[MAX_HEADERS];
	struct sigv4_result res;
	char date[17], *names[MAX_HEADERS] = { NULL }, *line;
	size_t n = 0, i;
	int rc = 0;

	h[n].name = "Host";
	h[n++].value = authority;
	if (req->sign != NULL) {
		sigv4_amz_date(time(NULL), date);
		h[n].name = "X-Amz-Date";
		h[n++].value = date;
		if (req->sign->session_token && *req->sign->session_token) {
			h[n].name = "X-Amz-Security-Token";
			h[n++].value = req->sign->session_token;
		}
	}
	for (i = 0; req->headers && req->headers[i] && n < MAX_HEADERS; i++) {
		const char *c = strchr(req->headers[i], ':');

		if (c == NULL)
			continue;
		names[n] = xstrndup(req->headers[i], (size_t)(c - req->headers[i]));
		h[n].name = names[n];
		h[n++].value = c + 1;
	}
	for (i = 0; i < n; i++) {
		line = xasprintf("%s: %s", h[i].name, h[i].value + strspn(h[i].value, " "));
		*out = curl_slist_append(*out, line);
		free(line);
	}
	if (req->sign != NULL) {
		struct sigv4_request sr = { req->method, path, query, h, n, req->body,
		    req->body ? req->bodylen : 0, 0,
		    req->stream ? req->stream->sha256 : NULL };
		struct sigv4_scope sc = { req->sign->access_key_id,
		    req->sign->secret_access_key, req->sign->region, req->sign->service, date };

		if (sigv4_sign(&sr, &sc, &res) == -1) {
			rc = -1;
		} else {
			line = xasprintf("Authorization: %s", res.authorization);
			*out = curl_slist_append(*out, line);
			free(line);
			sigv4_result_free(&res);
		}
	}
	/* No 100-continue round trip; unsigned, as botocore leaves it. */
	*out = curl_slist_append(*out, "Expect:");
	for (i = 0; i < n; i++)
		free(names[i]);
	return rc;
}

/* A streamed body: count what is handed out, so that a short read fails
 * the request instead of hanging on the promised Content-Length. */
struct streamed {
	const struct awshttp_stream *s;
	size_t	 given;
};

static size_t
on_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct streamed *st = arg;
	size_t n = st->s->read(buf, size, nitems, st->s->arg);

	st->given += n;
	if (n == 0 && st->given < st->s->len)
		return CURL_READFUNC_ABORT;
	return n;
}

static int
on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	volatile int *abort_flag = arg;

	(void)a; (void)b; (void)c; (void)d;
	return abort_flag != NULL && *abort_flag;
}

static void
set_method(CURL *h, const struct awshttp_request *req, struct streamed *st)
{
	if (strcmp(req->method, "GET") == 0)
		return;
	if (req->stream != NULL) {
		st->s = req->stream;
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(h, CURLOPT_READDATA, st);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->stream->len);
	} else if (req->body != NULL) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->bodylen);
	} else {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
	}
	if (strcmp(req->method, "POST") != 0)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
}

struct awshttp_conn {
	CURL	*h;
	double	 last_used;
};

static void
set_timeouts(CURL *h, const struct awshttp_request *req)
{
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, conf.connect_timeout_ms);
	if (req->stall_s > 0) {
		/* Large uploads: no whole-request limit, but a stall in either
		 * direction (also waiting for the reply) ends the request. */
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1000L);
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, req->stall_s);
	} else
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
		    req->timeout_ms > 0 ? req->timeout_ms : 10000L);
	if (req->abort != NULL) {
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, req->abort);
	}
}

/* After the transfer: what the caller needs besides status and body. */
static void
note_transfer(CURL *h, const struct awshttp_request *req, struct awshttp_response *resp)
{
	curl_off_t up = 0;
	long nconn = 1, port = 0;
	char *ip = NULL;

	curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &nconn);
	curl_easy_getinfo(h, CURLINFO_SIZE_UPLOAD_T, &up);
	curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip);
	curl_easy_getinfo(h, CURLINFO_PRIMARY_PORT, &port);
	resp->reused = nconn == 0;
	if (req->stream != NULL)
		resp->body_sent = up >= (curl_off_t)req->stream->len;
	else
		resp->body_sent = up >= (curl_off_t)(req->body ? req->bodylen : 0);
	if (ip != NULL && *ip)
		snprintf(resp->peer, sizeof(resp->peer), strchr(ip, ':') ? "[%s]:%ld" :
		    "%s:%ld", ip, port);
}

enum awshttp_fail
awshttp_do_on(struct awshttp_conn *c, const struct awshttp_request *req,
    struct awshttp_response *resp)
{
	char *authority = NULL, *path = NULL, *query = NULL, errbuf[CURL_ERROR_SIZE];
	struct curl_slist *hdrs = NULL;
	struct streamed st = { NULL, 0 };
	CURLcode cc;
	CURL *h;

	memset(resp, 0, sizeof(*resp));
	if (split_url(req->url, &authority, &path, &query) == -1) {
		resp->fail = AWSHTTP_BAD_URL;
		snprintf(resp->detail, sizeof(resp->detail), "not an http(s) URL: %.200s",
		    req->url);
		return resp->fail;
	}
	if (build_headers(req, authority, path, query, &hdrs) == -1) {
		resp->fail = AWSHTTP_SIGN;
		snprintf(resp->detail, sizeof(resp->detail), "SigV4 signing failed");
		goto out;
	}
	if (c != NULL && c->h != NULL) {
		h = c->h;
		curl_easy_reset(h);	/* options only: the connection stays */
	} else if ((h = curl_easy_init()) == NULL)
		fatalx(EXIT_TEMPFAIL, "curl_easy_init");
	errbuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	set_method(h, req, &st);
	if (c != NULL)
		curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	if (conf.ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, conf.ca_file);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (req->direct)
		curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	set_timeouts(h, req);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	cc = curl_easy_perform(h);
	resp->fail = map_curl(cc);
	note_transfer(h, req, resp);
	if (resp->fail == AWSHTTP_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	else
		snprintf(resp->detail, sizeof(resp->detail), "%.60s: %s (%.160s)",
		    authority, awshttp_fail_name(resp->fail),
		    errbuf[0] ? errbuf : curl_easy_strerror(cc));
	if (c != NULL) {
		c->h = h;
		c->last_used = now_sec();
	} else
		curl_easy_cleanup(h);
out:
	/* The list held the session token and the signature: wipe it. */
	for (struct curl_slist *s = hdrs; s; s = s->next)
		explicit_bzero(s->data, strlen(s->data));
	curl_slist_free_all(hdrs);
	free(authority);
	free(path);
	free(query);
	return resp->fail;
}

enum awshttp_fail
awshttp_do(const struct awshttp_request *req, struct awshttp_response *resp)
{
	return awshttp_do_on(NULL, req, resp);
}

struct awshttp_conn *
awshttp_conn_new(void)
{
	struct awshttp_conn *c = xcalloc(1, sizeof(*c));

	c->last_used = now_sec();
	return c;
}

double
awshttp_conn_idle(const struct awshttp_conn *c)
{
	return c->h == NULL ? 0 : now_sec() - c->last_used;
}

void
awshttp_conn_free(struct awshttp_conn *c)
{
	if (c == NULL)
		return;
	if (c->h != NULL)
		curl_easy_cleanup(c->h);
	free(c);
}

void
awshttp_response_free(struct awshttp_response *resp)
{
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}
