/* SPDX-License-Identifier: ISC */
/*
 * sqs.c: ReceiveMessage and DeleteMessageBatch in SQS's JSON 1.0 protocol
 * (fact sheet section 5) over awshttp.c.  Replies are read with awsjson.c;
 * request bodies are small and written here with its string escaper.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "awscreds.h"
#include "awshttp.h"
#include "awsjson.h"
#include "config.h"
#include "log.h"
#include "sqs.h"
#include "util.h"

struct sqs {
	char			*queue_url;
	char			*endpoint;	/* "https://sqs.eu-west-1.amazonaws.com/" */
	char			 region[64];
	struct awscreds_chain	*creds;
};

static const struct {
	const char	*code;
	enum sqs_status	 status;
} codes[] = {
	{ "QueueDoesNotExist",			SQS_NO_QUEUE },
	{ "AWS.SimpleQueueService.NonExistentQueue", SQS_NO_QUEUE },
	{ "AccessDenied",			SQS_DENIED },
	{ "AccessDeniedException",		SQS_DENIED },
	{ "SignatureDoesNotMatch",		SQS_BAD_CREDENTIALS },
	{ "InvalidClientTokenId",		SQS_BAD_CREDENTIALS },
	{ "IncompleteSignature",		SQS_BAD_CREDENTIALS },
	{ "UnrecognizedClientException",	SQS_BAD_CREDENTIALS },
	{ "ExpiredToken",			SQS_BAD_CREDENTIALS },
	{ "ExpiredTokenException",		SQS_BAD_CREDENTIALS },
	{ "RequestExpired",			SQS_BAD_CREDENTIALS },
	{ "RequestThrottled",			SQS_THROTTLED },
	{ "ThrottlingException",		SQS_THROTTLED },
	{ "OverLimit",				SQS_THROTTLED },
	{ "KmsThrottled",			SQS_THROTTLED },
};

const char *
sqs_status_name(enum sqs_status s)
{
	switch (s) {
	case SQS_OK:			return "ok";
	case SQS_NO_CREDENTIALS:	return "no AWS credentials";
	case SQS_BAD_CREDENTIALS:	return "credentials refused";
	case SQS_DENIED:		return "access denied";
	case SQS_NO_QUEUE:		return "queue does not exist";
	case SQS_THROTTLED:		return "throttled";
	case SQS_SERVER:		return "SQS server error";
	case SQS_TRANSPORT:		return "no reply";
	case SQS_MALFORMED:		return "reply not understood";
	case SQS_OTHER:			return "refused";
	}
	return "?";
}

const char *
sqs_url_region(const char *url, char *buf, size_t len)
{
	const char *h = strstr(url, "://"), *dot;

	buf[0] = '\0';
	if (h == NULL || strncmp(h + 3, "sqs.", 4) != 0)
		return buf;
	h += 7;
	if ((dot = strchr(h, '.')) != NULL && strncmp(dot, ".amazonaws.com", 14) == 0 &&
	    (size_t)(dot - h) < len)
		snprintf(buf, len, "%.*s", (int)(dot - h), h);
	return buf;
}

struct sqs *
sqs_new(const struct config *cf, struct awscreds_chain *creds, char *err, size_t errlen)
{
	const char *url = cf->events_queue_url, *h = strstr(url, "://"), *path;
	struct sqs *q;

	if (h == NULL || (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) ||
	    (path = strchr(h + 3, '/')) == NULL || path[1] == '\0') {
		snprintf(err, errlen, "events_queue_url '%s' is not a queue URL "
		    "(https://sqs.REGION.amazonaws.com/ACCOUNT/QUEUE)", url);
		return NULL;
	}
	q = xcalloc(1, sizeof(*q));
	q->queue_url = xstrdup(url);
	q->endpoint = *cf->sqs_endpoint ? xasprintf("%s%s", cf->sqs_endpoint,
	    cf->sqs_endpoint[strlen(cf->sqs_endpoint) - 1] == '/' ? "" : "/") :
	    xasprintf("%.*s/", (int)(path - url), url);
	if (*sqs_url_region(url, q->region, sizeof(q->region)) == '\0')
		snprintf(q->region, sizeof(q->region), "%s", cf->region);
	q->creds = creds;
	return q;
}

void
sqs_free(struct sqs *q)
{
	if (q == NULL)
		return;
	free(q->queue_url);
	free(q->endpoint);
	free(q);
}

/* The error of a non-200 reply: code after '#' in __type, else the
 * x-amzn-query-error / X-Amzn-ErrorType header, else the HTTP status. */
static void
reply_error(const struct awshttp_response *r, const struct awsjson *j,
    struct sqs_error *e)
{
	const char *type = j ? awsjson_string(j, "__type") : NULL;
	const char *msg = j ? awsjson_string(j, "message") : NULL;
	size_t i;

	if (msg == NULL && j)
		msg = awsjson_string(j, "Message");
	if (type && strchr(type, '#'))
		type = strrchr(type, '#') + 1;
	if (type == NULL && *r->error_type)
		type = r->error_type;
	snprintf(e->code, sizeof(e->code), "%.*s", type ? (int)strcspn(type, ":;") : 0,
	    type ? type : "");
	e->http_status = r->status;
	e->status = r->status >= 500 ? SQS_SERVER : SQS_OTHER;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(codes[i].code, e->code) == 0)
			e->status = codes[i].status;
	snprintf(e->message, sizeof(e->message), "HTTP %ld %s: %s", r->status,
	    *e->code ? e->code : "error", msg ? msg : "(no message)");
}

/* POST one action; on 200 returns the parsed reply, else NULL with e. */
static struct awsjson *
call(struct sqs *q, const char *action, const char *body, long timeout_ms,
    struct sqs_error *e)
{
	struct awscreds c;
	struct awshttp_signer sg;
	struct awshttp_response r;
	struct awsjson *j;
	char target[96], err[512];
	const char *headers[] = { "Content-Type: application/x-amz-json-1.0", target, NULL };
	int attempt;

	memset(e, 0, sizeof(*e));
	snprintf(target, sizeof(target), "X-Amz-Target: AmazonSQS.%s", action);
	/* A refused signature may be an expired token: fetch anew once. */
	for (attempt = 0; attempt < 2; attempt++) {
		struct awshttp_request req = { .method = "POST", .url = q->endpoint,
		    .headers = headers, .body = body, .bodylen = strlen(body), .sign = &sg,
		    .timeout_ms = timeout_ms };

		if (awscreds_get(q->creds, attempt, &c, err, sizeof(err)) != CREDS_OK) {
			e->status = SQS_NO_CREDENTIALS;
			snprintf(e->message, sizeof(e->message), "%s", err);
			return NULL;
		}
		sg = (struct awshttp_signer){ c.access_key_id, c.secret_access_key,
		    c.session_token, q->region, "sqs" };
		memset(&r, 0, sizeof(r));
		awshttp_do(&req, &r);
		awscreds_clear(&c);
		if (r.fail != AWSHTTP_OK) {
			e->status = SQS_TRANSPORT;
			snprintf(e->message, sizeof(e->message), "%s: %s",
			    awshttp_fail_name(r.fail), r.detail);
			awshttp_response_free(&r);
			return NULL;
		}
		j = r.body ? awsjson_parse(r.body, r.len) : NULL;
		if (r.status == 200) {
			if (j == NULL) {
				e->status = SQS_MALFORMED;
				snprintf(e->message, sizeof(e->message), "%s: reply is not "
				    "a JSON object", action);
			}
			awshttp_response_free(&r);
			return j;
		}
		reply_error(&r, j, e);
		awsjson_free(j);
		awshttp_response_free(&r);
		if (e->status != SQS_BAD_CREDENTIALS)
			break;
	}
	return NULL;
}

/* A JSON string literal, malloc'd. */
static char *
jstr(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (fp == NULL)
		fatal(EXIT_TEMPFAIL, "open_memstream");
	awsjson_print_string(fp, s);
	fclose(fp);
	return buf;
}

int
sqs_receive(struct sqs *q, int max, int wait, struct sqs_message **out, size_t *n,
    struct sqs_error *e)
{
	char *url = jstr(q->queue_url), *body, path[96];
	struct awsjson *j;
	size_t i, count;

	*out = NULL;
	*n = 0;
	body = xasprintf("{\"QueueUrl\":%s,\"MaxNumberOfMessages\":%d,\"WaitTimeSeconds\":%d,"
	    "\"MessageSystemAttributeNames\":[\"ApproximateReceiveCount\"]}", url, max, wait);
	free(url);
	/* The HTTP timeout must outlast the long poll. */
	j = call(q, "ReceiveMessage", body, (wait + 15) * 1000L, e);
	free(body);
	if (j == NULL)
		return -1;
	count = awsjson_array_len(j, "Messages");
	if (count > 0)
		*out = xcalloc(count, sizeof(**out));
	for (i = 0; i < count; i++) {
		struct sqs_message *m = &(*out)[*n];
		const char *id, *rh, *b, *rc;

#define GET(var, field) (snprintf(path, sizeof(path), "Messages.%zu." field, i), \
	    var = awsjson_string(j, path))
		GET(id, "MessageId");
		GET(rh, "ReceiptHandle");
		GET(b, "Body");
		GET(rc, "Attributes.ApproximateReceiveCount");
#undef GET
		if (rh == NULL || b == NULL)
			continue;	/* cannot be processed nor deleted */
		m->id = xstrdup(id ? id : "?");
		m->receipt = xstrdup(rh);
		m->body = xstrdup(b);
		m->len = strlen(b);
		m->receive_count = rc ? atol(rc) : 1;
		(*n)++;
	}
	awsjson_free(j);
	return 0;
}

void
sqs_messages_free(struct sqs_message *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(m[i].id);
		free(m[i].receipt);
		free(m[i].body);
	}
	free(m);
}

int
sqs_delete_batch(struct sqs *q, char *const *receipts, size_t n, struct sqs_error *e)
{
	char *buf = NULL, *s;
	size_t len = 0, i;
	FILE *fp = open_memstream(&buf, &len);
	struct awsjson *j;
	int failed;

	if (fp == NULL)
		fatal(EXIT_TEMPFAIL, "open_memstream");
	fputs("{\"QueueUrl\":", fp);
	awsjson_print_string(fp, q->queue_url);
	fputs(",\"Entries\":[", fp);
	for (i = 0; i < n && i < 10; i++) {
		fprintf(fp, "%s{\"Id\":\"m%zu\",\"ReceiptHandle\":", i ? "," : "", i);
		awsjson_print_string(fp, receipts[i]);
		fputc('}', fp);
	}
	fputs("]}", fp);
	fclose(fp);
	s = buf;
	j = call(q, "DeleteMessageBatch", s, 30000, e);
	free(s);
	if (j == NULL)
		return -1;
	failed = (int)awsjson_array_len(j, "Failed");
	awsjson_free(j);
	return failed;
}

int
sqs_queue_depth(struct sqs *q, long *waiting, long *in_flight, struct sqs_error *e)
{
	char *url = jstr(q->queue_url), *body;
	const char *w, *f;
	struct awsjson *j;

	body = xasprintf("{\"QueueUrl\":%s,\"AttributeNames\":[\"ApproximateNumberOfMessages\","
	    "\"ApproximateNumberOfMessagesNotVisible\"]}", url);
	free(url);
	j = call(q, "GetQueueAttributes", body, 15000, e);
	free(body);
	if (j == NULL)
		return -1;
	w = awsjson_string(j, "Attributes.ApproximateNumberOfMessages");
	f = awsjson_string(j, "Attributes.ApproximateNumberOfMessagesNotVisible");
	*waiting = w ? atol(w) : -1;
	*in_flight = f ? atol(f) : -1;
	awsjson_free(j);
	return 0;
}
