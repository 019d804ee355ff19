/* SPDX-License-Identifier: ISC */
/*
 * event_bounce.c: the optional bounce notice (RFC 3464) for a hard bounce
 * SES reports after its 250 (bounce_notice = true), as bounce.c writes one
 * for a 5xx at SMTP time: to bounce_to or the original envelope sender,
 * from the null sender, queued through the spool like any message.  The
 * original message is gone by then, so the third part carries the headers
 * the history knows (Message-ID).
 */
#ifndef SESRELAY_EVENT_BOUNCE_H
#define SESRELAY_EVENT_BOUNCE_H

#include <stddef.h>

struct config;

struct event_bounce {
	const char	*qid;		/* original queue id */
	const char	*sender;	/* original envelope sender ("" = null) */
	const char	*msgid;		/* original Message-ID, without <> */
	const char	*rcpt;		/* the recipient that bounced */
	const char	*status;	/* DSN status ("5.1.1"), "" = unknown */
	const char	*diag;		/* remote words, "" */
	const char	*mta;		/* reporting MTA, "" */
	const char	*detail;	/* "Permanent/NoEmail" */
	double		 sent;		/* when SES accepted it */
};

/* Queue the notice.  Returns 0 (newid filled, QID_LEN + 1 octets), 1 when
 * none is due (null sender: never a bounce for a bounce), -1 with err. */
int	event_bounce_queue(const struct config *cf, const struct event_bounce *b,
	    char *newid, char *err, size_t errlen);

#endif
