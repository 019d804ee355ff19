/* SPDX-License-Identifier: ISC */
/*
 * qindex.c: the daemon's queue index: one small entry per queued message
 * (id, next due time), found by id through a hash and ordered by due time
 * in a binary heap, so 100,000 queued messages cost O(1) to find and
 * O(log n) to reschedule, and the next due one is at the top.  No I/O.
 */
#ifndef SESRELAY_QINDEX_H
#define SESRELAY_QINDEX_H

#include <stddef.h>

#include "qid.h"

struct qentry {
	char	 id[QID_LEN + 1];
	double	 due;		/* INFINITY: in flight, or held by the operator */
	int	 waiting;	/* due later only for the rate limit or a throttle */
	int	 forced;	/* flushed: every pending recipient is due */
	size_t	 heap_pos;	/* private */
};

struct qindex {
	struct qentry	*e;	/* dense; order is not meaningful */
	size_t		 n, cap;
	size_t		*slot;	/* hash: entry index + 1, 0 = free */
	size_t		 mask;
	size_t		*heap;	/* entry indexes, a min-heap on due */
	size_t		 nwaiting;
};

/* Pointers returned stay valid until the next qindex_set of a new id or
 * qindex_del. */
struct qentry *qindex_find(struct qindex *q, const char *id);
/* Add or update (due; waiting and forced reset). */
struct qentry *qindex_set(struct qindex *q, const char *id, double due);
void	qindex_del(struct qindex *q, const char *id);
void	qindex_due(struct qindex *q, struct qentry *e, double due);
void	qindex_waiting(struct qindex *q, struct qentry *e, int waiting);
/* The entry due first, or NULL when empty. */
struct qentry *qindex_first(struct qindex *q);
/* Up to max ids due at or before `now`, most overdue first, into ids. */
size_t	qindex_due_ids(struct qindex *q, double now, char (*ids)[QID_LEN + 1],
	    size_t max);
/* Every entry due later than now and not INFINITY becomes due now and
 * forced (an explicit flush of everything): O(n). */
void	qindex_flush_all(struct qindex *q, double now);
void	qindex_clear(struct qindex *q);
void	qindex_free(struct qindex *q);

#endif
