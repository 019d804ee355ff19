/* SPDX-License-Identifier: ISC */
/* smtpd_stdio.c: `sendmail -bs`, an SMTP server on stdin/stdout. */
#ifndef SESRELAY_SMTPD_STDIO_H
#define SESRELAY_SMTPD_STDIO_H

struct config;
struct spool;
struct caller;
struct intake_opts;

/* Serve one session until QUIT or end of input.  `base` carries the
 * privilege hook and -F; sender and recipients come from the dialogue.
 * Returns the exit status (0 unless stdout failed). */
int	smtpd_stdio_run(const struct config *cf, const struct spool *sp,
	    const struct caller *who, const struct intake_opts *base);

#endif
