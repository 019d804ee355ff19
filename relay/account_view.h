/* SPDX-License-Identifier: ISC */
/* account_view.c: the SES account lines of `sesrelay status` (from the cache). */
#ifndef SESRELAY_ACCOUNT_VIEW_H
#define SESRELAY_ACCOUNT_VIEW_H

#include <stddef.h>
#include <stdio.h>

struct config;
struct account_facts;

/* Load the cached facts into f and raise *level (0 ok, 1 warning, 2
 * critical) with the reason in buf (then *why = buf) when the account is
 * paused, near its quota or under review. */
void	account_status(const struct config *cf, struct account_facts *f, int *level,
	    const char **why, char *buf, size_t len);
void	account_status_text(FILE *out, const struct config *cf,
	    const struct account_facts *f);
/* `,"ses_account":{...}` (nothing when there are no facts). */
void	account_status_json(FILE *out, const struct account_facts *f);

#endif
