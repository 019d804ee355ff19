/* SPDX-License-Identifier: ISC */
/*
 * sigv4.c: AWS Signature Version 4 over OpenSSL's HMAC and SHA-256.
 * Built step by step as the fact sheet lists them (shared/ses-api.md 1.1
 * to 1.8): canonical URI, query, headers, payload hash; string to sign;
 * signing key chain; Authorization header.  Tested with AWS's published
 * suite (test/data/sigv4) and against botocore (test/integration/50-*).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "log.h"
#include "sigv4.h"
#include "util.h"

static const char hexd[] = "0123456789abcdef";

static void
hex(const unsigned char *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hexd[b[i] >> 4];
		out[2 * i + 1] = hexd[b[i] & 15];
	}
	out[2 * n] = '\0';
}

int
sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return -1;
	hex(md, 32, out);
	return 0;
}

struct sigv4_sha256 {
	EVP_MD_CTX	*ctx;
	int		 bad;
};

struct sigv4_sha256 *
sigv4_sha256_new(void)
{
	struct sigv4_sha256 *h = xcalloc(1, sizeof(*h));

	if ((h->ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
		h->bad = 1;
	return h;
}

void
sigv4_sha256_update(struct sigv4_sha256 *h, const void *data, size_t len)
{
	if (!h->bad && EVP_DigestUpdate(h->ctx, data, len) != 1)
		h->bad = 1;
}

int
sigv4_sha256_finish(struct sigv4_sha256 *h, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	int rc = -1;

	if (!h->bad && EVP_DigestFinal_ex(h->ctx, md, &n) == 1 && n == 32) {
		hex(md, 32, out);
		rc = 0;
	}
	EVP_MD_CTX_free(h->ctx);
	free(h);
	return rc;
}

static int
hmac(const void *key, size_t keylen, const char *msg, unsigned char out[32])
{
	unsigned int n = 32;

	return HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg,
	    strlen(msg), out, &n) == NULL ? -1 : 0;
}

char *
sigv4_uri_encode(const char *s, size_t len, int keep_slash)
{
	char *out = xmalloc(len * 3 + 1), *o = out;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
		    (keep_slash && c == '/')) {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = "0123456789ABCDEF"[c >> 4];
			*o++ = "0123456789ABCDEF"[c & 15];
		}
	}
	*o = '\0';
	return out;
}

/* %XX -> byte, in place; a '%' without two hex digits stays as it is. */
static size_t
uri_decode(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		if (r[0] == '%' && isxdigit((unsigned char)r[1]) &&
		    isxdigit((unsigned char)r[2])) {
			char h[3] = { r[1], r[2], '\0' };

			*w++ = (char)strtol(h, NULL, 16);
			r += 3;
		} else
			*w++ = *r++;
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* Drop empty and "." segments, let ".." eat its parent; keep a final '/'. */
static char *
normalize_path(const char *path)
{
	size_t len = strlen(path), n = 0, i;
	char *copy = xstrdup(path), **seg = xcalloc(len + 1, sizeof(char *));
	char *tok, *save = NULL, *out, *o;

	for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			if (n > 0)
				n--;
			continue;
		}
		seg[n++] = tok;
	}
	out = o = xmalloc(len + 2);
	*o++ = '/';
	for (i = 0; i < n; i++) {
		size_t l = strlen(seg[i]);

		memcpy(o, seg[i], l);
		o += l;
		if (i + 1 < n || (len > 0 && path[len - 1] == '/'))
			*o++ = '/';
	}
	*o = '\0';
	free(seg);
	free(copy);
	return out;
}

static char *
canonical_uri(const struct sigv4_request *req)
{
	const char *p = req->path && *req->path ? req->path : "/";
	char *norm = req->no_normalize ? xstrdup(p) : normalize_path(p);
	char *enc = sigv4_uri_encode(norm, strlen(norm), 1);

	free(norm);
	return enc;
}

struct pair {
	char	*name, *value;
};

static int
pair_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->value, y->value);
}

static void
canonical_query(FILE *f, const char *query)
{
	struct pair *p;
	size_t n = 0, i, cap;
	char *copy, *tok, *save = NULL;

	if (query == NULL || *query == '\0')
		return;
	copy = xstrdup(query);
	cap = strlen(query) / 2 + 2;
	p = xcalloc(cap, sizeof(*p));
	for (tok = strtok_r(copy, "&", &save); tok; tok = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(tok, '=');
		const char *v = "";

		if (eq != NULL) {
			*eq = '\0';
			v = eq + 1;
		}
		char *name = xstrdup(tok), *val = xstrdup(v);
		size_t nl = uri_decode(name), vl = uri_decode(val);

		p[n].name = sigv4_uri_encode(name, nl, 0);
		p[n].value = sigv4_uri_encode(val, vl, 0);
		free(name);
		free(val);
		n++;
	}
	qsort(p, n, sizeof(*p), pair_cmp);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s%s=%s", i ? "&" : "", p[i].name, p[i].value);
		free(p[i].name);
		free(p[i].value);
	}
	free(p);
	free(copy);
}

/* Trim, and collapse every run of blanks (also folded line breaks) to one
 * space: "  a   b\n  c " -> "a b c". */
static char *
header_value(const char *v)
{
	char *out = xmalloc(strlen(v) + 1), *o = out;
	int blank = 0;

	while (*v && isspace((unsigned char)*v))
		v++;
	for (; *v; v++) {
		if (isspace((unsigned char)*v)) {
			blank = 1;
			continue;
		}
		if (blank && o != out)
			*o++ = ' ';
		blank = 0;
		*o++ = *v;
	}
	*o = '\0';
	return out;
}

struct hdr {
	char	*name, *value;
	size_t	 order;		/* send order: repeated names keep it */
};

static int
hdr_cmp(const void *a, const void *b)
{
	const struct hdr *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* Writes the canonical header block (with its trailing newline) to f and
 * returns the signed-header list, malloc'd. */
static char *
canonical_headers(FILE *f, const struct sigv4_request *req)
{
	struct hdr *h = xcalloc(req->nheaders + 1, sizeof(*h));
	char *names;
	size_t i, nl = 0;
	FILE *sf;

	for (i = 0; i < req->nheaders; i++) {
		h[i].name = xstrdup(req->headers[i].name);
		str_lower(h[i].name);
		h[i].value = header_value(req->headers[i].value);
		h[i].order = i;
	}
	qsort(h, req->nheaders, sizeof(*h), hdr_cmp);
	if ((sf = open_memstream(&names, &nl)) == NULL)
		fatal(EXIT_TEMPFAIL, "open_memstream");
	for (i = 0; i < req->nheaders; i++) {
		if (i > 0 && strcmp(h[i].name, h[i - 1].name) == 0) {
			fprintf(f, ",%s", h[i].value);	/* repeated: one line */
			continue;
		}
		fprintf(f, "%s%s:%s", i ? "\n" : "", h[i].name, h[i].value);
		fprintf(sf, "%s%s", i ? ";" : "", h[i].name);
	}
	fputc('\n', f);
	fclose(sf);
	for (i = 0; i < req->nheaders; i++) {
		free(h[i].name);
		free(h[i].value);
	}
	free(h);
	return names;
}

static char *
build_canonical_request(const struct sigv4_request *req, char **signed_headers)
{
	char *out = NULL, *uri, hash[65];
	size_t len = 0;
	FILE *f;

	if (req->payload_hash != NULL)
		snprintf(hash, sizeof(hash), "%s", req->payload_hash);
	else if (sigv4_sha256_hex(req->body ? req->body : "",
	    req->body ? req->bodylen : 0, hash) == -1)
		return NULL;
	if ((f = open_memstream(&out, &len)) == NULL)
		fatal(EXIT_TEMPFAIL, "open_memstream");
	uri = canonical_uri(req);
	fprintf(f, "%s\n%s\n", req->method, uri);
	free(uri);
	canonical_query(f, req->query);
	fputc('\n', f);
	*signed_headers = canonical_headers(f, req);
	fprintf(f, "\n%s\n%s", *signed_headers, hash);
	fclose(f);
	return out;
}

/* kSigning = HMAC chain over date, region, service, "aws4_request". */
static int
signing_key(const struct sigv4_scope *s, const char *date, unsigned char k[32])
{
	char *key = xasprintf("AWS4%s", s->secret_access_key);
	int r;

	r = hmac(key, strlen(key), date, k);
	explicit_bzero(key, strlen(key));
	free(key);
	if (r == 0)
		r = hmac(k, 32, s->region, k);
	if (r == 0)
		r = hmac(k, 32, s->service, k);
	if (r == 0)
		r = hmac(k, 32, "aws4_request", k);
	return r;
}

int
sigv4_sign(const struct sigv4_request *req, const struct sigv4_scope *scope,
    struct sigv4_result *res)
{
	unsigned char k[32], sig[32];
	char date[9], hash[65];

	memset(res, 0, sizeof(*res));
	if (scope->amz_date == NULL || strlen(scope->amz_date) != 16 ||
	    scope->amz_date[8] != 'T' || scope->amz_date[15] != 'Z')
		return -1;
	memcpy(date, scope->amz_date, 8);
	date[8] = '\0';
	res->canonical_request = build_canonical_request(req, &res->signed_headers);
	if (res->canonical_request == NULL ||
	    sigv4_sha256_hex(res->canonical_request, strlen(res->canonical_request),
	    hash) == -1)
		goto fail;
	res->string_to_sign = xasprintf("AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s",
	    scope->amz_date, date, scope->region, scope->service, hash);
	if (signing_key(scope, date, k) == -1 ||
	    hmac(k, sizeof(k), res->string_to_sign, sig) == -1)
		goto fail;
	explicit_bzero(k, sizeof(k));
	hex(sig, sizeof(sig), res->signature);
	res->authorization = xasprintf("AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, "
	    "SignedHeaders=%s, Signature=%s", scope->access_key_id, date, scope->region,
	    scope->service, res->signed_headers, res->signature);
	return 0;
fail:
	explicit_bzero(k, sizeof(k));
	sigv4_result_free(res);
	return -1;
}

void
sigv4_result_free(struct sigv4_result *res)
{
	free(res->canonical_request);
	free(res->string_to_sign);
	free(res->signed_headers);
	free(res->authorization);
	memset(res, 0, sizeof(*res));
}

void
sigv4_amz_date(time_t t, char out[17])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}
