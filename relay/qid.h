/* SPDX-License-Identifier: ISC */
/* qid.c: queue ids. */
#ifndef SESRELAY_QID_H
#define SESRELAY_QID_H

/* 16 lower-case hex digits: 13 of microseconds since the epoch (so ids sort
 * by arrival; good until 2112) and 3 random ones.  Uniqueness is enforced at
 * commit time by link(2), which refuses an existing name. */
#define QID_LEN 16

void	qid_new(char out[QID_LEN + 1]);
/* 1 when s is a well-formed id (checked before any id is used in a path). */
int	qid_valid(const char *s);
/* Arrival time encoded in the id, in seconds. */
double	qid_time(const char *id);

#endif
