/* SPDX-License-Identifier: ISC */
/* event_bounce.c: RFC 3464 notice for an asynchronous hard bounce
 * (event_bounce.h), written through spool.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bounce.h"
#include "config.h"
#include "envelope.h"
#include "event_bounce.h"
#include "spool.h"
#include "util.h"

static int
put(struct spool_file *f, char *s)
{
	int r = spool_write(f, s, strlen(s));

	free(s);
	return r;
}

static const char *
rfc5322_date(double t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	strftime(buf, len, "%a, %d %b %Y %H:%M:%S %z", localtime_r(&tt, &tm));
	return buf;
}

int
event_bounce_queue(const struct config *cf, const struct event_bounce *b,
    char *newid, char *err, size_t errlen)
{
	const char *to = cf->bounce_to[0] ? cf->bounce_to : b->sender;
	const char *status = *b->status ? b->status : "5.0.0";
	char boundary[320], sent[64];
	struct spool_file f;
	struct spool sp;
	int r;

	if (*b->sender == '\0')
		return 1;	/* never a bounce for a bounce */
	spool_init(&sp, cf->spool_dir);
	if ((r = bounce_start(cf, &sp, to, &f, boundary, sizeof(boundary), err, errlen)) == -1)
		return -1;
	rfc5322_date(b->sent, sent, sizeof(sent));
	r |= put(&f, xasprintf(
	    "Your message (queue id %s) was accepted by Amazon SES on %s,\n"
	    "but the recipient's side refused it afterwards. It will not be\n"
	    "retried.\n\n<%s>: %s%s%.900s\n",
	    b->qid, sent, b->rcpt, b->detail,
	    *b->diag ? ": " : "", b->diag));
	r |= put(&f, xasprintf("\n--%s\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; %s\nX-Sesrelay-Queue-ID: %s\nArrival-Date: %s\n\n"
	    "Final-Recipient: rfc822; %s\nAction: failed\nStatus: %s\n%s%s%s%s%.900s\n",
	    boundary, cf->domain, b->qid, sent, b->rcpt, status,
	    *b->mta ? "Remote-MTA: " : "", b->mta, *b->mta ? "\n" : "",
	    *b->diag ? (strchr(b->diag, ';') ? "Diagnostic-Code: " :
	    "Diagnostic-Code: smtp; ") : "", b->diag));
	r |= put(&f, xasprintf("\n--%s\nContent-Type: text/rfc822-headers\n\n"
	    "%s%s%s\n--%s--\n", boundary, *b->msgid ? "Message-ID: <" : "", b->msgid,
	    *b->msgid ? ">\n" : "", boundary));
	if (r != 0 || spool_commit(&f) == -1) {
		snprintf(err, errlen, "cannot queue the bounce notice: %s", strerror(errno));
		spool_abort(&f);
		return -1;
	}
	memcpy(newid, f.id, QID_LEN + 1);
	return 0;
}
