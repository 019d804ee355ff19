/* SPDX-License-Identifier: ISC */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "qindex.h"
#include "util.h"

#define NO_POS ((size_t)-1)

/* ---- heap ---------------------------------------------------------------- */

static int
before(const struct qindex *q, size_t a, size_t b)
{
	return q->e[q->heap[a]].due < q->e[q->heap[b]].due;
}

static void
swap_pos(struct qindex *q, size_t a, size_t b)
{
	size_t t = q->heap[a];

	q->heap[a] = q->heap[b];
	q->heap[b] = t;
	q->e[q->heap[a]].heap_pos = a;
	q->e[q->heap[b]].heap_pos = b;
}

static void
sift_up(struct qindex *q, size_t i)
{
	while (i > 0 && before(q, i, (i - 1) / 2)) {
		swap_pos(q, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
sift_down(struct qindex *q, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < q->n && before(q, l, m))
			m = l;
		if (l + 1 < q->n && before(q, l + 1, m))
			m = l + 1;
		if (m == i)
			return;
		swap_pos(q, i, m);
		i = m;
	}
}

static void
fix(struct qindex *q, size_t pos)
{
	sift_up(q, pos);
	sift_down(q, q->e[q->heap[pos]].heap_pos);
}

/* ---- hash (linear probing, backward-shift deletion) ------------------------ */

static size_t *
slot_of(const struct qindex *q, const char *id)
{
	size_t h;

	if (q->slot == NULL)
		return NULL;
	for (h = str_hash(id) & q->mask; q->slot[h] != 0; h = (h + 1) & q->mask)
		if (strcmp(q->e[q->slot[h] - 1].id, id) == 0)
			return &q->slot[h];
	return NULL;
}

static void
rehash(struct qindex *q, size_t size)
{
	size_t i, h;

	free(q->slot);
	q->slot = xcalloc(size, sizeof(size_t));
	q->mask = size - 1;
	for (i = 0; i < q->n; i++) {
		for (h = str_hash(q->e[i].id) & q->mask; q->slot[h] != 0; h = (h + 1) & q->mask)
			;
		q->slot[h] = i + 1;
	}
}

static void
slot_remove(struct qindex *q, size_t *s)
{
	size_t i = (size_t)(s - q->slot), j = i, k;

	q->slot[i] = 0;
	for (;;) {
		j = (j + 1) & q->mask;
		if (q->slot[j] == 0)
			return;
		k = str_hash(q->e[q->slot[j] - 1].id) & q->mask;
		/* Move j back to i unless its home k lies cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		q->slot[i] = q->slot[j];
		q->slot[j] = 0;
		i = j;
	}
}

/* ---- API ----------------------------------------------------------------- */

struct qentry *
qindex_find(struct qindex *q, const char *id)
{
	size_t *s = slot_of(q, id);

	return s ? &q->e[*s - 1] : NULL;
}

struct qentry *
qindex_set(struct qindex *q, const char *id, double due)
{
	struct qentry *e = qindex_find(q, id);
	size_t h;

	if (e == NULL) {
		if (q->n == q->cap) {
			q->cap = q->cap ? q->cap * 2 : 256;
			q->e = xrealloc(q->e, q->cap * sizeof(*q->e));
			q->heap = xrealloc(q->heap, q->cap * sizeof(size_t));
			rehash(q, q->cap * 2);
		}
		e = &q->e[q->n];
		memset(e, 0, sizeof(*e));
		memcpy(e->id, id, QID_LEN);
		e->id[QID_LEN] = '\0';
		e->due = due;
		for (h = str_hash(e->id) & q->mask; q->slot[h] != 0; h = (h + 1) & q->mask)
			;
		q->slot[h] = q->n + 1;
		q->heap[q->n] = q->n;
		e->heap_pos = q->n;
		q->n++;
		sift_up(q, e->heap_pos);
		return e;
	}
	qindex_waiting(q, e, 0);
	e->forced = 0;
	qindex_due(q, e, due);
	return e;
}

void
qindex_due(struct qindex *q, struct qentry *e, double due)
{
	e->due = due;
	fix(q, e->heap_pos);
}

void
qindex_waiting(struct qindex *q, struct qentry *e, int waiting)
{
	q->nwaiting += (size_t)(waiting != 0) - (size_t)(e->waiting != 0);
	e->waiting = waiting != 0;
}

void
qindex_del(struct qindex *q, const char *id)
{
	size_t *s = slot_of(q, id), i, last, pos;

	if (s == NULL)
		return;
	i = *s - 1;
	qindex_waiting(q, &q->e[i], 0);
	slot_remove(q, s);
	/* Out of the heap: the last heap element takes its place. */
	pos = q->e[i].heap_pos;
	swap_pos(q, pos, q->n - 1);
	q->n--;
	if (pos < q->n)
		fix(q, pos);
	q->n++;
	/* Out of the dense array: the last entry moves into slot i. */
	last = q->n - 1;
	if (i != last) {
		q->e[i] = q->e[last];
		*slot_of(q, q->e[i].id) = i + 1;
		if (q->e[i].heap_pos < last)
			q->heap[q->e[i].heap_pos] = i;
	}
	q->n--;
}

struct qentry *
qindex_first(struct qindex *q)
{
	return q->n ? &q->e[q->heap[0]] : NULL;
}

size_t
qindex_due_ids(struct qindex *q, double now, char (*ids)[QID_LEN + 1], size_t max)
{
	size_t k = 0, i, *taken = xcalloc(max ? max : 1, sizeof(size_t));
	double *dues = xcalloc(max ? max : 1, sizeof(double));

	/* Take the top entries off the heap (due -> -1 sorts them first
	 * when put back), then restore their times. */
	while (k < max && q->n > 0 && q->e[q->heap[0]].due <= now &&
	    q->e[q->heap[0]].due != -INFINITY) {
		size_t top = q->heap[0];

		memcpy(ids[k], q->e[top].id, QID_LEN + 1);
		taken[k] = top;
		dues[k] = q->e[top].due;
		q->e[top].due = INFINITY;
		sift_down(q, 0);
		k++;
	}
	for (i = 0; i < k; i++)
		qindex_due(q, &q->e[taken[i]], dues[i]);
	free(taken);
	free(dues);
	return k;
}

void
qindex_flush_all(struct qindex *q, double now)
{
	size_t i;

	for (i = 0; i < q->n; i++) {
		struct qentry *e = &q->e[i];

		if (e->due == INFINITY)
			continue;
		if (e->due > now)
			e->due = now;
		e->forced = 1;
	}
	for (i = q->n / 2; i-- > 0; )	/* heapify */
		sift_down(q, i);
}

void
qindex_clear(struct qindex *q)
{
	q->n = 0;
	q->nwaiting = 0;
	if (q->slot != NULL)
		memset(q->slot, 0, (q->mask + 1) * sizeof(size_t));
}

void
qindex_free(struct qindex *q)
{
	free(q->e);
	free(q->slot);
	free(q->heap);
	memset(q, 0, sizeof(*q));
}
