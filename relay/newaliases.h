/* SPDX-License-Identifier: ISC */
/* newaliases.c: what `newaliases` prints and what check-config and doctor
 * report about local names: every name of the config's `aliases` and of
 * aliases_file with the addresses it reaches, and each problem (a syntax
 * error in the file, a name that maps nowhere, a refused target, a loop). */
#ifndef SESRELAY_NEWALIASES_H
#define SESRELAY_NEWALIASES_H

#include <stddef.h>
#include <stdio.h>

struct config;

struct alias_check {
	size_t	  names;	/* local names listed */
	char	**problems;	/* one sentence each */
	size_t	  nproblems;
	int	  unreadable;	/* aliases_file exists but cannot be read */
};

/* Read aliases_file afresh and expand every name.  With `out`, print one
 * line per name: "name: addr, addr" (config names marked).  Fills c;
 * free it with newaliases_free. */
void	newaliases_check(const struct config *cf, FILE *out, struct alias_check *c);
void	newaliases_free(struct alias_check *c);
/* The newaliases command: the map on stdout, problems on stderr.  Exit
 * status 0, or EX_CONFIG when aliases_file cannot be read. */
int	newaliases_main(const struct config *cf);

#endif
