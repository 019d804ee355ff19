/* SPDX-License-Identifier: ISC */
/*
 * events.c: SES event records (configuration-set event publishing, and the
 * older identity notifications) as they arrive from SQS: raw, or inside the
 * SNS envelope (docs: ../shared fact sheet, section 4).  Parses with jansson,
 * matches each recipient to the sent-mail history, stores it (a redelivered
 * event changes nothing) and writes one log line per recipient in the shape
 * of the delivery line.  No I/O besides the history and the log.
 */
#ifndef SESRELAY_EVENTS_H
#define SESRELAY_EVENTS_H

#include <stddef.h>

struct config;
struct history;

enum ev_type {
	EV_SEND, EV_DELIVERY, EV_BOUNCE, EV_COMPLAINT, EV_DELAY, EV_REJECT,
	EV_OTHER	/* Open, Click, Rendering Failure, Subscription: not kept */
};

struct ev_rcpt {
	char	*addr;
	char	*status;	/* DSN status, "" */
	char	*diag;		/* diagnosticCode, "" */
};

/* One parsed record (all strings malloc'd, "" when absent). */
struct ses_event {
	enum ev_type	 type;
	char		*type_name;	/* "Delivery", "Bounce", "DeliveryDelay" ... */
	char		*ses_id;	/* mail.messageId */
	char		*source;	/* mail.source */
	double		 mail_time;	/* mail.timestamp (sent), epoch s */
	double		 time;		/* the event's own timestamp (or mail's) */
	char		*kind;		/* bounceType, delayType, complaintFeedbackType, reject reason */
	char		*subtype;	/* bounceSubType, complaintSubType */
	char		*mta;		/* reportingMTA */
	char		*remote_ip;	/* remoteMtaIp */
	char		*smtp_response;	/* delivery.smtpResponse */
	double		 expires;	/* deliveryDelay.expirationTime */
	char		*tag_host;	/* mail.tags.sesrelay_host[0] */
	struct ev_rcpt	*rcpts;
	size_t		 nrcpts;
};

/* The tag sesrelay puts on every message (rewrite.c) and reads back. */
#define EV_TAG_HOST	"sesrelay_host"

enum ev_parse {
	EVP_OK,
	EVP_IGNORED,	/* valid, but nothing to keep (Open, Click, SNS confirmation ...) */
	EVP_MALFORMED	/* not JSON, or no eventType / mail.messageId */
};

/* Parse one SQS message body.  On EVP_OK `ev` is filled (events_free it);
 * otherwise err says why (for the log).  Never reads beyond len. */
enum ev_parse events_parse(const char *body, size_t len, struct ses_event *ev,
	    char *err, size_t errlen);
void	events_free(struct ses_event *ev);

/* What became of one SQS message. */
enum ev_outcome {
	EVO_STORED,	/* new: stored and logged -> delete from SQS */
	EVO_DUPLICATE,	/* seen before (redelivery) -> delete */
	EVO_IGNORED,	/* nothing to keep -> delete */
	EVO_MALFORMED,	/* logged and counted -> delete (it would come back forever) */
	EVO_UNKNOWN,	/* not a message this host sent (yet): counted, left in
			 * the queue (another host's, or our 250 not yet recorded:
			 * it comes back after the visibility timeout) */
	EVO_ERROR	/* the history could not be written -> keep, retry later */
};

struct ev_opts {
	const char		*host_tag;	/* an event carrying it is ours even
						 * before its sent record exists */
	const struct config	*notice_cf;	/* bounce_notice on: queue RFC 3464
						 * notices with it; NULL = off */
};

/* Parse, match, store, log; for a new permanent bounce with notice_cf, a
 * bounce notice to the original sender (event_bounce.h).  `sqs_id` names
 * the SQS message in log lines. */
enum ev_outcome events_ingest(struct history *h, const struct ev_opts *o,
	    const char *sqs_id, const char *body, size_t len);

/* The status word of the log line for an event ("delivered", "bounced",
 * "delayed", "complaint", "rejected", "sent"). */
const char *events_status_word(const char *type_name);

/* A short hint for the operator for the common cases (mailbox full,
 * blocked by the recipient's server, suppression list, no such user,
 * complaint), or NULL. */
const char *events_hint(const char *type_name, const char *kind,
	    const char *subtype, const char *status, const char *diag);

#endif
