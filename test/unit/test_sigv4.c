/*
 * Unit tests for sigv4.c: every case of AWS's published SigV4 suite
 * (test/data/sigv4, copied from awslabs/aws-c-auth, header form): canonical
 * request, string to sign and signature must match byte for byte; plus the
 * project's own SES/SQS vectors of shared/ses-api.md 1.12.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "sigv4.h"

#define SUITE "test/data/sigv4"
#define MAXH 16

static char *
slurp(const char *dir, const char *name, size_t *lenp)
{
	char path[512], *buf;
	size_t len = 0;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s/%s", SUITE, dir, name);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (n > 0)
		len = fread(buf, 1, (size_t)n, f);
	buf[len] = '\0';
	fclose(f);
	if (lenp)
		*lenp = len;
	return buf;
}

struct parsed {
	char	*text;		/* request.txt, cut in place */
	char	*method, *path, *query, *body;
	struct sigv4_header h[MAXH];
	size_t	 nh;
	char	*extra[3];	/* values we add: date, token, content hash */
};

/* request.txt: "METHOD PATH[?QUERY] HTTP/1.1", headers (a line starting
 * with a blank continues the previous value), blank line, body. */
static void
parse_request(struct parsed *p, char *text)
{
	char *line, *next, *sp, *q;

	memset(p, 0, sizeof(*p));
	p->text = text;
	next = strchr(text, '\n');
	*next++ = '\0';
	p->method = text;
	sp = strchr(text, ' ');
	*sp = '\0';
	p->path = sp + 1;
	*strrchr(p->path, ' ') = '\0';		/* " HTTP/1.1"; paths may hold spaces */
	if ((q = strchr(p->path, '?')) != NULL) {
		*q = '\0';
		p->query = q + 1;
	}
	p->body = "";
	while ((line = next) != NULL) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '\0') {
			p->body = next ? next : "";
			break;
		}
		if (*line == ' ' || *line == '\t') {	/* folded: glue to the last value */
			const char *prev = p->h[p->nh - 1].value;
			char *v = malloc(strlen(prev) + strlen(line) + 2);

			sprintf(v, "%s\n%s", prev, line);
			if (prev == p->extra[2])	/* folded again: drop the last copy */
				free(p->extra[2]);
			p->extra[2] = v;
			p->h[p->nh - 1].value = v;
			continue;
		}
		sp = strchr(line, ':');
		*sp = '\0';
		assert_true(p->nh < MAXH);
		p->h[p->nh].name = line;
		p->h[p->nh++].value = sp + 1;
	}
}

static void
run_case(const char *name)
{
	char *ctx_text = slurp(name, "context.json", NULL);
	char *req_text = slurp(name, "request.txt", NULL);
	char *want_creq = slurp(name, "header-canonical-request.txt", NULL);
	char *want_sts = slurp(name, "header-string-to-sign.txt", NULL);
	char *want_sig = slurp(name, "header-signature.txt", NULL);
	char date[17], hash[65], *folded = NULL;
	const char *ts, *token = NULL;
	struct sigv4_result res;
	struct sigv4_scope sc;
	struct sigv4_request rq;
	struct parsed p;
	json_error_t je;
	json_t *ctx, *cred;
	int omit = 0;

	ctx = json_loads(ctx_text, 0, &je);
	assert_non_null(ctx);
	parse_request(&p, req_text);
	folded = p.extra[2];
	cred = json_object_get(ctx, "credentials");
	ts = json_string_value(json_object_get(ctx, "timestamp"));
	/* "2015-08-30T12:36:00Z" -> "20150830T123600Z" */
	snprintf(date, sizeof(date), "%.4s%.2s%.2sT%.2s%.2s%.2sZ", ts, ts + 5, ts + 8,
	    ts + 11, ts + 14, ts + 17);
	p.h[p.nh].name = "X-Amz-Date";
	p.h[p.nh++].value = date;
	token = json_string_value(json_object_get(cred, "token"));
	omit = json_is_true(json_object_get(ctx, "omit_session_token"));
	if (token && !omit) {
		p.h[p.nh].name = "X-Amz-Security-Token";
		p.h[p.nh++].value = token;
	}
	if (json_is_true(json_object_get(ctx, "sign_body"))) {
		assert_int_equal(sigv4_sha256_hex(p.body, strlen(p.body), hash), 0);
		p.h[p.nh].name = "X-Amz-Content-Sha256";
		p.h[p.nh++].value = hash;
	}
	memset(&rq, 0, sizeof(rq));
	rq.method = p.method;
	rq.path = p.path;
	rq.query = p.query;
	rq.headers = p.h;
	rq.nheaders = p.nh;
	rq.body = p.body;
	rq.bodylen = strlen(p.body);
	rq.no_normalize = json_is_false(json_object_get(ctx, "normalize"));
	sc.access_key_id = json_string_value(json_object_get(cred, "access_key_id"));
	sc.secret_access_key = json_string_value(json_object_get(cred, "secret_access_key"));
	sc.region = json_string_value(json_object_get(ctx, "region"));
	sc.service = json_string_value(json_object_get(ctx, "service"));
	sc.amz_date = date;
	assert_int_equal(sigv4_sign(&rq, &sc, &res), 0);
	if (strcmp(res.canonical_request, want_creq) != 0)
		fail_msg("%s: canonical request\n--- got\n%s\n--- want\n%s", name,
		    res.canonical_request, want_creq);
	if (strcmp(res.string_to_sign, want_sts) != 0)
		fail_msg("%s: string to sign\n--- got\n%s\n--- want\n%s", name,
		    res.string_to_sign, want_sts);
	want_sig[strcspn(want_sig, "\r\n")] = '\0';
	if (strcmp(res.signature, want_sig) != 0)
		fail_msg("%s: signature %s, want %s", name, res.signature, want_sig);
	sigv4_result_free(&res);
	json_decref(ctx);
	free(folded);
	free(ctx_text);
	free(req_text);
	free(want_creq);
	free(want_sts);
	free(want_sig);
}

static void
published_suite(void **unused)
{
	struct dirent *d;
	DIR *dir;
	int n = 0;

	(void)unused;
	if ((dir = opendir(SUITE)) == NULL)
		fail_msg("cannot open %s (run from the repository root)", SUITE);
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.' || strcmp(d->d_name, "README") == 0)
			continue;
		run_case(d->d_name);
		n++;
	}
	closedir(dir);
	/* All 38 cases of the copy; a lost directory must not pass silently. */
	assert_int_equal(n, 38);
}

static const char AKID[] = "AKIDEXAMPLE";
static const char SECRET[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

static void
sign_one(const char *method, const char *path, const struct sigv4_header *h,
    size_t nh, const char *body, const char *service, const char *want)
{
	struct sigv4_request rq = { method, path, NULL, h, nh, body,
	    body ? strlen(body) : 0, 0, NULL };
	struct sigv4_scope sc = { AKID, SECRET, "us-east-1", service, "20150830T123600Z" };
	struct sigv4_result res;

	assert_int_equal(sigv4_sign(&rq, &sc, &res), 0);
	assert_string_equal(res.signature, want);
	sigv4_result_free(&res);
}

/* shared/ses-api.md 1.12: computed with botocore by the fact sheet's author. */
static void
project_vectors(void **unused)
{
	const struct sigv4_header send[] = {
		{ "Content-Type", "application/json" },
		{ "Host", "email.us-east-1.amazonaws.com" },
		{ "X-Amz-Date", "20150830T123600Z" },
	};
	const struct sigv4_header ident[] = {
		{ "Host", "email.us-east-1.amazonaws.com" },
		{ "X-Amz-Date", "20150830T123600Z" },
	};
	const struct sigv4_header sqs[] = {
		{ "Content-Type", "application/x-amz-json-1.0" },
		{ "X-Amz-Target", "AmazonSQS.ReceiveMessage" },
		{ "X-Amz-Security-Token", "TOKEN" },
		{ "Host", "sqs.us-east-1.amazonaws.com" },
		{ "X-Amz-Date", "20150830T123600Z" },
	};

	(void)unused;
	sign_one("POST", "/v2/email/outbound-emails", send, 3,
	    "{\"Content\":{\"Raw\":{\"Data\":\"SGk=\"}}}", "ses",
	    "350bd6fa8671f9e23c919b09789dba2701b4626eb49de39141af74257f0b7442");
	sign_one("GET", "/v2/email/identities/user%40example.com", ident, 2, NULL, "ses",
	    "e0afd8eb6a87e0dea0544d1dcd82c2620ace4d5ff1d6c85c3d9680f26f0e9a66");
	sign_one("POST", "/", sqs, 5, "{\"QueueUrl\":\"https://sqs.us-east-1.amazonaws.com/"
	    "123456789012/q\",\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":20}", "sqs",
	    "2611c210a55acb1f3773e96e8b5bd7411f75db384dc4a91a679d2894853815ba");
}


/* Requests the relay makes or may make: queries (unsorted, encoded, empty
 * values), bodies, session tokens, encoded path labels, other services. */
static const struct xcase {
	const char *method, *host, *path, *query, *body, *token, *region, *service;
	const char *h1n, *h1v, *h2n, *h2v;
} xcases[] = {
	{ "GET", "email.eu-west-1.amazonaws.com", "/v2/email/account", NULL, NULL,
	  NULL, "eu-west-1", "ses", NULL, NULL, NULL, NULL },
	{ "GET", "email.us-east-1.amazonaws.com", "/v2/email/identities/user%40example.com",
	  NULL, NULL, "FQoGZXIvYXdzEJr//////////wEaDOTOKEN+with/slash=", "us-east-1", "ses",
	  NULL, NULL, NULL, NULL },
	{ "GET", "email.us-east-1.amazonaws.com", "/v2/email/suppression/addresses",
	  "Reasons=BOUNCE&PageSize=10&NextToken=a%2Fb%2B%3D%3D&EndDate=", NULL, NULL,
	  "us-east-1", "ses", NULL, NULL, NULL, NULL },
	{ "GET", "email.us-east-1.amazonaws.com", "/v2/email/identities/a%20b~c%2Bd",
	  "b=2&a=2&a=1", NULL, "TOKEN", "us-east-1", "ses", NULL, NULL, NULL, NULL },
	{ "POST", "email.ap-southeast-2.amazonaws.com", "/v2/email/outbound-emails", NULL,
	  "{\"Content\":{\"Raw\":{\"Data\":\"w6TDtsO8IM6xzrLOsw==\"}},\"x\":\"\xc3\xa4\"}",
	  "TOKEN2", "ap-southeast-2", "ses", "Content-Type", "application/json", NULL, NULL },
	{ "POST", "sqs.us-east-1.amazonaws.com", "/", NULL,
	  "{\"QueueUrl\":\"https://sqs.us-east-1.amazonaws.com/1/q\"}", "T", "us-east-1",
	  "sqs", "Content-Type", "application/x-amz-json-1.0", "X-Amz-Target",
	  "AmazonSQS.ReceiveMessage" },
	{ "POST", "127.0.0.1:4443", "/", NULL, "Action=GetCallerIdentity&Version=2011-06-15",
	  NULL, "eu-central-1", "sts", "Content-Type",
	  "application/x-www-form-urlencoded; charset=utf-8", "X-Odd", "  a   b  c " },
};

static void
xsign(const struct xcase *c, struct sigv4_result *res)
{
	struct sigv4_header h[6];
	struct sigv4_request rq;
	struct sigv4_scope sc = { AKID, SECRET, c->region, c->service, "20260301T101500Z" };
	size_t n = 0;

	h[n].name = "Host"; h[n++].value = c->host;
	h[n].name = "X-Amz-Date"; h[n++].value = sc.amz_date;
	if (c->token) { h[n].name = "X-Amz-Security-Token"; h[n++].value = c->token; }
	if (c->h1n) { h[n].name = c->h1n; h[n++].value = c->h1v; }
	if (c->h2n) { h[n].name = c->h2n; h[n++].value = c->h2v; }
	memset(&rq, 0, sizeof(rq));
	rq.method = c->method;
	rq.path = c->path;
	rq.query = c->query;
	rq.headers = h;
	rq.nheaders = n;
	rq.body = c->body;
	rq.bodylen = c->body ? strlen(c->body) : 0;
	assert_int_equal(sigv4_sign(&rq, &sc, res), 0);
}

static char *
b64(const char *s)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s), i, o = 0;
	char *out = malloc(n * 4 / 3 + 5);
	const unsigned char *u = (const unsigned char *)s;

	for (i = 0; i < n; i += 3) {
		unsigned v = u[i] << 16 | (i + 1 < n ? u[i + 1] << 8 : 0) |
		    (i + 2 < n ? u[i + 2] : 0);

		out[o++] = t[v >> 18 & 63];
		out[o++] = t[v >> 12 & 63];
		out[o++] = i + 1 < n ? t[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? t[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

/* The same requests signed by python3-botocore (test/standin/botosign.py). */
static void
botocore_cross_check(void **unused)
{
	char tmpl[] = "/tmp/sigv4-xcheck.XXXXXX", cmd[256], line[8192];
	size_t i, n = sizeof(xcases) / sizeof(xcases[0]);
	FILE *f;
	int fd;

	(void)unused;
	if ((fd = mkstemp(tmpl)) == -1 || (f = fdopen(fd, "w")) == NULL)
		fail_msg("mkstemp");
	for (i = 0; i < n; i++) {
		const struct xcase *c = &xcases[i];
		json_t *j = json_object(), *hs = json_array();
		char *url, *body = b64(c->body ? c->body : ""), *s;

		url = malloc(strlen(c->host) + strlen(c->path) + (c->query ? strlen(c->query) : 0) + 16);
		sprintf(url, "https://%s%s%s%s", c->host, c->path, c->query ? "?" : "",
		    c->query ? c->query : "");
		if (c->h1n) json_array_append_new(hs, json_pack("[ss]", c->h1n, c->h1v));
		if (c->h2n) json_array_append_new(hs, json_pack("[ss]", c->h2n, c->h2v));
		json_object_set_new(j, "method", json_string(c->method));
		json_object_set_new(j, "url", json_string(url));
		json_object_set_new(j, "headers", hs);
		json_object_set_new(j, "body_b64", json_string(body));
		json_object_set_new(j, "akid", json_string(AKID));
		json_object_set_new(j, "secret", json_string(SECRET));
		json_object_set_new(j, "token", c->token ? json_string(c->token) : json_null());
		json_object_set_new(j, "region", json_string(c->region));
		json_object_set_new(j, "service", json_string(c->service));
		json_object_set_new(j, "date", json_string("20260301T101500Z"));
		s = json_dumps(j, JSON_COMPACT);
		fprintf(f, "%s\n", s);
		free(s);
		free(url);
		free(body);
		json_decref(j);
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 test/standin/botosign.py < %s", tmpl);
	if ((f = popen(cmd, "r")) == NULL)
		fail_msg("popen %s", cmd);
	for (i = 0; i < n && fgets(line, sizeof(line), f) != NULL; i++) {
		json_t *j = json_loads(line, 0, NULL);
		struct sigv4_result res;

		assert_non_null(j);
		xsign(&xcases[i], &res);
		if (strcmp(res.canonical_request, json_string_value(json_object_get(j,
		    "canonical_request"))) != 0)
			fail_msg("case %zu: canonical request differs\n--- ours\n%s\n--- botocore\n%s",
			    i, res.canonical_request,
			    json_string_value(json_object_get(j, "canonical_request")));
		assert_string_equal(res.signature,
		    json_string_value(json_object_get(j, "signature")));
		sigv4_result_free(&res);
		json_decref(j);
	}
	assert_int_equal(pclose(f), 0);
	unlink(tmpl);
	assert_int_equal(i, n);	/* botocore answered every request */
}

/* A body streamed later: signed by its hash alone, computed in pieces,
 * gives the fact sheet's SendEmail signature (shared/ses-api.md 1.12). */
static void
streamed_payload(void **unused)
{
	const struct sigv4_header send[] = {
		{ "Content-Type", "application/json" },
		{ "Host", "email.us-east-1.amazonaws.com" },
		{ "X-Amz-Date", "20150830T123600Z" },
	};
	const char *body = "{\"Content\":{\"Raw\":{\"Data\":\"SGk=\"}}}";
	struct sigv4_sha256 *h = sigv4_sha256_new();
	char hash[65];
	struct sigv4_request rq = { "POST", "/v2/email/outbound-emails", NULL, send, 3,
	    NULL, 0, 0, hash };
	struct sigv4_scope sc = { AKID, SECRET, "us-east-1", "ses", "20150830T123600Z" };
	struct sigv4_result res;

	(void)unused;
	sigv4_sha256_update(h, body, 10);
	sigv4_sha256_update(h, body + 10, strlen(body) - 10);
	assert_int_equal(sigv4_sha256_finish(h, hash), 0);
	assert_string_equal(hash,
	    "8c10baa0da1a574856422be38670328d0600d11ea024f82ed79e4f2ee59812df");
	assert_int_equal(sigv4_sign(&rq, &sc, &res), 0);
	assert_string_equal(res.signature,
	    "350bd6fa8671f9e23c919b09789dba2701b4626eb49de39141af74257f0b7442");
	sigv4_result_free(&res);
}

static void
helpers(void **unused)
{
	struct sigv4_request rq = { "GET", "/", NULL, NULL, 0, NULL, 0, 0, NULL };
	struct sigv4_scope sc = { AKID, SECRET, "us-east-1", "ses", "2015-08-30" };
	struct sigv4_result res;
	char d[17], *e;

	(void)unused;
	sigv4_amz_date(1440938160, d);
	assert_string_equal(d, "20150830T123600Z");
	e = sigv4_uri_encode("a b/c@d~", 8, 1);
	assert_string_equal(e, "a%20b/c%40d~");
	free(e);
	e = sigv4_uri_encode("a/b", 3, 0);
	assert_string_equal(e, "a%2Fb");
	free(e);
	assert_int_equal(sigv4_sign(&rq, &sc, &res), -1);	/* malformed date */
	assert_null(res.authorization);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(published_suite),
		cmocka_unit_test(project_vectors),
		cmocka_unit_test(botocore_cross_check),
		cmocka_unit_test(helpers),
		cmocka_unit_test(streamed_payload),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
