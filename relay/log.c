/* SPDX-License-Identifier: ISC */
/*
 * log.c owns every log line: syslog with facility LOG_MAIL, optionally
 * mirrored to stderr and to a plain file.  Callers never include <syslog.h>.
 * Nothing here may print a password or an AUTH string: callers pass only
 * addresses, ids and server replies.
 * Those come from users and servers, so every line is escaped
 * (str_escape: control characters as \ooo) before it is written: a newline
 * in a sender address must not forge a second log line.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

const char *log_progname = "sesrelay";
static int log_to_stderr;
static FILE *log_fp;
static int log_syslog = 1;

/* The pid in log file lines, looked up once (a getpid call per line was
 * three syscalls per delivered message); a forked child looks again. */
static pid_t log_pid;

static void
log_forget_pid(void)
{
	log_pid = 0;
}

void
log_init(const char *ident, int to_stderr)
{
	static int atfork;

	log_progname = ident;
	log_to_stderr = to_stderr;
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
	if (!atfork++)
		pthread_atfork(NULL, NULL, log_forget_pid);
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
log_set_syslog(int on)
{
	log_syslog = on;
}

/*
 * With no syslog socket (a container, a VM without a syslog daemon) glibc's
 * syslog() opens a socket and fails to connect on every call: a daemon
 * logging a line per recipient spent more on that than on its own work.
 * Look for the socket at most every 10 s and skip syslog while it is
 * missing (the log file and stderr still get every line).  Threads may race
 * on these two words; the worst outcome is one extra look.
 */
static int
syslog_present(void)
{
	static _Atomic time_t checked;
	static _Atomic int present = 1;
	time_t now = time(NULL);

	if (now - checked >= 10 || now < checked) {
		present = access(_PATH_LOG, F_OK) == 0;
		checked = now;
	}
	return present;
}

void
log_vlog(int pri, const char *fmt, va_list ap)
{
	char raw[4096], *line;

	vsnprintf(raw, sizeof(raw), fmt, ap);
	line = str_escape(raw);
	if (log_syslog && syslog_present())
		syslog(pri, "%s", line);
	if (log_to_stderr)
		fprintf(stderr, "%s: %s\n", log_progname, line);
	if (log_fp != NULL) {
		char ts[32];
		time_t now = time(NULL);
		struct tm tm;

		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", gmtime_r(&now, &tm));
		if (log_pid == 0)
			log_pid = getpid();
		fprintf(log_fp, "%s %s[%ld]: %s\n", ts, log_progname,
		    (long)log_pid, line);
	}
	free(line);
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
	char buf[2048], *esc;
	int saved = errno;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (with_errno)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ": %s",
		    strerror(saved));
	esc = str_escape(buf);
	syslog(LOG_ERR, "%s", esc);
	if (log_fp != NULL)
		fprintf(log_fp, "%s: %s\n", log_progname, esc);
	free(esc);
	/* The caller's own terminal gets the text as it is (the usage text
	 * spans two lines). */
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
