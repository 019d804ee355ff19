/* SPDX-License-Identifier: ISC */
/*
 * events.c: SES event records -> history rows and log lines (events.h).
 * Parsed leniently (new fields may appear; absent optional fields are ""),
 * strictly where matching depends on it (event type, mail.messageId,
 * mail.timestamp, at least one recipient).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "awsjson.h"
#include "event_bounce.h"
#include "events.h"
#include "history.h"
#include "qid.h"
#include "log.h"
#include "util.h"

#define FIELD_MAX 1000		/* longest text kept from an event */

static const struct {
	const char	*name;
	enum ev_type	 type;
	const char	*object;	/* the type's own object */
	const char	*rcpts;		/* its recipient list (NULL: mail.destination) */
	const char	*word;		/* status= in the log line */
} types[] = {
	{ "Delivery",		EV_DELIVERY,	"delivery",	 "recipients",	"delivered" },
	{ "Bounce",		EV_BOUNCE,	"bounce",	 "bouncedRecipients", "bounced" },
	{ "Complaint",		EV_COMPLAINT,	"complaint",	 "complainedRecipients", "complaint" },
	{ "DeliveryDelay",	EV_DELAY,	"deliveryDelay", "delayedRecipients", "delayed" },
	{ "Send",		EV_SEND,	"send",		 NULL,		"accepted" },
	{ "Reject",		EV_REJECT,	"reject",	 NULL,		"rejected" },
};

const char *
events_status_word(const char *type_name)
{
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i].name, type_name) == 0)
			return types[i].word;
	return "event";
}

/* ---- parsing (through awsjson.c, the JSON module) ------------------------- */

/* A copy of the string at path, control characters turned into spaces and
 * cut at FIELD_MAX; "" when absent or not a string. */
static char *
str_of(const struct awsjson *j, const char *path)
{
	const char *s = awsjson_string(j, path);
	char *c, *p;

	if (s == NULL)
		return xstrdup("");
	c = xstrndup(s, FIELD_MAX);
	for (p = c; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return c;
}

/* "Name <a@b>" -> "a@b"; a bare address as it is. */
static char *
addr_of(const struct awsjson *j, const char *path)
{
	char *s = str_of(j, path), *lt = strrchr(s, '<'), *a;

	if (lt == NULL)
		return s;
	a = xstrndup(lt + 1, strcspn(lt + 1, ">"));
	free(s);
	return a;
}

/* ISO 8601 UTC "2026-03-01T10:00:01.300Z" -> epoch seconds; 0 if not one. */
static double
iso_time(const char *s)
{
	struct tm tm;
	char *end;
	double frac = 0;

	if (s == NULL)
		return 0;
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return 0;
	if (*end == '.')
		frac = strtod(end, &end);
	if (*end != 'Z' && *end != '\0' && strcmp(end, "+00:00") != 0)
		return 0;
	return (double)timegm(&tm) + frac;
}

/* The value of a tag: SES gives each as an array of strings. */
static char *
tag_of(const struct awsjson *rec, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "mail.tags.%s.0", name);
	if (awsjson_string(rec, path) == NULL)
		path[strlen(path) - 2] = '\0';		/* a plain string */
	return str_of(rec, path);
}

/* Recipient i of the list at `list`: plain strings (Delivery, destination)
 * or objects with emailAddress, status, diagnosticCode. */
static void
add_rcpt(struct ses_event *ev, const struct awsjson *rec, const char *list, size_t i)
{
	char path[160], base[128];
	struct ev_rcpt *x;

	snprintf(base, sizeof(base), "%s.%zu", list, i);
	if (awsjson_string(rec, base) == NULL)
		snprintf(path, sizeof(path), "%s.emailAddress", base);
	else
		snprintf(path, sizeof(path), "%s", base);
	if (awsjson_string(rec, path) == NULL || *awsjson_string(rec, path) == '\0')
		return;
	ev->rcpts = xrealloc(ev->rcpts, (ev->nrcpts + 1) * sizeof(*ev->rcpts));
	x = &ev->rcpts[ev->nrcpts++];
	x->addr = addr_of(rec, path);
	snprintf(path, sizeof(path), "%s.status", base);
	x->status = str_of(rec, path);
	snprintf(path, sizeof(path), "%s.diagnosticCode", base);
	x->diag = str_of(rec, path);
}

/* The SES record inside an SNS envelope, or the body itself (raw message
 * delivery); *own says whether the caller must free the result. */
static struct awsjson *
unwrap(struct awsjson *root, int *own, enum ev_parse *why, char *err, size_t errlen)
{
	const char *type = awsjson_string(root, "Type");
	const char *msg = awsjson_string(root, "Message");
	struct awsjson *inner;

	*own = 0;
	if (type == NULL || awsjson_string(root, "TopicArn") == NULL)
		return root;
	if (strcmp(type, "Notification") != 0) {
		/* SubscriptionConfirmation (cross-account) and the like. */
		snprintf(err, errlen, "SNS message of type %.60s, not an event", type);
		*why = EVP_IGNORED;
		return NULL;
	}
	if (msg == NULL || (inner = awsjson_parse(msg, strlen(msg))) == NULL) {
		snprintf(err, errlen, "SNS Message is not a JSON object");
		*why = EVP_MALFORMED;
		return NULL;
	}
	*own = 1;
	return inner;
}

static enum ev_parse
fill(const struct awsjson *rec, struct ses_event *ev, char *err, size_t errlen)
{
	const char *type = awsjson_string(rec, "eventType");
	char path[96], list[96];
	size_t i, k, n;

	if (type == NULL)	/* identity notifications (no configuration set) */
		type = awsjson_string(rec, "notificationType");
	if (type == NULL) {
		snprintf(err, errlen, "no eventType");
		return EVP_MALFORMED;
	}
	for (k = 0; k < sizeof(types) / sizeof(types[0]); k++)
		if (strcmp(types[k].name, type) == 0)
			break;
	if (k == sizeof(types) / sizeof(types[0])) {
		snprintf(err, errlen, "event type %.40s is not kept", type);
		return EVP_IGNORED;
	}
	ev->type = types[k].type;
	ev->type_name = xstrdup(types[k].name);
	ev->ses_id = str_of(rec, "mail.messageId");
	ev->mail_time = iso_time(awsjson_string(rec, "mail.timestamp"));
	if (!*ev->ses_id || ev->mail_time == 0) {
		snprintf(err, errlen, "%s event without mail.messageId or mail.timestamp",
		    type);
		return EVP_MALFORMED;
	}
	ev->source = addr_of(rec, "mail.source");
	ev->tag_host = tag_of(rec, EV_TAG_HOST);
#define OBJ(field) (snprintf(path, sizeof(path), "%s.%s", types[k].object, field), path)
	ev->time = iso_time(awsjson_string(rec, OBJ("timestamp")));
	if (ev->time == 0)
		ev->time = ev->mail_time;
	ev->mta = str_of(rec, OBJ("reportingMTA"));
	ev->remote_ip = str_of(rec, OBJ("remoteMtaIp"));
	ev->smtp_response = str_of(rec, OBJ("smtpResponse"));
	ev->expires = iso_time(awsjson_string(rec, OBJ("expirationTime")));
	ev->kind = str_of(rec, OBJ(ev->type == EV_BOUNCE ? "bounceType" : ev->type ==
	    EV_DELAY ? "delayType" : ev->type == EV_COMPLAINT ? "complaintFeedbackType" :
	    "reason"));
	ev->subtype = str_of(rec, OBJ(ev->type == EV_BOUNCE ? "bounceSubType" :
	    "complaintSubType"));
	snprintf(list, sizeof(list), "%s", types[k].rcpts ? OBJ(types[k].rcpts) :
	    "mail.destination");
#undef OBJ
	n = awsjson_array_len(rec, list);
	for (i = 0; i < n; i++)
		add_rcpt(ev, rec, list, i);
	if (ev->nrcpts == 0) {
		snprintf(err, errlen, "%s event for %s without recipients", type, ev->ses_id);
		return EVP_MALFORMED;
	}
	return EVP_OK;
}

enum ev_parse
events_parse(const char *body, size_t len, struct ses_event *ev, char *err,
    size_t errlen)
{
	enum ev_parse rc = EVP_MALFORMED;
	struct awsjson *root, *rec;
	int own;

	memset(ev, 0, sizeof(*ev));
	err[0] = '\0';
	if ((root = awsjson_parse(body, len)) == NULL) {
		snprintf(err, errlen, "not a JSON object");
		return EVP_MALFORMED;
	}
	if ((rec = unwrap(root, &own, &rc, err, errlen)) != NULL) {
		rc = fill(rec, ev, err, errlen);
		if (own)
			awsjson_free(rec);
	}
	awsjson_free(root);
	if (rc != EVP_OK)
		events_free(ev);
	return rc;
}

void
events_free(struct ses_event *ev)
{
	size_t i;

	for (i = 0; i < ev->nrcpts; i++) {
		free(ev->rcpts[i].addr);
		free(ev->rcpts[i].status);
		free(ev->rcpts[i].diag);
	}
	free(ev->rcpts);
	free(ev->type_name);
	free(ev->ses_id);
	free(ev->source);
	free(ev->kind);
	free(ev->subtype);
	free(ev->mta);
	free(ev->remote_ip);
	free(ev->smtp_response);
	free(ev->tag_host);
	memset(ev, 0, sizeof(*ev));
}

/* ---- hints ----------------------------------------------------------------- */

static int
is(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}

static int
dsn_class(const char *status, const char *prefix)
{
	/* "5.7.1" matches "x.7." as a subject class. */
	return status && strlen(status) >= 4 && strncmp(status + 1, prefix, 3) == 0;
}

const char *
events_hint(const char *type, const char *kind, const char *sub, const char *status,
    const char *diag)
{
	(void)diag;	/* the remote words are shown as they are, never parsed */
	if (is(type, "Complaint"))
		return "the recipient marked this mail as spam: stop sending to them "
		    "(SES reviews an account from a 0.1% complaint rate)";
	if (is(type, "Reject"))
		return "SES found a virus in the message and did not send it";
	if (is(sub, "OnAccountSuppressionList"))
		return "the address is on the account's suppression list, so SES did not "
		    "try it; remove it (aws sesv2 delete-suppressed-destination "
		    "--email-address ADDRESS) only once the address works again";
	if (is(sub, "Suppressed"))
		return "the address is on SES's global suppression list (it bounced "
		    "recently): SES will not send to it for a while";
	if (is(sub, "MailboxFull") || is(kind, "MailboxFull") || dsn_class(status, ".2."))
		return "the recipient's mailbox is full; SES retries a delayed message "
		    "until it expires; nothing to fix on this host";
	if (is(kind, "IPFailure") || is(kind, "SpamDetected") || is(sub, "ContentRejected") ||
	    dsn_class(status, ".7."))
		return "blocked by the recipient's server (sending IP reputation, "
		    "policy or content): read its words; if it persists, ask the "
		    "recipient's postmaster";
	if (is(sub, "NoEmail") || dsn_class(status, ".1."))
		return "the address does not exist at the recipient's domain: check for a "
		    "typo and remove it from your lists";
	if (is(sub, "MessageTooLarge"))
		return "the recipient's server refused a message of this size";
	if (is(sub, "AttachmentRejected"))
		return "the recipient's server refused an attachment";
	if (is(type, "Bounce") && is(kind, "Permanent"))
		return "hard bounce: SES adds the address to the account's suppression "
		    "list if that is on; stop sending to it";
	return NULL;
}

/* ---- ingest ---------------------------------------------------------------- */

static void
log_event(const struct ses_event *ev, const struct ev_rcpt *r, const char *qid)
{
	const char *words = *r->diag ? r->diag : ev->smtp_response;
	const char *hint = events_hint(ev->type_name, ev->kind, ev->subtype, r->status,
	    r->diag);
	char detail[1200];

	/* "(Permanent/NoEmail: smtp; 550 5.1.1 user unknown)", "(abuse)",
	 * "(250 2.0.0 OK)", or the event type when SES gave neither. */
	snprintf(detail, sizeof(detail), "%.40s%s%.40s%s%s", ev->kind,
	    *ev->kind && *ev->subtype ? "/" : "", ev->subtype,
	    (*ev->kind || *ev->subtype) && *words ? ": " : "", words);
	log_info("%s: to=<%s>, relay=%s, delay=%.2f, dsn=%s, ses_id=%s, status=%s "
	    "(%s)%s%s", *qid ? qid : "-", r->addr, *ev->mta ? ev->mta : *ev->remote_ip ?
	    ev->remote_ip : "none", ev->time - ev->mail_time, *r->status ? r->status :
	    ev->type == EV_DELIVERY ? "2.0.0" : "-", ev->ses_id,
	    events_status_word(ev->type_name), *detail ? detail : ev->type_name,
	    hint ? " hint: " : "", hint ? hint : "");
}

/* The queue id this event belongs to: from a sent record of any of its
 * recipients, else from our own tag when it carries our host's tag.
 * 1 ours, 0 not (yet) known here, -1 history error. */
static int
match(struct history *h, const struct ses_event *ev, const char *host_tag,
    char *qid, size_t qidlen)
{
	size_t i;
	int rc;

	for (i = 0; i < ev->nrcpts; i++)
		if ((rc = history_find_sent(h, ev->ses_id, ev->rcpts[i].addr, qid,
		    qidlen)) != 0)
			return rc;
	if (host_tag && *host_tag && strcmp(ev->tag_host, host_tag) == 0) {
		/* Ours, before its 250 was recorded (or the history lost it):
		 * stored without a queue id, which history_add_sent fills in. */
		qid[0] = '\0';
		return 1;
	}
	return 0;
}

/* A hard bounce SES reported after its 250: tell the original sender, once
 * (only for a newly stored event), never for a bounce. */
static void
notice(struct history *h, const struct config *cf, const struct ses_event *ev,
    const struct ev_rcpt *r)
{
	struct history_row row;
	struct event_bounce b;
	char detail[96], newid[QID_LEN + 1], err[512];

	if (ev->type != EV_BOUNCE || strcmp(ev->kind, "Permanent") != 0)
		return;
	if (history_sent_row(h, ev->ses_id, r->addr, &row) != 1) {
		log_warnx("%s: no bounce notice for <%s>: this host has no record of "
		    "sending it", ev->ses_id, r->addr);
		return;
	}
	snprintf(detail, sizeof(detail), "%s/%s", ev->kind, ev->subtype);
	b = (struct event_bounce){ row.qid, row.sender, row.msgid, r->addr, r->status,
	    r->diag, ev->mta, detail, row.time };
	switch (event_bounce_queue(cf, &b, newid, err, sizeof(err))) {
	case 0:
		log_info("%s: sender non-delivery notification: %s (SES bounce for <%s>)",
		    row.qid, newid, r->addr);
		break;
	case 1:
		log_info("%s: no bounce notice for a bounce (null sender)", row.qid);
		break;
	default:
		log_warnx("%s: %s", row.qid, err);
	}
	history_row_free(&row);
}

enum ev_outcome
events_ingest(struct history *h, const struct ev_opts *o, const char *sqs_id,
    const char *body, size_t len)
{
	const char *host_tag = o->host_tag;
	struct ses_event ev;
	char err[512], qid[128];
	size_t i, added = 0;
	int rc;

	switch (events_parse(body, len, &ev, err, sizeof(err))) {
	case EVP_MALFORMED:
		log_warnx("SES event %s: malformed, dropped: %s", sqs_id, err);
		history_counter_add(h, "malformed", 1);
		return EVO_MALFORMED;
	case EVP_IGNORED:
		return EVO_IGNORED;
	case EVP_OK:
		break;
	}
	if ((rc = match(h, &ev, host_tag, qid, sizeof(qid))) <= 0) {
		events_free(&ev);
		if (rc == 0)
			return EVO_UNKNOWN;
		log_warnx("SES event %s: cannot read the history: %s", sqs_id,
		    history_error(h));
		return EVO_ERROR;
	}
	for (i = 0; i < ev.nrcpts; i++) {
		const struct ev_rcpt *r = &ev.rcpts[i];
		struct history_event he = { ev.ses_id, r->addr, qid, ev.type_name, ev.time,
		    ev.kind, ev.subtype, r->status, *r->diag ? r->diag : ev.smtp_response,
		    ev.mta, ev.remote_ip, ev.expires };

		if ((rc = history_add_event(h, &he)) == -1) {
			log_warnx("SES event %s: cannot store it: %s", sqs_id, history_error(h));
			events_free(&ev);
			return EVO_ERROR;
		}
		if (rc == 1) {
			added++;
			log_event(&ev, r, qid);
			if (o->notice_cf)
				notice(h, o->notice_cf, &ev, r);
		}
	}
	events_free(&ev);
	return added ? EVO_STORED : EVO_DUPLICATE;
}
