/* SPDX-License-Identifier: ISC */
/*
 * envelope.c: formats and parses the message-file header and the state file
 * (layouts in envelope.h and man/sesrelay-spool.5).  Pure text handling; the
 * only I/O is reading a header from an fd the caller opened.  Anything that
 * does not parse exactly is rejected: a half-written or foreign file must
 * never be delivered.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envelope.h"
#include "util.h"

#define HEADER_MAX (16 * 1024 * 1024)	/* envelope header, not the message */

int
envelope_write_header(FILE *fp, const struct envelope *e, long *size_off,
    long *body_off)
{
	size_t i;

	if (fprintf(fp, "%s\narrival %.6f\nuid %ld\nuser %s\nfrom <%s>\n",
	    ENVELOPE_MAGIC, e->arrival, e->uid, e->user, e->sender) < 0)
		return -1;
	for (i = 0; i < e->nrcpts; i++)
		if (fprintf(fp, "rcpt <%s>\n", e->rcpts[i]) < 0)
			return -1;
	if (fputs("body ", fp) < 0)
		return -1;
	*body_off = ftell(fp);
	if (fprintf(fp, "%s\nsize ", e->body8bit ? "8bit" : "7bit") < 0)
		return -1;
	*size_off = ftell(fp);
	if (fprintf(fp, "%0*d\n\n", ENVELOPE_SIZE_WIDTH, 0) < 0)
		return -1;
	return 0;
}

/* A decimal number of digits only (no sign, no blank) in [0, max]; 0 or -1.
 * Every number the spool holds is written by us in this form, so anything
 * else is damage, and refusing it keeps arithmetic on it in range. */
static int
parse_num(const char *s, long max, long *out)
{
	long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (max - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

static char *
angle(const char *v, char *err, size_t errlen)
{
	size_t n = strlen(v);

	if (n < 2 || v[0] != '<' || v[n - 1] != '>') {
		snprintf(err, errlen, "address not in <>: %s", v);
		return NULL;
	}
	return xstrndup(v + 1, n - 2);
}

static int
parse_header_line(struct envelope *e, char *line, char *err, size_t errlen)
{
	char *v = strchr(line, ' ');
	char *a;

	if (v == NULL) {
		snprintf(err, errlen, "malformed envelope line '%.40s'", line);
		return -1;
	}
	*v++ = '\0';
	if (strcmp(line, "arrival") == 0)
		e->arrival = strtod(v, NULL);
	else if (strcmp(line, "uid") == 0)
		e->uid = strtol(v, NULL, 10);
	else if (strcmp(line, "user") == 0) {
		free(e->user);
		e->user = xstrdup(v);
	} else if (strcmp(line, "from") == 0) {
		if ((a = angle(v, err, errlen)) == NULL)
			return -1;
		free(e->sender);
		e->sender = a;
	} else if (strcmp(line, "rcpt") == 0) {
		if ((a = angle(v, err, errlen)) == NULL)
			return -1;
		e->rcpts = xrealloc(e->rcpts, (e->nrcpts + 1) * sizeof(char *));
		e->rcpts[e->nrcpts++] = a;
	} else if (strcmp(line, "body") == 0)
		e->body8bit = strcmp(v, "8bit") == 0;
	else if (strcmp(line, "size") == 0) {
		/* Exactly the fixed width the writer uses: at most 10^12 - 1,
		 * so offset + size cannot overflow. */
		if (strlen(v) != ENVELOPE_SIZE_WIDTH ||
		    parse_num(v, LONG_MAX, &e->size) == -1) {
			snprintf(err, errlen, "bad size '%.40s'", v);
			return -1;
		}
	}
	/* Unknown keys are ignored: a newer writer may add some. */
	return 0;
}

int
envelope_read(int fd, struct envelope *e, char *err, size_t errlen)
{
	size_t cap = 8192, len = 0, pos = 0;
	char *buf = xmalloc(cap), *nl, trailer[sizeof(ENVELOPE_TRAILER)];
	int have_size = 0, first = 1;
	struct stat st;
	ssize_t n;

	memset(e, 0, sizeof(*e));
	e->size = -1;
	for (;;) {
		if ((nl = memchr(buf + pos, '\n', len - pos)) == NULL) {
			if (len == cap) {
				if (cap >= HEADER_MAX) {
					snprintf(err, errlen, "envelope header too large");
					goto fail;
				}
				buf = xrealloc(buf, cap *= 2);
			}
			n = read(fd, buf + len, cap - len);
			if (n < 0) {
				snprintf(err, errlen, "read: %s", strerror(errno));
				goto fail;
			}
			if (n == 0) {
				snprintf(err, errlen, "truncated envelope header");
				goto fail;
			}
			len += (size_t)n;
			continue;
		}
		*nl = '\0';
		if (first) {
			if (strcmp(buf + pos, ENVELOPE_MAGIC) != 0) {
				snprintf(err, errlen, "not a sesrelay message file");
				goto fail;
			}
			first = 0;
		} else if (buf[pos] == '\0') {
			e->data_offset = (off_t)(nl + 1 - buf);
			break;
		} else {
			if (parse_header_line(e, buf + pos, err, errlen) == -1)
				goto fail;
			if (strncmp(buf + pos, "size", 4) == 0)
				have_size = 1;
		}
		pos = (size_t)(nl + 1 - buf);
	}
	free(buf);
	buf = NULL;
	if (!have_size || e->user == NULL || e->sender == NULL || e->nrcpts == 0) {
		snprintf(err, errlen, "incomplete envelope (size, user, from or rcpt missing)");
		goto fail;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "fstat: %s", strerror(errno));
		goto fail;
	}
	if (e->size > st.st_size - e->data_offset ||
	    st.st_size != e->data_offset + e->size + (off_t)strlen(ENVELOPE_TRAILER) ||
	    pread(fd, trailer, strlen(ENVELOPE_TRAILER), e->data_offset + e->size) !=
	    (ssize_t)strlen(ENVELOPE_TRAILER) ||
	    memcmp(trailer, ENVELOPE_TRAILER, strlen(ENVELOPE_TRAILER)) != 0) {
		snprintf(err, errlen, "message file is truncated or has no end marker");
		goto fail;
	}
	return 0;
fail:
	free(buf);
	envelope_free(e);
	return -1;
}

void
envelope_free(struct envelope *e)
{
	size_t i;

	free(e->user);
	free(e->sender);
	for (i = 0; i < e->nrcpts; i++)
		free(e->rcpts[i]);
	free(e->rcpts);
	memset(e, 0, sizeof(*e));
}

const char *
rcpt_status_name(enum rcpt_status s)
{
	switch (s) {
	case RCPT_PENDING:	return "pending";
	case RCPT_SENT:		return "sent";
	case RCPT_FAILED:	return "failed";
	}
	return "?";
}

static int
rcpt_status_parse(const char *s, enum rcpt_status *out)
{
	if (strcmp(s, "pending") == 0)
		*out = RCPT_PENDING;
	else if (strcmp(s, "sent") == 0)
		*out = RCPT_SENT;
	else if (strcmp(s, "failed") == 0)
		*out = RCPT_FAILED;
	else
		return -1;
	return 0;
}

void
state_set_str(char **field, const char *value)
{
	char *p;

	free(*field);
	*field = xstrdup(value ? value : "");
	for (p = *field; *p; p++)
		if (*p == '\t' || *p == '\n' || *p == '\r')
			*p = ' ';
}

void
state_init(struct msg_state *st, const struct envelope *e)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	st->rcpts = xcalloc(e->nrcpts, sizeof(*st->rcpts));
	st->nrcpts = e->nrcpts;
	for (i = 0; i < e->nrcpts; i++) {
		st->rcpts[i].addr = xstrdup(e->rcpts[i]);
		st->rcpts[i].ses_id = xstrdup("");
		st->rcpts[i].reply = xstrdup("");
	}
}

void
state_add_log(struct msg_state *st, long t, const char *addr,
    const char *status, const char *text)
{
	struct state_log *l;

	if (st->nlog == STATE_MAX_LOG) {
		free(st->log[0].addr);
		free(st->log[0].status);
		free(st->log[0].text);
		memmove(st->log, st->log + 1, (STATE_MAX_LOG - 1) * sizeof(*st->log));
		st->nlog--;
	}
	st->log = xrealloc(st->log, (st->nlog + 1) * sizeof(*st->log));
	l = &st->log[st->nlog++];
	memset(l, 0, sizeof(*l));
	l->time = t;
	state_set_str(&l->addr, addr);
	state_set_str(&l->status, status);
	state_set_str(&l->text, text);
}

/* Split `line` at tabs into at most n fields; returns the count. */
static int
split_tabs(char *line, char **f, int n)
{
	int i = 0;

	while (i < n) {
		f[i++] = line;
		if ((line = strchr(line, '\t')) == NULL)
			break;
		*line++ = '\0';
	}
	return i;
}

int
state_parse(const char *text, size_t len, struct msg_state *st,
    char *err, size_t errlen)
{
	char *buf = xstrndup(text, len), *line, *next, *f[8];
	int lineno = 0, ended = 0;
	long num;

	memset(st, 0, sizeof(*st));
	for (line = buf; line != NULL && *line; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		lineno++;
		if (lineno == 1) {
			if (strcmp(line, STATE_MAGIC) != 0)
				goto bad;
			continue;
		}
		if (strncmp(line, "held ", 5) == 0)
			st->held = atoi(line + 5) != 0;
		else if (strncmp(line, "rcpt\t", 5) == 0) {
			struct rcpt_state *r;

			if (split_tabs(line + 5, f, 7) != 7)
				goto bad;
			st->rcpts = xrealloc(st->rcpts, (st->nrcpts + 1) * sizeof(*r));
			r = &st->rcpts[st->nrcpts++];
			memset(r, 0, sizeof(*r));
			r->addr = xstrdup(f[0]);
			r->ses_id = xstrdup(strcmp(f[5], "-") ? f[5] : "");
			r->reply = xstrdup(f[6]);
			if (rcpt_status_parse(f[1], &r->status) == -1 ||
			    parse_num(f[2], INT_MAX, &num) == -1 ||
			    parse_num(f[3], LONG_MAX, &r->next_attempt) == -1 ||
			    parse_num(f[4], LONG_MAX, &r->last_attempt) == -1)
				goto bad;
			r->attempts = (int)num;
		} else if (strncmp(line, "log\t", 4) == 0) {
			if (split_tabs(line + 4, f, 4) != 4 ||
			    parse_num(f[0], LONG_MAX, &num) == -1)
				goto bad;
			state_add_log(st, num, f[1], f[2], f[3]);
		} else if (strcmp(line, "end") == 0) {
			ended = 1;
			break;
		} else
			goto bad;
	}
	free(buf);
	if (!ended || st->nrcpts == 0) {
		snprintf(err, errlen, "state file is incomplete");
		state_free(st);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "state file line %d is malformed", lineno);
	free(buf);
	state_free(st);
	return -1;
}

int
state_write(const struct msg_state *st, FILE *fp)
{
	size_t i;

	fprintf(fp, "%s\nheld %d\n", STATE_MAGIC, st->held);
	for (i = 0; i < st->nrcpts; i++) {
		const struct rcpt_state *r = &st->rcpts[i];

		fprintf(fp, "rcpt\t%s\t%s\t%d\t%ld\t%ld\t%s\t%s\n", r->addr,
		    rcpt_status_name(r->status), r->attempts, r->next_attempt,
		    r->last_attempt, r->ses_id[0] ? r->ses_id : "-", r->reply);
	}
	for (i = 0; i < st->nlog; i++)
		fprintf(fp, "log\t%ld\t%s\t%s\t%s\n", st->log[i].time,
		    st->log[i].addr, st->log[i].status, st->log[i].text);
	fputs("end\n", fp);
	return ferror(fp) ? -1 : 0;
}

char *
state_format(const struct msg_state *st, size_t *len)
{
	char *out = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&out, &n);

	if (fp == NULL) {
		fputs("sesrelay: out of memory; try again later\n", stderr);
		exit(EXIT_TEMPFAIL);
	}
	state_write(st, fp);
	fclose(fp);
	*len = n;
	return out;
}

void
state_free(struct msg_state *st)
{
	size_t i;

	for (i = 0; i < st->nrcpts; i++) {
		free(st->rcpts[i].addr);
		free(st->rcpts[i].ses_id);
		free(st->rcpts[i].reply);
	}
	free(st->rcpts);
	for (i = 0; i < st->nlog; i++) {
		free(st->log[i].addr);
		free(st->log[i].status);
		free(st->log[i].text);
	}
	free(st->log);
	memset(st, 0, sizeof(*st));
}
