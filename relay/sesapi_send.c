/* SPDX-License-Identifier: ISC */
/*
 * sesapi_send.c: SendEmail (raw) over awshttp.c, the body streamed from the
 * spool.  The JSON body is `head` + base64(message) + `tail`; head and
 * tail come from jansson (awsjson.c) with an empty Data, so every address
 * is escaped by the library, and only the message bytes are generated
 * here, in RAW_CHUNK pieces: memory stays at a few buffers whatever the
 * message size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "awscreds.h"
#include "awshttp.h"
#include "awsjson.h"
#include "classify.h"
#include "config.h"
#include "msgstream.h"
#include "sesapi.h"
#include "sesapi_send.h"
#include "sigv4.h"
#include "util.h"

#define RAW_CHUNK (48 * 1024)	/* a multiple of 3: no padding mid-stream */
#define DATA_TAIL "\"Data\":\"\"}}}"

struct ses_sender {
	char			*endpoint;
	char			*url;
	char			*region;
	struct awscreds_chain	*creds;
};

/* The body as a stream: head, base64 of the message, tail. */
struct body {
	struct msgstream *ms;
	const char	*head, *tail;
	size_t		 headlen, taillen;
	int		 phase;		/* 0 head, 1 data, 2 tail, 3 end */
	size_t		 pos;		/* in head or tail */
	unsigned char	 raw[RAW_CHUNK];
	size_t		 rawlen;	/* octets read, not yet encoded */
	char		 b64[RAW_CHUNK / 3 * 4 + 4];
	size_t		 b64len, b64pos;
	int		 ms_end;
	long		 raw_total;
};

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t
base64(const unsigned char *in, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		out[o++] = b64chars[in[i] >> 2];
		out[o++] = b64chars[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		out[o++] = b64chars[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		out[o++] = b64chars[in[i + 2] & 63];
	}
	if (i < n) {
		out[o++] = b64chars[in[i] >> 2];
		if (i + 1 < n) {
			out[o++] = b64chars[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
			out[o++] = b64chars[(in[i + 1] & 15) << 2];
		} else
			out[o++] = b64chars[(in[i] & 3) << 4];
		out[o++] = '=';
		if (i + 1 >= n)
			out[o++] = '=';
	}
	return o;
}

static void
body_rewind(struct body *b)
{
	msgstream_rewind(b->ms);
	b->phase = 0;
	b->pos = b->rawlen = b->b64len = b->b64pos = 0;
	b->ms_end = 0;
	b->raw_total = 0;
}

/* Encode the next piece of the message into b64; 0 at the end. */
static size_t
refill(struct body *b)
{
	size_t n, whole;

	while (!b->ms_end && b->rawlen < 3) {
		n = msgstream_read((char *)b->raw + b->rawlen, 1, RAW_CHUNK - b->rawlen, b->ms);
		if (n == 0)
			b->ms_end = 1;
		b->rawlen += n;
		b->raw_total += (long)n;
		if (b->rawlen >= 3)
			break;
	}
	whole = b->ms_end ? b->rawlen : b->rawlen / 3 * 3;
	b->b64len = base64(b->raw, whole, b->b64);
	b->b64pos = 0;
	memmove(b->raw, b->raw + whole, b->rawlen - whole);
	b->rawlen -= whole;
	return b->b64len;
}

static size_t
body_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct body *b = arg;
	size_t cap = size * nitems, used = 0, n;

	while (used < cap && b->phase < 3) {
		if (b->phase == 0 || b->phase == 2) {
			const char *s = b->phase == 0 ? b->head : b->tail;
			size_t len = b->phase == 0 ? b->headlen : b->taillen;

			n = len - b->pos < cap - used ? len - b->pos : cap - used;
			memcpy(buf + used, s + b->pos, n);
			used += n;
			if ((b->pos += n) == len) {
				b->phase++;
				b->pos = 0;
			}
			continue;
		}
		if (b->b64pos == b->b64len && refill(b) == 0) {
			b->phase = 2;
			continue;
		}
		n = b->b64len - b->b64pos < cap - used ? b->b64len - b->b64pos : cap - used;
		memcpy(buf + used, b->b64 + b->b64pos, n);
		used += n;
		b->b64pos += n;
	}
	return used;
}

/* First pass: the body's length and SHA-256; stops early (returning -1)
 * once the message is over SES's limit. */
static int
measure(struct body *b, char hash[65], size_t *len)
{
	struct sigv4_sha256 *h = sigv4_sha256_new();
	char *buf = xmalloc(RAW_CHUNK);
	size_t n;
	int rc = 0;

	body_rewind(b);
	*len = 0;
	while ((n = body_read(buf, 1, RAW_CHUNK, b)) > 0) {
		sigv4_sha256_update(h, buf, n);
		*len += n;
		if (b->raw_total > SES_API_MAX_RAW) {
			rc = -1;
			break;
		}
	}
	free(buf);
	if (sigv4_sha256_finish(h, hash) == -1)
		rc = -2;
	return rc;
}

struct ses_sender *
ses_sender_new(const struct config *cf, struct awscreds_chain *creds)
{
	struct ses_sender *s = xcalloc(1, sizeof(*s));

	s->endpoint = sesapi_endpoint_url(cf);
	s->url = xasprintf("%s/v2/email/outbound-emails", s->endpoint);
	s->region = xstrdup(cf->region);
	s->creds = creds;
	return s;
}

void
ses_sender_free(struct ses_sender *s)
{
	if (s == NULL)
		return;
	free(s->endpoint);
	free(s->url);
	free(s->region);
	free(s);
}

const char *
ses_sender_endpoint(const struct ses_sender *s)
{
	return s->endpoint;
}

const char *
ses_send_status_name(enum ses_send_status st)
{
	static const char *names[SEND_NSTATUS] = {
		"sent", "throttled", "daily quota", "message rejected",
		"sender not verified", "bad request", "account suspended",
		"sending paused", "MAIL FROM domain not verified", "not found",
		"access denied", "credentials refused", "no credentials",
		"clock skew", "server error", "unknown error", "timeout",
		"connection broke", "cannot connect", "TLS", "too big",
		"local error", "aborted", "unreadable reply",
	};

	return (unsigned)st < SEND_NSTATUS ? names[st] : "?";
}

/* AWS error codes of SendEmail (shared/ses-api.md 3.3). */
static const struct {
	const char		*code;
	enum ses_send_status	 st;
} codes[] = {
	{ "TooManyRequestsException",		SEND_THROTTLED },
	{ "Throttling",				SEND_THROTTLED },
	{ "ThrottlingException",		SEND_THROTTLED },
	{ "LimitExceededException",		SEND_QUOTA },
	{ "MessageRejected",			SEND_REJECTED },
	{ "AccountSuspendedException",		SEND_SUSPENDED },
	{ "SendingPausedException",		SEND_PAUSED },
	{ "MailFromDomainNotVerifiedException",	SEND_MAIL_FROM },
	{ "NotFoundException",			SEND_NOT_FOUND },
	{ "BadRequestException",		SEND_BAD_MESSAGE },
	{ "InvalidParameterValue",		SEND_BAD_MESSAGE },
};

/* An error reply -> status.  The two places where only AWS's words tell
 * the cases apart: a throttle that is the daily quota (v1 wording "Daily
 * message quota exceeded"), and a rejection that names our sender. */
static void
map_error(const struct awshttp_response *r, const char *from, struct ses_send_result *out)
{
	struct ses_error e;
	size_t i;

	memset(&e, 0, sizeof(e));
	sesapi_parse_error(r, &e);
	snprintf(out->code, sizeof(out->code), "%s", e.code);
	snprintf(out->text, sizeof(out->text), "%s", e.message);
	switch (e.status) {
	case SES_DENIED:		out->status = SEND_DENIED; break;
	case SES_BAD_CREDENTIALS:	out->status = SEND_BAD_CREDENTIALS; break;
	case SES_CLOCK:			out->status = SEND_CLOCK; break;
	case SES_SERVER:		out->status = SEND_SERVER; break;
	default:			out->status = SEND_UNKNOWN; break;
	}
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(e.code, codes[i].code) == 0)
			out->status = codes[i].st;
	if (out->status == SEND_THROTTLED && strcasestr(e.message, "quota") != NULL)
		out->status = SEND_QUOTA;
	if (out->status == SEND_REJECTED && classify_names_sender(e.message, from))
		out->status = SEND_REJECTED_SENDER;
}

static enum ses_send_status
map_fail(enum awshttp_fail f)
{
	switch (f) {
	case AWSHTTP_OK:	return SEND_OK;
	case AWSHTTP_TIMEOUT:	return SEND_TIMEOUT;
	case AWSHTTP_RESOLVE:
	case AWSHTTP_CONNECT:	return SEND_CONNECT;
	case AWSHTTP_TLS:	return SEND_TLS;
	case AWSHTTP_ABORTED:	return SEND_ABORTED;
	case AWSHTTP_READ:
	case AWSHTTP_SIGN:	return SEND_LOCAL;
	case AWSHTTP_BAD_URL:	return SEND_CONNECT;
	case AWSHTTP_TOO_BIG:	return SEND_MALFORMED;
	case AWSHTTP_RESET:
	case AWSHTTP_OTHER:	break;
	}
	return SEND_RESET;
}

/* The JSON around the message: everything before Data's value, and after. */
static char *
json_shell(const char *from, char *const *rcpts, size_t nrcpts, size_t *headlen)
{
	struct awsjson *j = awsjson_new();
	char *text = NULL;
	size_t i, n;
	int bad = 0;

	if (from != NULL && *from)
		bad |= awsjson_set_path(j, "FromEmailAddress", from);
	for (i = 0; i < nrcpts; i++)
		bad |= awsjson_append(j, "Destination.BccAddresses", rcpts[i]);
	bad |= awsjson_set_path(j, "Content.Raw.Data", "");
	if (!bad) {
		text = awsjson_dump(j);
		n = strlen(text);
		if (n < sizeof(DATA_TAIL) || strcmp(text + n - strlen(DATA_TAIL), DATA_TAIL) != 0) {
			free(text);
			text = NULL;
		} else
			*headlen = n - 4;	/* up to and with the opening quote */
	}
	awsjson_free(j);
	return text;
}

/* One signed POST of the streamed body; the reply into out. */
static void
post(struct ses_sender *s, struct awshttp_conn *conn, struct body *b,
    const struct awshttp_stream *st, const struct awscreds *c, long stall_s,
    volatile int *abort, const char *from, struct ses_send_result *out)
{
	static const char *const headers[] = { "Content-Type: application/json", NULL };
	struct awshttp_signer sg = { c->access_key_id, c->secret_access_key,
	    c->session_token, s->region, "ses" };
	struct awshttp_request rq;
	struct awshttp_response r;
	struct awsjson *j;
	const char *id;

	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.url = s->url;
	rq.headers = headers;
	rq.sign = &sg;
	rq.stream = st;
	rq.stall_s = stall_s;
	rq.abort = abort;
	body_rewind(b);
	awshttp_do_on(conn, &rq, &r);
	out->body_sent = r.body_sent;
	out->reused = r.reused;
	snprintf(out->peer, sizeof(out->peer), "%s", r.peer);
	out->http_status = r.fail == AWSHTTP_OK ? r.status : 0;
	if (r.fail != AWSHTTP_OK) {
		out->status = map_fail(r.fail);
		snprintf(out->text, sizeof(out->text), "%s", r.detail);
	} else if (r.status == 200) {
		j = awsjson_parse(r.body ? r.body : "", r.len);
		if ((id = awsjson_string(j, "MessageId")) != NULL && *id) {
			out->status = SEND_OK;
			snprintf(out->message_id, sizeof(out->message_id), "%s", id);
		} else {
			out->status = SEND_MALFORMED;
			snprintf(out->text, sizeof(out->text), "reply 200 without a MessageId");
		}
		awsjson_free(j);
	} else
		map_error(&r, from, out);
	awshttp_response_free(&r);
}

enum ses_send_status
ses_send_raw(struct ses_sender *s, struct awshttp_conn *conn, const char *from,
    char *const *rcpts, size_t nrcpts, struct msgstream *ms, long stall_s,
    volatile int *abort, struct ses_send_result *out)
{
	struct body *b = xcalloc(1, sizeof(*b));
	struct awshttp_stream st;
	struct awscreds c;
	char hash[65], *shell;
	size_t headlen = 0;
	int attempt, m;

	memset(out, 0, sizeof(*out));
	b->ms = ms;
	if ((shell = json_shell(from, rcpts, nrcpts, &headlen)) == NULL) {
		out->status = SEND_BAD_MESSAGE;
		snprintf(out->text, sizeof(out->text), "an address is not valid UTF-8");
		goto done;
	}
	b->head = shell;
	b->headlen = headlen;
	b->tail = shell + headlen;
	b->taillen = strlen(b->tail);
	m = measure(b, hash, &st.len);
	out->raw_size = b->raw_total;
	if (m == -1) {
		out->status = SEND_TOO_BIG;
		snprintf(out->text, sizeof(out->text), "the message is over %ld octets as "
		    "sent (CRLF line ends), the SES API's limit of 40 MB: not sent",
		    SES_API_MAX_RAW);
		goto done;
	}
	if (m == -2) {
		out->status = SEND_LOCAL;
		snprintf(out->text, sizeof(out->text), "SHA-256 failed (OpenSSL)");
		goto done;
	}
	st.read = body_read;
	st.arg = b;
	st.sha256 = hash;
	for (attempt = 0; attempt < 2; attempt++) {
		if (awscreds_get(s->creds, attempt > 0, &c, out->text,
		    sizeof(out->text)) != CREDS_OK) {
			out->status = SEND_NO_CREDENTIALS;
			break;
		}
		post(s, conn, b, &st, &c, stall_s, abort, from, out);
		/* Temporary credentials that expired early: SES refused the
		 * request before sending anything, so fetch new ones and
		 * send once more. */
		if (out->status != SEND_BAD_CREDENTIALS || c.session_token == NULL ||
		    strncmp(out->code, "ExpiredToken", 12) != 0) {
			awscreds_clear(&c);
			break;
		}
		awscreds_clear(&c);
	}
done:
	free(shell);
	free(b);
	return out->status;
}
