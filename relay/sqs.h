/* SPDX-License-Identifier: ISC */
/*
 * sqs.c: the two Amazon SQS calls the event poller makes, in the JSON 1.0
 * protocol (POST /, X-Amz-Target: AmazonSQS.<Action>): ReceiveMessage with
 * long polling and DeleteMessageBatch.  Over awshttp.c, signed for service
 * "sqs" with credentials from awscreds.c.  Errors come back as enum
 * sqs_status plus SQS's error code, never as text to re-read.
 * One struct sqs per thread.
 */
#ifndef SESRELAY_SQS_H
#define SESRELAY_SQS_H

#include <stddef.h>

struct config;
struct awscreds_chain;

enum sqs_status {
	SQS_OK = 0,
	SQS_NO_CREDENTIALS,	/* the credential chain found none, or failed */
	SQS_BAD_CREDENTIALS,	/* SignatureDoesNotMatch, InvalidClientTokenId, ... */
	SQS_DENIED,		/* AccessDenied: IAM policy lacks sqs:ReceiveMessage / DeleteMessage */
	SQS_NO_QUEUE,		/* QueueDoesNotExist: events_queue_url is wrong */
	SQS_THROTTLED,		/* RequestThrottled, OverLimit: try later */
	SQS_SERVER,		/* 5xx: try later */
	SQS_TRANSPORT,		/* no reply: DNS, connect, TLS, timeout */
	SQS_MALFORMED,		/* a reply we do not understand */
	SQS_OTHER		/* any other client error */
};

struct sqs_error {
	enum sqs_status	 status;
	long		 http_status;
	char		 code[96];	/* SQS's code ("QueueDoesNotExist"), "" */
	char		 message[512];	/* its words or ours, for the log */
};

struct sqs_message {
	char	*id;		/* SQS MessageId */
	char	*receipt;	/* ReceiptHandle (for the delete) */
	char	*body;
	size_t	 len;
	long	 receive_count;	/* ApproximateReceiveCount, 1 the first time */
};

struct sqs;

/* A client for cf->events_queue_url: endpoint from cf->sqs_endpoint or the
 * queue URL's scheme and host; region from the host
 * (sqs.<region>.amazonaws.com) or cf->region.  NULL with err when the URL
 * is not one. */
struct sqs *sqs_new(const struct config *cf, struct awscreds_chain *creds,
	    char *err, size_t errlen);
void	sqs_free(struct sqs *q);

/* Long-poll up to `wait` seconds (0..20) for at most `max` (1..10)
 * messages.  0 with *out and *n set (possibly none), or -1 with e. */
int	sqs_receive(struct sqs *q, int max, int wait, struct sqs_message **out,
	    size_t *n, struct sqs_error *e);
void	sqs_messages_free(struct sqs_message *m, size_t n);

/* Delete up to 10 received messages by receipt handle.  Returns how many
 * SQS reported as failed (a stale handle: the message comes back and is
 * matched again, harmlessly), or -1 with e when the call failed. */
int	sqs_delete_batch(struct sqs *q, char *const *receipts, size_t n,
	    struct sqs_error *e);

/* GetQueueAttributes: messages waiting and in flight (for doctor; needs
 * sqs:GetQueueAttributes, which the poller does not).  0 or -1 with e. */
int	sqs_queue_depth(struct sqs *q, long *waiting, long *in_flight,
	    struct sqs_error *e);

/* "queue does not exist", "access denied", ... */
const char *sqs_status_name(enum sqs_status s);

/* The region of an SQS queue URL host (sqs.eu-west-1.amazonaws.com), or
 * "" ; written into buf. */
const char *sqs_url_region(const char *url, char *buf, size_t len);

#endif
