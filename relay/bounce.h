/* SPDX-License-Identifier: ISC */
/* bounce.c: delivery status notifications (RFC 3464) for failed mail. */
#ifndef SESRELAY_BOUNCE_H
#define SESRELAY_BOUNCE_H

#include <stddef.h>

struct config;
struct envelope;
struct msg_state;
struct spool;
struct spool_file;

/* Queue a DSN about the failed recipients of message `id` to bounce_to or
 * the envelope sender, with the null sender (so it is never bounced in
 * turn).  Does nothing for a message with the null sender.  Returns 0, 1
 * when no bounce is due, -1 on error (err says why). */
int	bounce_queue(const struct config *cf, const struct spool *sp,
	    const char *id, int msgfd, const struct envelope *e,
	    const struct msg_state *st, char *newid, char *err, size_t errlen);

/* Start a notice to `to` from MAILER-DAEMON with the null sender: create
 * the spool file `f`, write its envelope and the multipart/report headers
 * up to the first line of the text part.  `boundary` (blen >= 64) gets the
 * MIME boundary.  Returns -1 when no file was made (err says why), else 0,
 * or nonzero when a write failed (the caller aborts f). */
int	bounce_start(const struct config *cf, const struct spool *sp, const char *to,
	    struct spool_file *f, char *boundary, size_t blen, char *err, size_t errlen);

#endif
