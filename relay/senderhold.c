/* SPDX-License-Identifier: ISC */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "senderhold.h"
#include "util.h"

struct sender_hold *
sender_hold_find(struct sender_holds *h, const char *sender)
{
	size_t i;

	/* A handful of held senders at most: a list is enough. */
	for (i = 0; i < h->n; i++)
		if (strcasecmp(h->v[i].sender, sender) == 0)
			return &h->v[i];
	return NULL;
}

int
sender_hold_add(struct sender_holds *h, const char *sender, const char *reason,
    double now, double interval)
{
	struct sender_hold *s = sender_hold_find(h, sender);
	int fresh = s == NULL;

	if (fresh) {
		h->v = xrealloc(h->v, (h->n + 1) * sizeof(*h->v));
		s = &h->v[h->n++];
		memset(s, 0, sizeof(*s));
		s->sender = xstrdup(sender);
		s->since = now;
	}
	s->next_probe = now + interval;
	s->probing = 0;
	snprintf(s->reason, sizeof(s->reason), "%s", reason);
	return fresh;
}

int
sender_hold_release(struct sender_holds *h, const char *sender)
{
	struct sender_hold *s = sender_hold_find(h, sender);

	if (s == NULL)
		return 0;
	free(s->sender);
	*s = h->v[--h->n];
	return 1;
}

int
sender_hold_admit(struct sender_holds *h, const char *sender, double now,
    double *until)
{
	struct sender_hold *s = sender_hold_find(h, sender);

	if (s == NULL)
		return 1;
	if (s->probing || now < s->next_probe) {
		/* While a probe is out, look again a probe interval later at
		 * most; its answer moves next_probe or releases the hold. */
		*until = s->next_probe > now ? s->next_probe : now + 1;
		return 0;
	}
	s->probing = 1;
	return 1;
}

void
sender_hold_probe_now(struct sender_holds *h, double now)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (!h->v[i].probing)
			h->v[i].next_probe = now;
}

void
sender_holds_free(struct sender_holds *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		free(h->v[i].sender);
	free(h->v);
	h->v = NULL;
	h->n = 0;
}
