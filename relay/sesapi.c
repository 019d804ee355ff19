/* SPDX-License-Identifier: ISC */
/*
 * sesapi.c: GetAccount and GetEmailIdentity of SES v2, and the one place
 * that turns an AWS error reply into enum ses_status (the way botocore
 * reads REST-JSON errors: X-Amzn-ErrorType, else the body's code/__type).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "awscreds.h"
#include "awshttp.h"
#include "awsjson.h"
#include "config.h"
#include "sesapi.h"
#include "sigv4.h"
#include "util.h"

struct sesapi {
	char			*endpoint;	/* no trailing '/' */
	char			*region;
	struct awscreds_chain	*creds;
};

void
sesapi_client_setup(const struct config *cf)
{
	struct awshttp_conf c = { cf->aws_ca_file, (long)cf->connect_timeout * 1000 };

	awshttp_configure(&c);
}

char *
sesapi_endpoint_url(const struct config *cf)
{
	char *url = cf->ses_endpoint[0] ? xstrdup(cf->ses_endpoint) :
	    xasprintf("https://email.%s.amazonaws.com", cf->region);
	size_t n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		url[--n] = '\0';
	return url;
}

struct sesapi *
sesapi_new(const struct config *cf, struct awscreds_chain *creds)
{
	struct sesapi *api = xcalloc(1, sizeof(*api));

	api->endpoint = sesapi_endpoint_url(cf);
	api->region = xstrdup(cf->region);
	api->creds = creds;
	return api;
}

void
sesapi_free(struct sesapi *api)
{
	if (api == NULL)
		return;
	free(api->endpoint);
	free(api->region);
	free(api);
}

const char *
ses_status_name(enum ses_status s)
{
	switch (s) {
	case SES_OK:			return "ok";
	case SES_NO_CREDENTIALS:	return "no credentials";
	case SES_DENIED:		return "access denied";
	case SES_BAD_CREDENTIALS:	return "credentials refused";
	case SES_CLOCK:			return "clock skew";
	case SES_THROTTLED:		return "throttled";
	case SES_NOT_FOUND:		return "not found";
	case SES_BAD_REQUEST:		return "bad request";
	case SES_SERVER:		return "SES server error";
	case SES_TRANSPORT:		return "no reply";
	case SES_MALFORMED:		return "unreadable reply";
	}
	return "?";
}

static const struct {
	const char	*code;
	enum ses_status	 status;
} codes[] = {
	{ "AccessDenied",		SES_DENIED },
	{ "AccessDeniedException",	SES_DENIED },
	{ "SignatureDoesNotMatch",	SES_BAD_CREDENTIALS },
	{ "InvalidClientTokenId",	SES_BAD_CREDENTIALS },
	{ "UnrecognizedClientException", SES_BAD_CREDENTIALS },
	{ "ExpiredToken",		SES_BAD_CREDENTIALS },
	{ "ExpiredTokenException",	SES_BAD_CREDENTIALS },
	{ "IncompleteSignature",	SES_BAD_CREDENTIALS },
	{ "InvalidSignatureException",	SES_BAD_CREDENTIALS },
	{ "MissingAuthenticationToken",	SES_BAD_CREDENTIALS },
	{ "RequestExpired",		SES_CLOCK },
	{ "TooManyRequestsException",	SES_THROTTLED },
	{ "Throttling",			SES_THROTTLED },
	{ "ThrottlingException",	SES_THROTTLED },
	{ "LimitExceededException",	SES_THROTTLED },
	{ "NotFoundException",		SES_NOT_FOUND },
	{ "BadRequestException",	SES_BAD_REQUEST },
};

/* Code: X-Amzn-ErrorType, else body code/Code/__type; cut at ':', keep
 * what follows the last '#'. */
void
sesapi_parse_error(const struct awshttp_response *r, struct ses_error *e)
{
	struct awsjson *j = r->body ? awsjson_parse(r->body, r->len) : NULL;
	const char *c = r->error_type[0] ? r->error_type : NULL, *m, *h;
	size_t i;

	if (c == NULL && (c = awsjson_string(j, "code")) == NULL &&
	    (c = awsjson_string(j, "Code")) == NULL)
		c = awsjson_string(j, "__type");
	if (c != NULL) {
		if ((h = strrchr(c, '#')) != NULL)
			c = h + 1;
		snprintf(e->code, sizeof(e->code), "%.*s", (int)strcspn(c, ":"), c);
	}
	if ((m = awsjson_string(j, "message")) != NULL ||
	    (m = awsjson_string(j, "Message")) != NULL)
		snprintf(e->message, sizeof(e->message), "%s", m);
	awsjson_free(j);
	e->http_status = r->status;
	e->status = r->status >= 500 ? SES_SERVER : SES_BAD_REQUEST;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(e->code, codes[i].code) == 0)
			e->status = codes[i].status;
	if (e->code[0] == '\0')
		snprintf(e->code, sizeof(e->code), "HTTP %ld", r->status);
}

/* One signed GET.  On 200 the reply body stays in r for the caller. */
static int
get(struct sesapi *api, const char *path, const char *action,
    struct awshttp_response *r, struct ses_error *e)
{
	struct awscreds c;
	struct awshttp_signer s;
	struct awshttp_request rq;
	char *url = xasprintf("%s%s", api->endpoint, path);
	int attempt, temporary;

	memset(e, 0, sizeof(*e));
	e->action = action;
	memset(r, 0, sizeof(*r));
	for (attempt = 0; attempt < 2; attempt++) {
		memset(e, 0, sizeof(*e));	/* a retry's answer replaces the first */
		e->action = action;
		if (awscreds_get(api->creds, attempt > 0, &c, e->message,
		    sizeof(e->message)) != CREDS_OK) {
			e->status = SES_NO_CREDENTIALS;
			break;
		}
		s.access_key_id = c.access_key_id;
		s.secret_access_key = c.secret_access_key;
		s.session_token = c.session_token;
		s.region = api->region;
		s.service = "ses";
		memset(&rq, 0, sizeof(rq));
		rq.method = "GET";
		rq.url = url;
		rq.sign = &s;
		awshttp_do(&rq, r);
		temporary = c.session_token != NULL;
		awscreds_clear(&c);
		if (r->fail != AWSHTTP_OK) {
			e->status = SES_TRANSPORT;
			snprintf(e->message, sizeof(e->message), "%s", r->detail);
			break;
		}
		if (r->status == 200)
			break;
		sesapi_parse_error(r, e);
		/* Temporary credentials that expired early: fetch new ones once. */
		if (!temporary || attempt > 0 || (strcmp(e->code, "ExpiredToken") != 0 &&
		    strcmp(e->code, "ExpiredTokenException") != 0))
			break;
		awshttp_response_free(r);
	}
	free(url);
	if (e->status == SES_OK && r->status != 200)
		e->status = SES_MALFORMED;
	return e->status == SES_OK ? 0 : -1;
}

static void
str_field(const struct awsjson *j, const char *path, char *out, size_t len)
{
	const char *v = awsjson_string(j, path);

	snprintf(out, len, "%s", v ? v : "");
}

int
sesapi_get_account(struct sesapi *api, struct ses_account *out, struct ses_error *e)
{
	struct awshttp_response r;
	struct awsjson *j;

	memset(out, 0, sizeof(*out));
	if (get(api, "/v2/email/account", "ses:GetAccount", &r, e) == -1) {
		awshttp_response_free(&r);
		return -1;
	}
	j = awsjson_parse(r.body ? r.body : "", r.len);
	if (j == NULL || awsjson_bool(j, "ProductionAccessEnabled", &out->production) == -1 ||
	    awsjson_bool(j, "SendingEnabled", &out->sending_enabled) == -1 ||
	    awsjson_number(j, "SendQuota.Max24HourSend", &out->max_24h) == -1 ||
	    awsjson_number(j, "SendQuota.MaxSendRate", &out->max_rate) == -1 ||
	    awsjson_number(j, "SendQuota.SentLast24Hours", &out->sent_24h) == -1) {
		e->status = SES_MALFORMED;
		snprintf(e->message, sizeof(e->message), "GetAccount reply without "
		    "SendQuota/ProductionAccessEnabled/SendingEnabled");
		awsjson_free(j);
		awshttp_response_free(&r);
		return -1;
	}
	str_field(j, "EnforcementStatus", out->enforcement, sizeof(out->enforcement));
	str_field(j, "Details.ReviewDetails.Status", out->review_status,
	    sizeof(out->review_status));
	awsjson_free(j);
	awshttp_response_free(&r);
	return 0;
}

int
sesapi_get_identity(struct sesapi *api, const char *identity, struct ses_identity *out,
    struct ses_error *e)
{
	struct awshttp_response r;
	struct awsjson *j;
	char *label = sigv4_uri_encode(identity, strlen(identity), 0), *path;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	path = xasprintf("/v2/email/identities/%s", label);
	rc = get(api, path, "ses:GetEmailIdentity", &r, e);
	free(label);
	free(path);
	if (rc == -1) {
		awshttp_response_free(&r);
		return -1;
	}
	j = awsjson_parse(r.body ? r.body : "", r.len);
	if (j == NULL || awsjson_bool(j, "VerifiedForSendingStatus",
	    &out->verified_for_sending) == -1) {
		e->status = SES_MALFORMED;
		snprintf(e->message, sizeof(e->message), "GetEmailIdentity reply without "
		    "VerifiedForSendingStatus");
		awsjson_free(j);
		awshttp_response_free(&r);
		return -1;
	}
	str_field(j, "IdentityType", out->type, sizeof(out->type));
	str_field(j, "VerificationStatus", out->verification, sizeof(out->verification));
	(void)awsjson_bool(j, "DkimAttributes.SigningEnabled", &out->dkim_signing);
	str_field(j, "DkimAttributes.Status", out->dkim_status, sizeof(out->dkim_status));
	for (i = 0; i < 3 && i < awsjson_array_len(j, "DkimAttributes.Tokens"); i++) {
		char p[64];

		snprintf(p, sizeof(p), "DkimAttributes.Tokens.%zu", i);
		str_field(j, p, out->dkim_tokens[out->ndkim_tokens++], sizeof(out->dkim_tokens[0]));
	}
	str_field(j, "MailFromAttributes.MailFromDomain", out->mail_from_domain,
	    sizeof(out->mail_from_domain));
	str_field(j, "MailFromAttributes.MailFromDomainStatus", out->mail_from_status,
	    sizeof(out->mail_from_status));
	awsjson_free(j);
	awshttp_response_free(&r);
	return 0;
}

void
ses_error_line(const struct ses_error *e, char *buf, size_t len)
{
	switch (e->status) {
	case SES_DENIED:
		snprintf(buf, len, "SES denied %s: add \"%s\" to the IAM policy of these "
		    "credentials (sesrelay.conf(5), IAM POLICY)", e->action, e->action);
		return;
	case SES_NO_CREDENTIALS:
		snprintf(buf, len, "no AWS API credentials: %s", e->message);
		return;
	case SES_BAD_CREDENTIALS:
		snprintf(buf, len, "SES refused the API credentials (%s%s%s): check the "
		    "key id and that secret_access_key_file holds the IAM secret key (not "
		    "the SMTP password)", e->code, e->message[0] ? ": " : "", e->message);
		return;
	case SES_CLOCK:
		snprintf(buf, len, "SES says the request time is off (%s): fix this "
		    "host's clock (NTP)", e->code);
		return;
	case SES_TRANSPORT:
		snprintf(buf, len, "SES API unreachable: %s", e->message);
		return;
	default:
		snprintf(buf, len, "SES %s %s: %s%s%s", e->action, ses_status_name(e->status),
		    e->code, e->message[0] ? ": " : "", e->message);
	}
}
