/* SPDX-License-Identifier: ISC */
/*
 * doctor_aws.c: the SES API steps of `sesrelay doctor`: credentials, the
 * account (sandbox, paused, quota), and GetEmailIdentity for the sender,
 * its domain and the senders of queued mail (verified, DKIM, custom MAIL
 * FROM); in the sandbox, the recipients of held and failed mail.  Returns
 * its findings; doctor.c prints them with the other steps.
 */
#ifndef SESRELAY_DOCTOR_AWS_H
#define SESRELAY_DOCTOR_AWS_H

#include <stddef.h>

struct config;

struct doctor_finding {
	int	 level;		/* 0 ok, 1 warn, 2 FAIL */
	char	 text[512];
	char	 fix[512];	/* "" = none */
};

/* Run the API steps (nothing when the API is off).  `from` may be NULL.
 * When cf has no dkim_tokens and SES knows the sender domain's Easy DKIM
 * tokens, they are put into cf so the DNS step checks them.  Returns the
 * number of findings written to out (at most max). */
size_t	doctor_aws(struct config *cf, const char *from, struct doctor_finding *out,
	    size_t max);

#endif
