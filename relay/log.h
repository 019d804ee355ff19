/* SPDX-License-Identifier: ISC */
/* log.c: syslog (LOG_MAIL) wrapper; also copies lines to stderr or a file. */
#ifndef SESRELAY_LOG_H
#define SESRELAY_LOG_H

#include <stdarg.h>
#include <stdnoreturn.h>

/* Open syslog as `ident` (facility LOG_MAIL).  With to_stderr, every line is
 * also printed on stderr (daemon in the foreground, -v).  */
void	log_init(const char *ident, int to_stderr);
/* Also append every line, time-stamped, to `path` ("" or NULL: off).  Used by
 * tests and by hosts without a syslog daemon.  Failure to open is ignored. */
void	log_set_file(const char *path);
/* Turn the syslog copy off (0) or on (1, the default): the fuzzers run the
 * intake millions of times and must not flood the system log. */
void	log_set_syslog(int on);
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* + strerror */
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_vlog(int pri, const char *fmt, va_list ap);

/* User-facing error: "prog: message" on stderr (and syslog), exit `code`
 * (a sysexits.h code).  fatal() appends ": strerror(errno)". */
noreturn void fatal(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
noreturn void fatalx(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Program name used in messages (set by log_init). */
extern const char *log_progname;

#endif
