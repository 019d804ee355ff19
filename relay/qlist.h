/* SPDX-License-Identifier: ISC */
/* qlist.c: read-only view of the queue for mailq, queue show and status. */
#ifndef SESRELAY_QLIST_H
#define SESRELAY_QLIST_H

#include <stddef.h>
#include <stdio.h>

#include "envelope.h"
#include "spool.h"

struct qmsg {
	char		 id[QID_LEN + 1];
	enum spool_area	 area;
	struct envelope	 e;
	struct msg_state st;
	const char	*state;		/* incoming, active, deferred, held, failed */
};

/* All messages: maildrop, then queue, then failed (a message moving
 * between areas is seen once, never missed).  Returns the count or -1
 * (errno; EACCES for users other than root and the relay user). */
ssize_t	qlist_load(const struct spool *sp, const struct queue_status *qs,
	    struct qmsg **out);
void	qlist_free(struct qmsg *m, ssize_t n);
/* Find one message by id in any area: 0, or -1 (ENOENT). */
int	qlist_find(const struct spool *sp, const char *id, enum spool_area *area);
/* Epoch seconds as "2026-11-24T16:04:20Z" (UTC) into buf. */
const char *qlist_time(long t, char *buf, size_t len);
/* How long ago t was, for people: "12 s ago", "5 min ago", "never" (t <= 0). */
const char *qlist_ago(long t, long now, char *buf, size_t len);
/* s for a terminal: control characters escaped (str_escape), so a header
 * or a server reply cannot send escape sequences to root's terminal.  The
 * result stays valid for the next 16 calls: meant for printf arguments. */
const char *qlist_esc(const char *s);
/* JSON string literal of s on fp. */
void	json_str(FILE *fp, const char *s);

#endif
