/* SPDX-License-Identifier: ISC */
/*
 * awscreds_net.c: the credential sources that ask an endpoint: STS
 * AssumeRoleWithWebIdentity (EKS IRSA), the container endpoint (ECS task
 * roles, EKS Pod Identity) and EC2 instance metadata, IMDSv2 only.
 * Endpoints follow the SDKs' environment conventions (shared/ses-api.md 2).
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "awscreds_int.h"
#include "awshttp.h"
#include "sigv4.h"
#include "util.h"

/* ---- web identity -> STS --------------------------------------------------- */

/*
 * The text of the first <tag>...</tag> of an STS reply, entities decoded;
 * malloc'd or NULL.  STS answers in a fixed XML shape whose leaves we need
 * (Credentials/AccessKeyId..., Error/Code, Error/Message); none nests.
 */
static char *
xml_leaf(const char *xml, const char *tag)
{
	char *open = xasprintf("<%s>", tag), *close = xasprintf("</%s>", tag);
	const char *a = strstr(xml, open), *b;
	char *out = NULL, *w;

	if (a != NULL && (b = strstr(a += strlen(open), close)) != NULL) {
		out = w = xstrndup(a, (size_t)(b - a));
		for (const char *r = out; *r; ) {
			static const struct { const char *ent; char c; } ents[] = {
				{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
				{ "&quot;", '"' }, { "&apos;", '\'' },
			};
			size_t i;

			for (i = 0; i < 5; i++)
				if (strncmp(r, ents[i].ent, strlen(ents[i].ent)) == 0)
					break;
			if (i < 5) {
				*w++ = ents[i].c;
				r += strlen(ents[i].ent);
			} else
				*w++ = *r++;
		}
		*w = '\0';
	}
	free(open);
	free(close);
	return out;
}

static char *
form_field(const char *name, const char *value)
{
	char *v = sigv4_uri_encode(value, strlen(value), 0);
	char *f = xasprintf("&%s=%s", name, v);

	free(v);
	return f;
}

static int
sts_reply(const struct awshttp_response *r, struct awscreds *out, const char *role,
    char *err, size_t errlen)
{
	char *id, *sk, *tok, *exp;

	if (r->status != 200) {
		char *code = r->body ? xml_leaf(r->body, "Code") : NULL;
		char *msg = r->body ? xml_leaf(r->body, "Message") : NULL;

		snprintf(err, errlen, "STS refused AssumeRoleWithWebIdentity for %s: HTTP "
		    "%ld %s%s%s", role, r->status, code ? code : "", msg ? ": " : "",
		    msg ? msg : "");
		free(code);
		free(msg);
		return -1;
	}
	id = xml_leaf(r->body, "AccessKeyId");
	sk = xml_leaf(r->body, "SecretAccessKey");
	tok = xml_leaf(r->body, "SessionToken");
	exp = xml_leaf(r->body, "Expiration");
	if (id == NULL || sk == NULL || tok == NULL || strlen(id) >= sizeof(out->access_key_id)) {
		snprintf(err, errlen, "STS reply without credentials");
		free(id);
		free(sk);
		free(tok);
		free(exp);
		return -1;
	}
	snprintf(out->access_key_id, sizeof(out->access_key_id), "%s", id);
	out->secret_access_key = sk;
	out->session_token = tok;
	out->expiration = awscreds_parse_time(exp);
	if (out->expiration == (time_t)-1)
		out->expiration = time(NULL) + 600;
	free(id);
	free(exp);
	return 1;
}

int
creds_web_identity(struct awscreds_chain *ch, struct awscreds *out, char *err,
    size_t errlen)
{
	const char *tf = getenv("AWS_WEB_IDENTITY_TOKEN_FILE"), *role = getenv("AWS_ROLE_ARN");
	const char *sess = getenv("AWS_ROLE_SESSION_NAME");
	char *ptf = NULL, *prole = NULL, *token, *body, *f1, *f2, *f3, sname[64];
	static const char *const hdrs[] = {
		"Content-Type: application/x-www-form-urlencoded; charset=utf-8", NULL };
	struct awshttp_request rq;
	struct awshttp_response r;
	int rc;

	if (tf == NULL || *tf == '\0') {	/* else the profile's keys */
		tf = ptf = creds_config_value(ch, "web_identity_token_file");
		role = prole = creds_config_value(ch, "role_arn");
	}
	if (tf == NULL || *tf == '\0') {
		free(ptf);
		free(prole);
		return 0;
	}
	rc = -1;
	if (role == NULL || *role == '\0') {
		snprintf(err, errlen, "a web identity token file (%s) but no role ARN "
		    "(AWS_ROLE_ARN)", tf);
		goto out;
	}
	if ((token = creds_read_file(tf, err, errlen)) == NULL)	/* re-read each time */
		goto out;
	if (sess == NULL || *sess == '\0')
		snprintf(sname, sizeof(sname), "sesrelay-%ld", (long)time(NULL));
	else
		snprintf(sname, sizeof(sname), "%s", sess);
	f1 = form_field("RoleArn", role);
	f2 = form_field("RoleSessionName", sname);
	f3 = form_field("WebIdentityToken", token);
	body = xasprintf("Action=AssumeRoleWithWebIdentity&Version=2011-06-15%s%s%s",
	    f1, f2, f3);
	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.url = ch->sts_endpoint;
	rq.headers = hdrs;
	rq.body = body;
	rq.bodylen = strlen(body);
	rq.timeout_ms = STS_TIMEOUT_MS;		/* unsigned: the token is the proof */
	if (awshttp_do(&rq, &r) != AWSHTTP_OK)
		snprintf(err, errlen, "STS %s: %s", ch->sts_endpoint, r.detail);
	else if ((rc = sts_reply(&r, out, role, err, errlen)) == 1)
		snprintf(out->origin, sizeof(out->origin), "role %s via %s", role,
		    ch->sts_endpoint);
	awshttp_response_free(&r);
	explicit_bzero(token, strlen(token));
	explicit_bzero(f3, strlen(f3));
	explicit_bzero(body, strlen(body));
	free(token);
	free(f1);
	free(f2);
	free(f3);
	free(body);
out:
	free(ptf);
	free(prole);
	return rc;
}

/* ---- container endpoint ----------------------------------------------------- */

/* botocore's rule for FULL_URI: https, or a loopback / ECS / EKS agent host. */
static int
container_host_allowed(const char *url)
{
	static const char *const ok[] = { "169.254.170.2", "169.254.170.23",
	    "[fd00:ec2::23]", "localhost", "[::1]" };
	const char *h;
	char host[256];
	struct in_addr a;
	size_t i, n;

	if (strncmp(url, "https://", 8) == 0)
		return 1;
	if (strncmp(url, "http://", 7) != 0)
		return 0;
	h = url + 7;
	n = h[0] == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":/");
	if (n >= sizeof(host))
		return 0;
	memcpy(host, h, n);
	host[n] = '\0';
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(host, ok[i]) == 0)
			return 1;
	return inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

int
creds_container(struct awscreds_chain *ch, struct awscreds *out, char *err,
    size_t errlen)
{
	const char *rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *tokfile = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *tokenv = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	const char *hdrs[3] = { "Accept: application/json", NULL, NULL };
	char *url, *token = NULL, *auth = NULL;
	struct awshttp_request rq;
	struct awshttp_response r;
	int rc = -1, attempt;

	(void)ch;
	if (rel && *rel)
		url = xasprintf("http://169.254.170.2%s", rel);
	else if (full && *full)
		url = xstrdup(full);
	else
		return 0;
	if (!(rel && *rel) && !container_host_allowed(url)) {
		snprintf(err, errlen, "AWS_CONTAINER_CREDENTIALS_FULL_URI %s is neither "
		    "https nor a loopback or container-agent address", url);
		free(url);
		return -1;
	}
	if (tokfile && *tokfile) {
		if ((token = creds_read_file(tokfile, err, errlen)) == NULL)
			goto out;
	} else if (tokenv && *tokenv)
		token = xstrdup(tokenv);
	if (token != NULL) {
		if (strpbrk(token, "\r\n") != NULL) {
			snprintf(err, errlen, "the container authorization token holds a "
			    "line break");
			goto out;
		}
		hdrs[1] = auth = xasprintf("Authorization: %s", token);
	}
	memset(&rq, 0, sizeof(rq));
	rq.method = "GET";
	rq.url = url;
	rq.headers = hdrs;
	rq.direct = 1;
	rq.timeout_ms = CONTAINER_TIMEOUT_MS;
	for (attempt = 0; attempt < 2; attempt++) {	/* the agent may be starting */
		if (awshttp_do(&rq, &r) == AWSHTTP_OK && r.status == 200)
			break;
		if (r.fail == AWSHTTP_OK)
			snprintf(err, errlen, "%s answered HTTP %ld", url, r.status);
		else
			snprintf(err, errlen, "%s", r.detail);
		awshttp_response_free(&r);
	}
	if (attempt < 2) {
		if (creds_from_json(r.body, r.len, out) == 0) {
			snprintf(out->origin, sizeof(out->origin), "%s", url);
			rc = 1;
		} else
			snprintf(err, errlen, "%s: reply without credentials", url);
		awshttp_response_free(&r);
	}
out:
	if (token) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	if (auth) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	free(url);
	return rc;
}

/* ---- EC2 instance metadata, IMDSv2 ------------------------------------------ */

#define IMDS_TOKEN_TTL 21600

static char *
imds_base(void)
{
	const char *e = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	char *b = xstrdup(e && *e ? e : "http://169.254.169.254");
	size_t n = strlen(b);

	while (n > 0 && b[n - 1] == '/')
		b[--n] = '\0';
	return b;
}

/* 1 = token in ch, 0 = no metadata service here, -1 = error in err. */
static int
imds_token(struct awscreds_chain *ch, const char *base, char *err, size_t errlen)
{
	static const char *const hdrs[] = {
		"X-aws-ec2-metadata-token-ttl-seconds: 21600", NULL };
	struct awshttp_request rq;
	struct awshttp_response r;
	char *url;

	if (ch->imds_token && time(NULL) < ch->imds_token_until)
		return 1;
	url = xasprintf("%s/latest/api/token", base);
	memset(&rq, 0, sizeof(rq));
	rq.method = "PUT";
	rq.url = url;
	rq.headers = hdrs;
	rq.direct = 1;
	rq.timeout_ms = IMDS_TIMEOUT_MS;
	awshttp_do(&rq, &r);
	free(url);
	if (r.fail != AWSHTTP_OK) {
		awshttp_response_free(&r);
		return 0;	/* not on EC2 (or metadata switched off) */
	}
	if (r.status != 200 || r.body == NULL || r.len == 0) {
		snprintf(err, errlen, "%s refused a session token (HTTP %ld): sesrelay "
		    "uses IMDSv2 only and never falls back to IMDSv1", base, r.status);
		awshttp_response_free(&r);
		return -1;
	}
	free(ch->imds_token);
	ch->imds_token = xstrndup(r.body, strcspn(r.body, "\r\n"));
	ch->imds_token_until = time(NULL) + IMDS_TOKEN_TTL - 60;
	awshttp_response_free(&r);
	return 1;
}

/* GET base+path with the token; one new token on 401.  Body in r. */
static int
imds_get(struct awscreds_chain *ch, const char *base, const char *path,
    struct awshttp_response *r, char *err, size_t errlen)
{
	struct awshttp_request rq;
	char *url = xasprintf("%s%s", base, path), *hdr;
	const char *hdrs[2] = { NULL, NULL };
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		if (imds_token(ch, base, err, errlen) != 1) {
			memset(r, 0, sizeof(*r));
			snprintf(err + strlen(err), errlen - strlen(err), "%s",
			    *err ? "" : "instance metadata stopped answering");
			free(url);
			return -1;
		}
		hdrs[0] = hdr = xasprintf("X-aws-ec2-metadata-token: %s", ch->imds_token);
		memset(&rq, 0, sizeof(rq));
		rq.method = "GET";
		rq.url = url;
		rq.headers = hdrs;
		rq.direct = 1;
		rq.timeout_ms = IMDS_TIMEOUT_MS;
		awshttp_do(&rq, r);
		explicit_bzero(hdr, strlen(hdr));
		free(hdr);
		if (r->fail != AWSHTTP_OK || r->status != 401)
			break;
		awshttp_response_free(r);	/* token expired: get a new one */
		ch->imds_token_until = 0;
	}
	free(url);
	if (r->fail != AWSHTTP_OK) {
		snprintf(err, errlen, "%s", r->detail);
		return -1;
	}
	return 0;
}

int
creds_imds(struct awscreds_chain *ch, struct awscreds *out, char *err, size_t errlen)
{
	const char *off = getenv("AWS_EC2_METADATA_DISABLED");
	static const char roles[] = "/latest/meta-data/iam/security-credentials/";
	struct awshttp_response r;
	char *base, *path, role[256];
	int rc;

	if (off && strcasecmp(off, "true") == 0)
		return 0;
	base = imds_base();
	if ((rc = imds_token(ch, base, err, errlen)) != 1) {
		free(base);
		return rc;
	}
	rc = -1;
	if (imds_get(ch, base, roles, &r, err, errlen) == -1)
		goto out;
	if (r.status != 200 || r.body == NULL) {
		snprintf(err, errlen, "no IAM role on this instance (%s%s: HTTP %ld): attach "
		    "an instance profile", base, roles, r.status);
		awshttp_response_free(&r);
		goto out;
	}
	snprintf(role, sizeof(role), "%.*s", (int)strcspn(r.body, "\r\n"), r.body);
	awshttp_response_free(&r);
	path = xasprintf("%s%s", roles, role);
	if (imds_get(ch, base, path, &r, err, errlen) == 0) {
		if (r.status == 200 && creds_from_json(r.body, r.len, out) == 0) {
			snprintf(out->origin, sizeof(out->origin), "role %.100s via %.100s",
			    role, base);
			rc = 1;
		} else
			snprintf(err, errlen, "%s%s: HTTP %ld without credentials", base,
			    path, r.status);
		awshttp_response_free(&r);
	}
	free(path);
out:
	free(base);
	return rc;
}

char *
awscreds_imds_region(struct awscreds_chain *ch)
{
	struct awshttp_response r;
	const char *off = getenv("AWS_EC2_METADATA_DISABLED");
	char err[256], *base, *region = NULL;

	if (off && strcasecmp(off, "true") == 0)
		return NULL;
	base = imds_base();
	err[0] = '\0';
	pthread_mutex_lock(&ch->mu);
	if (imds_get(ch, base, "/latest/meta-data/placement/region", &r, err,
	    sizeof(err)) == 0) {
		if (r.status == 200 && r.body && r.len > 0 && r.len < 64)
			region = xstrndup(r.body, strcspn(r.body, "\r\n"));
		awshttp_response_free(&r);
	}
	pthread_mutex_unlock(&ch->mu);
	free(base);
	return region;
}
