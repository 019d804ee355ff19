/* SPDX-License-Identifier: ISC */
/*
 * log.c owns every log line: syslog with facility LOG_MAIL, optionally
 * mirrored to stderr and to a plain file.  Callers never include <syslog.h>.
 * Nothing here may print a password or an AUTH string: callers pass only
 * addresses, ids and server replies.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

const char *log_progname = "sesrelay";
static int log_to_stderr;
static FILE *log_fp;

void
log_init(const char *ident, int to_stderr)
{
	log_progname = ident;
	log_to_stderr = to_stderr;
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
log_set_file(const char *path)
{
	if (log_fp != NULL) {
		fclose(log_fp);
		log_fp = NULL;
	}
	if (path == NULL || *path == '\0')
		return;
	log_fp = fopen(path, "ae");
	if (log_fp != NULL)
		setvbuf(log_fp, NULL, _IOLBF, 0);
}

void
log_vlog(int pri, const char *fmt, va_list ap)
{
	char line[4096];

	vsnprintf(line, sizeof(line), fmt, ap);
	syslog(pri, "%s", line);
	if (log_to_stderr)
		fprintf(stderr, "%s: %s\n", log_progname, line);
	if (log_fp != NULL) {
		char ts[32];
		time_t now = time(NULL);
		struct tm tm;

		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", gmtime_r(&now, &tm));
		fprintf(log_fp, "%s %s[%ld]: %s\n", ts, log_progname,
		    (long)getpid(), line);
	}
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	char buf[2048];
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warnx("%s: %s", buf, strerror(saved));
}

static noreturn void
vfatal(int code, int with_errno, const char *fmt, va_list ap)
{
	char buf[2048];
	int saved = errno;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (with_errno)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ": %s",
		    strerror(saved));
	syslog(LOG_ERR, "%s", buf);
	if (log_fp != NULL)
		fprintf(log_fp, "%s: %s\n", log_progname, buf);
	fprintf(stderr, "%s: %s\n", log_progname, buf);
	exit(code);
}

void
fatal(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfatal(code, 1, fmt, ap);
}

void
fatalx(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfatal(code, 0, fmt, ap);
}
