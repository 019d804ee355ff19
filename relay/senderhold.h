/* SPDX-License-Identifier: ISC */
/*
 * senderhold.c: mail held per envelope sender.  SES's 554 "not verified"
 * (or a 553 about the sender) for a user's own -f address is that
 * sender's problem, not the account's: only that sender's messages wait,
 * one of them is retried every hold_probe_interval (or at once on an
 * explicit flush), and a reply other than the same refusal releases it.
 * Pure bookkeeping, no I/O: unit-tested.
 */
#ifndef SESRELAY_SENDERHOLD_H
#define SESRELAY_SENDERHOLD_H

#include <stddef.h>

struct sender_hold {
	char	*sender;	/* envelope sender as sent (MAIL FROM), "" = null */
	double	 since;
	double	 next_probe;	/* when one of its messages may be tried */
	int	 probing;	/* that message is out */
	char	 reason[400];	/* SES's words */
};

struct sender_holds {
	struct sender_hold *v;
	size_t	 n;
};

/* The hold of sender (case-insensitive), or NULL. */
struct sender_hold *sender_hold_find(struct sender_holds *h, const char *sender);
/* Hold sender, or keep holding it after a failed probe: the next probe
 * `interval` seconds from now.  Returns 1 when it was not held before. */
int	sender_hold_add(struct sender_holds *h, const char *sender,
	    const char *reason, double now, double interval);
/* 1 when sender was held. */
int	sender_hold_release(struct sender_holds *h, const char *sender);
/* May a message of sender be sent now?  1: yes (not held, or this is its
 * probe: the hold is marked probing); 0: wait until *until. */
int	sender_hold_admit(struct sender_holds *h, const char *sender, double now,
	    double *until);
/* An explicit flush: every held sender is probed at once. */
void	sender_hold_probe_now(struct sender_holds *h, double now);
void	sender_holds_free(struct sender_holds *h);

#endif
