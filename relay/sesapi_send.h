/* SPDX-License-Identifier: ISC */
/*
 * sesapi_send.c: SES v2 SendEmail with raw content (shared/ses-api.md 3.2),
 * streamed: the message comes from a msgstream (the same bytes the SMTP
 * transport sends), is base64-encoded piece by piece into the JSON body,
 * and never sits in memory whole.  SigV4 signs the body's SHA-256, so the
 * body is generated twice: once to hash and measure it, once to send.
 * Outcomes are enum ses_send_status: AWS's words are read here, once.
 */
#ifndef SESRELAY_SESAPI_SEND_H
#define SESRELAY_SESAPI_SEND_H

#include <stddef.h>

struct config;
struct awscreds_chain;
struct awshttp_conn;
struct msgstream;

/* SES's limit on the raw message: 40 MB after MIME encoding. */
#define SES_API_MAX_RAW (40L * 1024 * 1024)

enum ses_send_status {
	SEND_OK = 0,
	SEND_THROTTLED,		/* TooManyRequests, Throttling: max send rate */
	SEND_QUOTA,		/* daily sending quota used up (LimitExceeded) */
	SEND_REJECTED,		/* MessageRejected: this message or a recipient */
	SEND_REJECTED_SENDER,	/* MessageRejected naming our sender (unverified) */
	SEND_BAD_MESSAGE,	/* BadRequestException, InvalidParameterValue */
	SEND_SUSPENDED,		/* AccountSuspendedException */
	SEND_PAUSED,		/* SendingPausedException */
	SEND_MAIL_FROM,		/* MailFromDomainNotVerifiedException */
	SEND_NOT_FOUND,		/* NotFoundException (configuration set) */
	SEND_DENIED,		/* AccessDenied: ses:SendRawEmail missing */
	SEND_BAD_CREDENTIALS,	/* unknown key, wrong secret, expired token */
	SEND_NO_CREDENTIALS,	/* the credential chain found none */
	SEND_CLOCK,		/* RequestExpired: this host's clock */
	SEND_SERVER,		/* 5xx */
	SEND_UNKNOWN,		/* another error code: treated as temporary */
	SEND_TIMEOUT,		/* no reply in time */
	SEND_RESET,		/* the connection broke */
	SEND_CONNECT,		/* name not found, connection refused */
	SEND_TLS,		/* handshake or certificate */
	SEND_TOO_BIG,		/* over SES_API_MAX_RAW: not sent */
	SEND_LOCAL,		/* reading the spool or signing failed */
	SEND_ABORTED,		/* shutdown */
	SEND_MALFORMED,		/* 200 without a MessageId */
	SEND_NSTATUS
};

struct ses_send_result {
	enum ses_send_status status;
	long	 http_status;		/* 0 when no reply came */
	char	 code[96];		/* AWS error code, "" if none */
	char	 text[512];		/* AWS's message or what failed, for the log */
	char	 message_id[128];	/* SEND_OK: SES's MessageId */
	int	 body_sent;		/* the whole request went out */
	int	 reused;		/* on a connection kept from before */
	char	 peer[64];		/* "ip:port" */
	long	 raw_size;		/* octets of the message as sent */
};

struct ses_sender;

/* A sender for cf's endpoint and region with credentials from `creds` (not
 * owned; thread-safe).  Cheap. */
struct ses_sender *ses_sender_new(const struct config *cf, struct awscreds_chain *creds);
void	ses_sender_free(struct ses_sender *s);
/* "https://email.us-east-1.amazonaws.com" (for relay= in the log). */
const char *ses_sender_endpoint(const struct ses_sender *s);

/* Send the message in ms (rewound first) from `from` ("" = let SES take
 * the From: header) to rcpts (the envelope: Destination.BccAddresses, so
 * nothing is added to the headers) on conn.  stall_s: seconds without
 * progress before giving up; abort: set to end at once.  Returns out->status. */
enum ses_send_status ses_send_raw(struct ses_sender *s, struct awshttp_conn *conn,
	    const char *from, char *const *rcpts, size_t nrcpts, struct msgstream *ms,
	    long stall_s, volatile int *abort, struct ses_send_result *out);

const char *ses_send_status_name(enum ses_send_status st);

#endif
