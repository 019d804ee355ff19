/* SPDX-License-Identifier: ISC */
/*
 * smtpd_stdio.c: `sendmail -bs` (Symfony, Laravel, some PHP libraries speak
 * SMTP to a sendmail child over a pipe).  RFC 5321 subset for local
 * submission: HELO/EHLO, MAIL, RCPT, DATA, RSET, NOOP, VRFY (polite 252),
 * HELP, QUIT; several messages per session; PIPELINING works because
 * replies are written in order and flushed after each command.  A message
 * is answered 250 only after spool_commit() made it durable; any storage
 * failure gets a 4xx, so the client keeps the message.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "header.h"
#include "intake.h"
#include "smtpd_stdio.h"
#include "spool.h"
#include "util.h"


struct session {
	FILE	*in, *out;
	const struct config *cf;
	char	*sender;	/* NULL = no MAIL yet; "" = null sender */
	char	**rcpts;
	size_t	 nrcpts;
	int	 failed_out;
	int	 failed_in;	/* a read error or ENOMEM: not a clean end */
};

static void
reply(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
reply(struct session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(s->out, fmt, ap);
	va_end(ap);
	fputs("\r\n", s->out);
	if (fflush(s->out) == EOF)
		s->failed_out = 1;
}

static void
reset(struct session *s)
{
	size_t i;

	free(s->sender);
	s->sender = NULL;
	for (i = 0; i < s->nrcpts; i++)
		free(s->rcpts[i]);
	free(s->rcpts);
	s->rcpts = NULL;
	s->nrcpts = 0;
}

/* Parse "FROM:<addr> params" / "TO:<addr>"; returns the address (malloc'd)
 * or NULL on a syntax error.  *params points after the address. */
static char *
path_arg(const char *arg, const char *kw, const char **params)
{
	size_t kl = strlen(kw);
	const char *p, *end;

	if (strncasecmp(arg, kw, kl) != 0)
		return NULL;
	p = arg + kl;
	while (*p == ' ')
		p++;
	if (*p == '<') {
		if ((end = strchr(p, '>')) == NULL)
			return NULL;
		*params = end + 1;
		return xstrndup(p + 1, (size_t)(end - p - 1));
	}
	/* Lenient: a bare address without brackets. */
	end = p + strcspn(p, " ");
	*params = end;
	return end > p ? xstrndup(p, (size_t)(end - p)) : NULL;
}

static void
do_mail(struct session *s, const char *arg)
{
	const char *params = "", *why, *sz;
	char *a;

	if (s->sender != NULL) {
		reply(s, "503 5.5.1 Error: nested MAIL command");
		return;
	}
	if ((a = path_arg(arg, "FROM:", &params)) == NULL) {
		reply(s, "501 5.5.4 Syntax: MAIL FROM:<address>");
		return;
	}
	if (*a != '\0' && (why = address_problem(a)) != NULL) {
		reply(s, "553 5.1.7 Sender address %s", why);
		free(a);
		return;
	}
	if ((sz = strcasestr(params, "SIZE=")) != NULL &&
	    atol(sz + 5) > s->cf->max_message_size) {
		reply(s, "552 5.3.4 Message size exceeds the limit of %ld octets",
		    s->cf->max_message_size);
		free(a);
		return;
	}
	s->sender = a;
	reply(s, "250 2.1.0 Ok");
}

static void
do_rcpt(struct session *s, const char *arg)
{
	const char *params, *why;
	char *a;

	if (s->sender == NULL) {
		reply(s, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if ((a = path_arg(arg, "TO:", &params)) == NULL || *a == '\0') {
		reply(s, "501 5.5.4 Syntax: RCPT TO:<address>");
		free(a);
		return;
	}
	if ((why = address_problem(a)) != NULL) {
		reply(s, "553 5.1.3 Recipient address %s", why);
		free(a);
		return;
	}
	if (s->nrcpts >= (size_t)s->cf->max_recipients) {	/* as intake refuses more */
		reply(s, "452 4.5.3 Error: too many recipients");
		free(a);
		return;
	}
	s->rcpts = xrealloc(s->rcpts, (s->nrcpts + 1) * sizeof(char *));
	s->rcpts[s->nrcpts++] = a;
	reply(s, "250 2.1.5 Ok");
}

static void
do_data(struct session *s, const struct spool *sp, const struct caller *who,
    const struct intake_opts *base)
{
	struct intake_opts o = *base;
	struct line_src src;
	char id[QID_LEN + 1], err[1024];
	int rc;

	if (s->sender == NULL) {
		reply(s, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if (s->nrcpts == 0) {
		reply(s, "554 5.5.1 Error: no valid recipients");
		return;
	}
	reply(s, "354 End data with <CR><LF>.<CR><LF>");
	o.extract = 0;
	o.sender = s->sender;
	o.rcpts = s->rcpts;
	o.nrcpts = s->nrcpts;
	line_src_init(&src, s->in, LINES_SMTP);
	rc = intake_message(&src, s->cf, sp, who, &o, id, err, sizeof(err));
	if (src.read_errno != 0)
		s->failed_in = 1;
	if (!src.saw_dot) {
		/* The client went away mid-message: nothing was queued (the
		 * end was never seen, so intake must not have committed). */
		line_src_free(&src);
		reset(s);
		return;
	}
	line_src_free(&src);
	if (rc == 0)
		reply(s, "250 2.0.0 Ok: queued as %s", id);
	else if (rc == EXIT_DATAERR && src.over_limit)
		reply(s, "552 5.3.4 %s", err);
	else if (rc == EXIT_DATAERR || rc == EXIT_USAGE)
		reply(s, "554 5.6.0 %s", err);
	else
		reply(s, "451 4.3.0 %s", err);
	reset(s);
}

int
smtpd_stdio_run(const struct config *cf, const struct spool *sp,
    const struct caller *who, const struct intake_opts *base)
{
	return smtpd_session(stdin, stdout, cf, sp, who, base);
}

int
smtpd_session(FILE *in, FILE *out, const struct config *cf,
    const struct spool *sp, const struct caller *who,
    const struct intake_opts *base)
{
	struct session s;
	char *line = NULL, *arg;
	size_t cap = 0;
	ssize_t n = 0;

	memset(&s, 0, sizeof(s));
	s.in = in;
	s.out = out;
	s.cf = cf;
	reply(&s, "220 %s ESMTP sesrelay (local submission)", cf->domain);
	while (!s.failed_out && !s.failed_in && (errno = 0,
	    n = getline(&line, &cap, in)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		arg = line + strcspn(line, " ");
		while (*arg == ' ')
			arg++;
		if (strncasecmp(line, "EHLO", 4) == 0 && (line[4] == ' ' || !line[4])) {
			reset(&s);
			reply(&s, "250-%s", cf->domain);
			reply(&s, "250-PIPELINING");
			reply(&s, "250-SIZE %ld", cf->max_message_size);
			reply(&s, "250-8BITMIME");
			reply(&s, "250 HELP");
		} else if (strncasecmp(line, "HELO", 4) == 0 && (line[4] == ' ' || !line[4])) {
			reset(&s);
			reply(&s, "250 %s", cf->domain);
		} else if (strncasecmp(line, "MAIL ", 5) == 0)
			do_mail(&s, arg);
		else if (strncasecmp(line, "RCPT ", 5) == 0)
			do_rcpt(&s, arg);
		else if (strcasecmp(line, "DATA") == 0)
			do_data(&s, sp, who, base);
		else if (strcasecmp(line, "RSET") == 0) {
			reset(&s);
			reply(&s, "250 2.0.0 Ok");
		} else if (strncasecmp(line, "NOOP", 4) == 0)
			reply(&s, "250 2.0.0 Ok");
		else if (strncasecmp(line, "VRFY", 4) == 0)
			reply(&s, "252 2.5.2 Cannot VRFY user, but will accept message");
		else if (strncasecmp(line, "EXPN", 4) == 0)
			reply(&s, "502 5.5.1 EXPN not supported");
		else if (strncasecmp(line, "HELP", 4) == 0)
			reply(&s, "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA RSET NOOP VRFY QUIT");
		else if (strcasecmp(line, "QUIT") == 0) {
			reply(&s, "221 2.0.0 Bye");
			break;
		} else if (n == 0)
			reply(&s, "500 5.5.2 Error: empty command");
		else
			reply(&s, "502 5.5.2 Error: command not recognized");
	}
	/* getline's -1 is also a read error or ENOMEM: only a clean end of
	 * file is a normal end of the session. */
	if (!s.failed_out && !s.failed_in && (ferror(in) || (n < 0 && !feof(in))))
		s.failed_in = 1;
	reset(&s);
	free(line);
	return s.failed_out || s.failed_in ? EXIT_IOERR : 0;
}
