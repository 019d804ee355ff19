/* SPDX-License-Identifier: ISC */
/* smtpd_stdio.c: `sendmail -bs`, an SMTP server on stdin/stdout. */
#ifndef SESRELAY_SMTPD_STDIO_H
#define SESRELAY_SMTPD_STDIO_H

#include <stdio.h>

struct config;
struct spool;
struct caller;
struct intake_opts;

/* Serve one session on stdin/stdout until QUIT or end of input.  `base`
 * carries the privilege hook and -F; sender and recipients come from the
 * dialogue.  Returns the exit status: 0, or EX_IOERR when the output
 * failed or the input failed (a read error is not the end of input). */
int	smtpd_stdio_run(const struct config *cf, const struct spool *sp,
	    const struct caller *who, const struct intake_opts *base);
/* The same on any pair of streams (tests and the fuzzer use memory). */
int	smtpd_session(FILE *in, FILE *out, const struct config *cf,
	    const struct spool *sp, const struct caller *who,
	    const struct intake_opts *base);

#endif
