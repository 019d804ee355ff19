/* SPDX-License-Identifier: ISC */
/*
 * bounce.c: a multipart/report (RFC 3464) telling the sender which
 * recipients failed and why, with the SES reply and our hint, plus the
 * original headers.  It enters the queue like any message (maildrop, via
 * spool.c) with the null sender: a bounce that fails is kept in failed/
 * and never bounced again, so there is no storm.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bounce.h"
#include "classify.h"
#include "config.h"
#include "envelope.h"
#include "spool.h"
#include "util.h"

static int
put(struct spool_file *f, const char *s)
{
	return spool_write(f, s, strlen(s));
}

/* Copy the original header section (up to the empty line, at most 64 kB). */
static int
copy_headers(struct spool_file *f, int fd, const struct envelope *e)
{
	char buf[65536];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, e->data_offset);
	char *end;

	if (n <= 0)
		return put(f, "(original headers unavailable)\n");
	if ((size_t)n > (size_t)e->size)
		n = e->size;
	buf[n] = '\0';
	end = strstr(buf, "\n\n");
	if (end != NULL)
		end[1] = '\0';
	return put(f, buf);
}

int
bounce_start(const struct config *cf, const struct spool *sp, const char *to,
    struct spool_file *f, char *boundary, size_t blen, char *err, size_t errlen)
{
	const char *from = cf->sender[0] ? cf->sender : NULL;
	char *rcpt[1], *line, date[64];
	struct envelope be;
	time_t now = time(NULL);
	struct tm tm;
	int r = 0;

	if (spool_create(sp, f, 0) == -1) {
		snprintf(err, errlen, "cannot create the bounce: %s", strerror(errno));
		return -1;
	}
	rcpt[0] = (char *)to;
	memset(&be, 0, sizeof(be));
	be.arrival = now_sec();
	be.uid = (long)getuid();
	be.user = "MAILER-DAEMON";
	be.sender = "";
	be.rcpts = rcpt;
	be.nrcpts = 1;
	snprintf(boundary, blen, "%s/%s", f->id, cf->domain);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", localtime_r(&now, &tm));
	line = xasprintf(
	    "From: Mail Delivery System <%s%s>\n"
	    "To: %s\nSubject: Undelivered Mail Returned to Sender\n"
	    "Date: %s\nMessage-ID: <%s.bounce@%s>\nAuto-Submitted: auto-replied\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    " boundary=\"%s\"\n\n"
	    "This is a MIME-encapsulated message.\n\n--%s\n"
	    "Content-Type: text/plain; charset=us-ascii\n\n"
	    "This is the sesrelay program at %s.\n\n",
	    from ? "" : "MAILER-DAEMON@", from ? from : cf->domain, to, date, f->id,
	    cf->domain, boundary, boundary, cf->domain);
	r |= spool_begin(f, &be);
	r |= put(f, line);
	free(line);
	return r;
}

int
bounce_queue(const struct config *cf, const struct spool *sp, const char *id,
    int msgfd, const struct envelope *e, const struct msg_state *st,
    char *newid, char *err, size_t errlen)
{
	const char *to = cf->bounce_to[0] ? cf->bounce_to : e->sender;
	char *line, date[64], boundary[320];
	struct spool_file f;
	time_t now = time(NULL);
	struct tm tm;
	size_t i;
	int r;

	if (e->sender[0] == '\0')
		return 1;	/* never a bounce for a bounce */
	if ((r = bounce_start(cf, sp, to, &f, boundary, sizeof(boundary), err, errlen)) == -1)
		return -1;
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", localtime_r(&now, &tm));
	line = xasprintf("Your message (queue id %s) could not be delivered to one or more\n"
	    "recipients. It will not be retried. The reasons follow.\n\n", id);
	r |= put(&f, line);
	free(line);
	for (i = 0; i < st->nrcpts; i++) {
		const struct rcpt_state *rs = &st->rcpts[i];
		const char *hint;

		if (rs->status != RCPT_FAILED)
			continue;
		hint = classify_hint(rs->reply, e->sender);
		line = xasprintf("<%s>: %s\n%s%s%s\n", rs->addr, rs->reply,
		    hint ? "    (" : "", hint ? hint : "", hint ? ")\n" : "");
		r |= put(&f, line);
		free(line);
	}
	line = xasprintf("\n--%s\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; %s\nX-Sesrelay-Queue-ID: %s\n"
	    "Arrival-Date: %s\n", boundary, cf->domain, id, date);
	r |= put(&f, line);
	free(line);
	for (i = 0; i < st->nrcpts; i++) {
		const struct rcpt_state *rs = &st->rcpts[i];
		int code = atoi(rs->reply);

		if (rs->status != RCPT_FAILED)
			continue;
		line = xasprintf("\nFinal-Recipient: rfc822; %s\nAction: failed\n"
		    "Status: 5.0.0\n%s%s%s\n", rs->addr,
		    code >= 400 ? "Diagnostic-Code: smtp; " : "X-Sesrelay-Reason: ",
		    rs->reply, "");
		r |= put(&f, line);
		free(line);
	}
	line = xasprintf("\n--%s\nContent-Type: text/rfc822-headers\n\n", boundary);
	r |= put(&f, line);
	free(line);
	r |= copy_headers(&f, msgfd, e);
	line = xasprintf("\n--%s--\n", boundary);
	r |= put(&f, line);
	free(line);
	if (r != 0 || spool_commit(&f) == -1) {
		snprintf(err, errlen, "cannot queue the bounce: %s", strerror(errno));
		spool_abort(&f);
		return -1;
	}
	memcpy(newid, f.id, QID_LEN + 1);
	return 0;
}
