/* SPDX-License-Identifier: ISC */
/* classify.c: an SMTP reply (or a local transport error) -> what the relay
 * does, per ../shared/ses-smtp.md section 3, plus a hint for an admin who
 * has never used SES.  Pure: no I/O, unit-tested row by row. */
#ifndef SESRELAY_CLASSIFY_H
#define SESRELAY_CLASSIFY_H

enum reply_action {
	ACT_DELIVERED,	/* 250 after DATA: store the SES message id */
	ACT_RETRY,	/* temporary: back off and retry this message */
	ACT_RETRY_NOW,	/* connection died before DATA on a reused connection */
	ACT_THROTTLE,	/* 454 max send rate: slow the whole daemon, no attempt counted */
	ACT_QUOTA,	/* 454 daily quota: pause all sending for a while */
	ACT_HOLD,	/* operator's mistake (auth, access, our sender unverified): hold queue */
	ACT_FAIL,	/* permanent for this message/recipient: failed area + bounce */
};

struct reply_class {
	enum reply_action action;
	const char	*dsn;		/* enhanced status for logs/DSNs, e.g. "5.3.4" */
	const char	*hint;		/* what happened and what to do; NULL if none */
	int		 maybe_sent;	/* outcome unknown (timeout after final dot) */
	int		 sender_scoped;	/* ACT_HOLD because of the sender address itself:
					   the caller holds the whole queue only when it
					   is the configured `sender`, else that sender */
};

/* code: 3-digit SMTP code (0 when no reply was read); text: the reply text;
 * sender: our envelope sender (to tell "our sender unverified" from a
 * sandbox recipient), NULL for a reply to RCPT (about the recipient, even
 * when it names the sender); after_dot: the failure happened after the
 * final dot. */
void	classify_reply(int code, const char *text, const char *sender,
	    int after_dot, struct reply_class *out);
/* A transfer that ended without a usable SMTP reply (libcurl error `cc`,
 * its error text, whether the final dot was sent, whether the connection
 * was reused from an earlier message). */
void	classify_transport(int cc, const char *errtext, int after_dot, int reused,
	    struct reply_class *out);
const char *reply_action_name(enum reply_action a);
/* SES's "not verified ... failed the check in region R: a, b": 1 when one
 * of the listed identities is `sender` or its domain (same words on the
 * SMTP interface and in the API's MessageRejected). */
int	classify_names_sender(const char *text, const char *sender);
/* The hint for a reply, as classify_reply gives it (NULL if none); for
 * `queue show`, which has only the stored reply text. */
const char *classify_hint(const char *reply, const char *sender);

#endif
