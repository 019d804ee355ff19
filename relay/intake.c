/* SPDX-License-Identifier: ISC */
/*
 * intake.c: one message from stdin (or -bs DATA) into the spool.
 *
 * Policies (documented in sendmail.8):
 *  - stored with LF line ends: CRLF and bare LF input give the same file,
 *    and delivery sends strict CRLF exactly once; a bare CR is kept in
 *    the body (sent as a line break) and becomes a space in the header
 *    section (so it can neither start a field nor end the section);
 *  - NUL octets are refused (SMTP cannot carry them): EX_DATAERR;
 *  - lines over 998 octets are stored intact (delivery folds them);
 *  - 8-bit octets are stored intact and flagged; a raw UTF-8 Subject, and
 *    raw UTF-8 display names and comments of address fields, are RFC
 *    2047-encoded, since SES offers no SMTPUTF8;
 *  - headers end at the empty line, or at the first line that is not a
 *    header field (the empty line is then inserted, as Postfix does);
 *  - Bcc and Resent-Bcc are removed; From, Date and Message-ID are added
 *    when missing;
 *  - recipients are stored as given (local names are mapped through the
 *    aliases at delivery time, so a config fix applies to queued mail);
 *    senders without a domain are qualified with `domain`.
 * Only the headers are held in memory (at most HEADER_LIMIT); the body
 * streams to the spool file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "header.h"
#include "intake.h"
#include "log.h"
#include "spool.h"
#include "util.h"

#define HEADER_LIMIT (1024 * 1024)

struct headers {
	char	**field;	/* one field per entry, continuation lines joined by LF */
	size_t	  n;
	size_t	  bytes;
};

void
line_src_init(struct line_src *s, FILE *in, enum line_mode mode)
{
	memset(s, 0, sizeof(*s));
	s->in = in;
	s->mode = mode;
}

ssize_t
line_next(struct line_src *s, char **line)
{
	ssize_t n;

	if (s->ended)
		return -1;
	errno = 0;
	n = getline(&s->buf, &s->cap, s->in);
	if (n < 0) {
		s->ended = 1;
		/* Only a clean end of file ends the input; getline also gives
		 * -1 for a read error and for ENOMEM on a long line. */
		if (!feof(s->in) || ferror(s->in))
			s->read_errno = errno ? errno : EIO;
		return -1;
	}
	s->lineno++;
	if (n > 0 && s->buf[n - 1] == '\n') {
		n--;
		if (n > 0 && s->buf[n - 1] == '\r')
			n--;
	}
	s->buf[n] = '\0';
	*line = s->buf;
	if (s->mode != LINES_EOF && n == 1 && s->buf[0] == '.') {
		s->ended = s->saw_dot = 1;
		return -1;
	}
	if (s->mode == LINES_SMTP && n > 0 && s->buf[0] == '.') {
		(*line)++;
		n--;
	}
	return n;
}

void
line_drain(struct line_src *s)
{
	char *line;

	while (line_next(s, &line) >= 0)
		;
}

void
line_src_free(struct line_src *s)
{
	free(s->buf);
	s->buf = NULL;
}

static void
headers_free(struct headers *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		free(h->field[i]);
	free(h->field);
	memset(h, 0, sizeof(*h));
}

static const char *
headers_find(const struct headers *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (header_is(h->field[i], name))
			return h->field[i];
	return NULL;
}

/* Read the header section.  *first_body receives a malloc'd copy of a body
 * line that ended the headers without an empty line (or NULL). */
static int
read_headers(struct line_src *src, struct headers *h, char **first_body,
    size_t *first_len, char *err, size_t errlen)
{
	char *line;
	ssize_t n;
	int first = 1;

	*first_body = NULL;
	while ((n = line_next(src, &line)) >= 0) {
		if (memchr(line, '\0', (size_t)n) != NULL) {
			snprintf(err, errlen, "line %ld contains a NUL byte; SMTP cannot "
			    "carry it: encode binary content (base64 MIME part)", src->lineno);
			return EXIT_DATAERR;
		}
		if (first && n >= 5 && strncmp(line, "From ", 5) == 0) {
			first = 0;	/* mbox "From " line: not part of the message */
			continue;
		}
		first = 0;
		if (n == 0)
			return 0;
		/* A bare CR in a header is not a line end (RFC 5322 knows only
		 * CRLF), yet SMTP cannot carry it either: it becomes a space,
		 * here and on the wire alike (msgstream.c), so that the fields
		 * parsed now are the fields sent. */
		for (char *cr = line; (cr = memchr(cr, '\r', (size_t)(line + n - cr))) != NULL;)
			*cr++ = ' ';
		h->bytes += (size_t)n + 1;
		if (h->bytes > HEADER_LIMIT) {
			snprintf(err, errlen, "the header section is larger than %d "
			    "octets; check what the program writes before the message body",
			    HEADER_LIMIT);
			src->over_limit = 1;
			return EXIT_DATAERR;
		}
		if ((line[0] == ' ' || line[0] == '\t') && h->n > 0) {
			size_t old = strlen(h->field[h->n - 1]);

			h->field[h->n - 1] = xrealloc(h->field[h->n - 1], old + (size_t)n + 2);
			h->field[h->n - 1][old] = '\n';
			memcpy(h->field[h->n - 1] + old + 1, line, (size_t)n + 1);
			continue;
		}
		if (header_name_len(line, (size_t)n) == 0) {
			*first_body = xstrndup(line, (size_t)n);
			*first_len = (size_t)n;
			return 0;
		}
		h->field = xrealloc(h->field, (h->n + 1) * sizeof(char *));
		h->field[h->n++] = xstrndup(line, (size_t)n);
	}
	return 0;
}

char *
intake_sender(const char *given, const struct config *cf,
    const struct caller *who, char *err, size_t errlen)
{
	char *s, *p;
	const char *why;
	size_t n;

	if (given == NULL)
		return xasprintf("%s@%s", who->user, cf->domain);
	while (*given == ' ')
		given++;
	s = xstrdup(given);
	n = strlen(s);
	if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
		memmove(s, s + 1, n - 2);
		s[n - 2] = '\0';
	}
	if (*s == '\0')
		return s;	/* null sender */
	if ((why = address_problem(s)) != NULL) {
		snprintf(err, errlen, "sender address '%s' %s", given, why);
		free(s);
		return NULL;
	}
	if (strchr(s, '@') == NULL) {
		p = xasprintf("%s@%s", s, cf->domain);
		free(s);
		s = p;
	}
	return s;
}

/* A failed read is not the end of the message: queue nothing.  Out of
 * memory is EX_TEMPFAIL (the same message may fit later, as xmalloc's exit
 * says); any other read error is EX_IOERR: the input itself is broken, and
 * the caller has to send the message again from its source. */
static int
read_failed(const struct line_src *src, char *err, size_t errlen)
{
	if (src->read_errno == 0)
		return 0;
	snprintf(err, errlen, "cannot read the message (line %ld): %s; the message "
	    "was NOT queued", src->lineno + 1, strerror(src->read_errno));
	return src->read_errno == ENOMEM ? EXIT_TEMPFAIL : EXIT_IOERR;
}

static void
privileged(const struct intake_opts *o, int on)
{
	if (o->privileged != NULL)
		o->privileged(on);
}

/* Write the header section, with Bcc removed, a raw UTF-8 Subject encoded,
 * and From/Date/Message-ID added when missing. */
static int
write_headers(struct spool_file *f, const struct headers *h,
    const struct intake_opts *o, const struct config *cf, const char *sender,
    const struct caller *who)
{
	size_t i;
	int r = 0;

	for (i = 0; i < h->n && r == 0; i++) {
		const char *fld = h->field[i];
		char *v, *enc;

		if (header_is(fld, "Bcc") || header_is(fld, "Resent-Bcc"))
			continue;
		if (header_is(fld, "Subject") && has_8bit(fld, strlen(fld)) &&
		    utf8_valid(fld, strlen(fld))) {
			v = header_value(fld);
			enc = rfc2047_encode(v);
			r = spool_write(f, "Subject:", 8) | spool_write(f, enc, strlen(enc)) |
			    spool_write(f, "\n", 1);
			free(v);
			free(enc);
			continue;
		}
		if (header_is_address(fld) && has_8bit(fld, strlen(fld)) &&
		    utf8_valid(fld, strlen(fld))) {
			/* Raw UTF-8 display names (PHP writes them): SES has no
			 * SMTPUTF8, so encode them; the addresses stay. */
			enc = header_encode_address_field(fld);
			if (has_8bit(enc, strlen(enc)))
				f->body8bit = 1;
			r = spool_write(f, enc, strlen(enc)) | spool_write(f, "\n", 1);
			free(enc);
			continue;
		}
		if (has_8bit(fld, strlen(fld)))
			f->body8bit = 1;
		r = spool_write(f, fld, strlen(fld)) | spool_write(f, "\n", 1);
	}
	if (r == 0 && headers_find(h, "From") == NULL) {
		const char *addr = *sender ? sender : NULL;
		char *dflt = NULL, *line;

		if (addr == NULL)
			addr = dflt = xasprintf("%s@%s", who->user, cf->domain);
		if (o->fullname != NULL && *o->fullname) {
			char *name;

			if (has_8bit(o->fullname, strlen(o->fullname)))
				name = rfc2047_encode(o->fullname);
			else {
				const char *p;
				char *q;

				name = q = xmalloc(strlen(o->fullname) * 2 + 4);
				*q++ = ' ';
				*q++ = '"';
				for (p = o->fullname; *p; p++) {
					if (*p == '"' || *p == '\\')
						*q++ = '\\';
					*q++ = *p;
				}
				*q++ = '"';
				*q = '\0';
			}
			line = xasprintf("From:%s <%s>\n", name, addr);
			free(name);
		} else
			line = xasprintf("From: %s\n", addr);
		r = spool_write(f, line, strlen(line));
		free(line);
		free(dflt);
	}
	if (r == 0 && headers_find(h, "Date") == NULL) {
		char date[64];
		time_t now = time(NULL);
		struct tm tm;

		strftime(date, sizeof(date), "Date: %a, %d %b %Y %H:%M:%S %z\n",
		    localtime_r(&now, &tm));
		r = spool_write(f, date, strlen(date));
	}
	if (r == 0 && headers_find(h, "Message-ID") == NULL) {
		char *mid = xasprintf("Message-ID: <%s.%ld@%s>\n", f->id,
		    (long)getpid(), cf->domain);

		r = spool_write(f, mid, strlen(mid));
		free(mid);
	}
	if (r == 0)
		r = spool_write(f, "\n", 1);
	return r;
}

static int
write_body_line(struct spool_file *f, const char *line, size_t n)
{
	if (has_8bit(line, n))
		f->body8bit = 1;
	return spool_write(f, line, n) | spool_write(f, "\n", 1);
}

/* Collect and check the envelope recipients. */
static int
collect_rcpts(const struct headers *h, const struct intake_opts *o,
    struct addrlist *rcpts, char *err, size_t errlen)
{
	const char *why;
	size_t i;

	for (i = 0; i < o->nrcpts; i++) {
		const char *a = o->rcpts[i];
		char *bare = NULL;
		size_t n = strlen(a);

		if (n >= 2 && a[0] == '<' && a[n - 1] == '>')
			a = bare = xstrndup(a + 1, n - 2);
		if ((why = address_problem(a)) != NULL) {
			snprintf(err, errlen, "recipient '%s' %s", o->rcpts[i], why);
			free(bare);
			return EXIT_USAGE;
		}
		addrlist_add(rcpts, a);
		free(bare);
	}
	if (o->extract) {
		struct addrlist fromhdr = { 0 };

		header_recipients(h->field, h->n, &fromhdr);
		for (i = 0; i < fromhdr.n; i++) {
			if ((why = address_problem(fromhdr.addr[i])) != NULL) {
				snprintf(err, errlen, "recipient '%s' in the headers %s",
				    fromhdr.addr[i], why);
				addrlist_free(&fromhdr);
				return EXIT_DATAERR;
			}
			addrlist_add(rcpts, fromhdr.addr[i]);
		}
		addrlist_free(&fromhdr);
	}
	if (rcpts->n == 0) {
		snprintf(err, errlen, "no recipients: give them as arguments, or use -t "
		    "with To:, Cc: or Bcc: headers");
		return EXIT_USAGE;
	}
	return 0;
}

/* max_recipients: one message must not cost the daemon without bound. */
static int
rcpt_cap(const struct config *cf, size_t n, char *err, size_t errlen)
{
	if (n <= (size_t)cf->max_recipients)
		return 0;
	snprintf(err, errlen, "%zu recipients, more than max_recipients (%d): not "
	    "queued; split the list or raise max_recipients", n, cf->max_recipients);
	return EXIT_DATAERR;
}

int
intake_message(struct line_src *src, const struct config *cf,
    const struct spool *sp, const struct caller *who,
    const struct intake_opts *o, char id[QID_LEN + 1], char *err, size_t errlen)
{
	struct headers h = { NULL, 0, 0 };
	struct addrlist rcpts = { 0 };
	struct spool_file f;
	struct envelope e;
	char *first = NULL, *sender = NULL, *line;
	size_t first_len = 0;
	ssize_t n;
	int rc, r, created = 0;

	err[0] = '\0';
	if ((rc = read_headers(src, &h, &first, &first_len, err, errlen)) != 0 ||
	    (rc = read_failed(src, err, errlen)) != 0)
		goto out;
	if ((rc = collect_rcpts(&h, o, &rcpts, err, errlen)) != 0 ||
	    (rc = rcpt_cap(cf, rcpts.n, err, errlen)) != 0)
		goto out;
	if ((sender = intake_sender(o->sender, cf, who, err, errlen)) == NULL) {
		rc = EXIT_USAGE;
		goto out;
	}
	/* The spool group is held from here until the file is committed or
	 * removed, so the signal-time cleanup can always unlink it; parsing the
	 * headers above ran without it. */
	privileged(o, 1);
	r = spool_create(sp, &f, cf->min_free_space);
	if (r == -1) {
		snprintf(err, errlen, "cannot create a file in %s: %s; the message "
		    "was NOT queued, try again later%s", sp->maildrop, strerror(errno),
		    errno == ENOSPC ? " (free some disk space)" :
		    errno == EACCES ? " (is sendmail installed setgid to the relay group? "
		    "run 'sesrelay doctor')" : errno == ENOENT ?
		    " (the spool is missing: run 'sesrelay setup')" : "");
		rc = EXIT_TEMPFAIL;
		goto out;
	}
	created = 1;
	memset(&e, 0, sizeof(e));
	e.arrival = now_sec();
	e.uid = who->uid;
	e.user = who->user;
	e.sender = sender;
	e.rcpts = rcpts.addr;
	e.nrcpts = rcpts.n;
	if (spool_begin(&f, &e) == -1 ||
	    write_headers(&f, &h, o, cf, sender, who) != 0 ||
	    (first != NULL && write_body_line(&f, first, first_len) != 0))
		goto write_error;
	while ((n = line_next(src, &line)) >= 0) {
		if (memchr(line, '\0', (size_t)n) != NULL) {
			snprintf(err, errlen, "line %ld contains a NUL byte; SMTP cannot "
			    "carry it: encode binary content (base64 MIME part)", src->lineno);
			rc = EXIT_DATAERR;
			goto out;
		}
		if (write_body_line(&f, line, (size_t)n) != 0)
			goto write_error;
		if (f.size > cf->max_message_size) {
			snprintf(err, errlen, "message is larger than max_message_size "
			    "(%ld octets; SES accepts at most 40 MB): not queued",
			    cf->max_message_size);
			src->over_limit = 1;
			rc = EXIT_DATAERR;
			goto out;
		}
	}
	if ((rc = read_failed(src, err, errlen)) != 0)
		goto out;
	if (src->mode == LINES_SMTP && !src->saw_dot) {
		snprintf(err, errlen, "the SMTP client went away before the end of DATA");
		rc = EXIT_TEMPFAIL;
		goto out;
	}
	r = spool_commit(&f);
	created = 0;
	if (r == -1) {
		snprintf(err, errlen, "cannot commit the spool file: %s; the message "
		    "was NOT queued, try again later%s", strerror(errno), errno == ENOSPC ?
		    " (the spool's file system is short of space: see min_free_space)" : "");
		rc = EXIT_TEMPFAIL;
		goto out;
	}
	/* Durable from here: the caller may report success. */
	memcpy(id, f.id, QID_LEN + 1);
	log_info("%s: uid=%ld user=%s from=<%s> nrcpt=%zu size=%ld", f.id, who->uid,
	    who->user, sender, rcpts.n, f.size);
	rc = 0;
	goto out;
write_error:
	snprintf(err, errlen, "cannot write the spool file: %s; the message was "
	    "NOT queued, try again later%s", strerror(errno), errno == ENOSPC ?
	    " (the spool's file system is short of space: see min_free_space)" : "");
	rc = EXIT_TEMPFAIL;
out:
	if (created)
		spool_abort(&f);
	privileged(o, 0);
	if (rc != 0)
		line_drain(src);
	free(first);
	free(sender);
	headers_free(&h);
	addrlist_free(&rcpts);
	return rc;
}
