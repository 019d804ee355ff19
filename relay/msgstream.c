/* SPDX-License-Identifier: ISC */
/*
 * msgstream.c: turns a stored message (LF line ends) into what goes on the
 * wire after DATA, in bounded memory: the rewritten header section, then
 * the body read with pread in 64 kB blocks.  Every line end becomes CRLF
 * exactly once; a bare CR is sent as a line break in the body (SMTP
 * forbids bare CR) and as a space in the header section, where the
 * intake and the rewriter split fields on LF only: a CR there must not
 * start a field nor end the section (what is parsed is what is sent);
 * a line longer than 998 octets is folded, as Postfix's
 * smtp_line_length_limit does: in headers with CRLF + space (a valid
 * continuation), in the body with CRLF.  libcurl then dot-stuffs lines
 * that start with "." (it does so only after CRLF, hence strict CRLF).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "envelope.h"
#include "msgstream.h"
#include "rewrite.h"
#include "util.h"

#define BLOCK (64 * 1024)
#define MAX_LINE 998

struct msgstream {
	int	 fd;
	off_t	 body_start;	/* file offset of the body (after the empty line) */
	off_t	 body_end;
	char	*hdr;		/* rewritten header section + empty line */
	size_t	 hdrlen;
	/* position */
	size_t	 hdrpos;
	off_t	 off;
	char	*blk;
	size_t	 blklen, blkpos;
	int	 in_header;	/* folding style */
	int	 pending_cr;	/* 1: CR read in the body, 2: in the header */
	size_t	 col;
	char	 carry[8];	/* output that did not fit the caller's buffer */
	size_t	 ncarry;
	int	 done;
	long	 folded;
};

struct msgstream *
msgstream_open(int fd, const struct envelope *e, const struct config *cf,
    char *err, size_t errlen)
{
	struct msgstream *ms = xcalloc(1, sizeof(*ms));
	size_t cap = 8192, len = 0, hlen;
	char *raw = xmalloc(cap), *sep = NULL, *rw;
	ssize_t n;

	/* Find the end of the header section ("\n\n"), reading at most 1 MB
	 * (the intake refuses larger header sections). */
	while (len < (size_t)e->size && len < 1024 * 1024 + 2) {
		if (len == cap)
			raw = xrealloc(raw, cap *= 2);
		n = pread(fd, raw + len, cap - len, e->data_offset + (off_t)len);
		if (n <= 0) {
			snprintf(err, errlen, "read: %s", n < 0 ? strerror(errno) : "short file");
			free(raw);
			free(ms);
			return NULL;
		}
		len += (size_t)n;
		if (len > (size_t)e->size)
			len = (size_t)e->size;
		if (len >= 1 && raw[0] == '\n') {
			sep = raw;
			break;
		}
		if ((sep = memmem(raw, len, "\n\n", 2)) != NULL)
			break;
	}
	if (sep == NULL) {
		/* No body: the whole message is headers. */
		hlen = len;
		ms->body_start = e->data_offset + (off_t)e->size;
	} else {
		hlen = (size_t)(sep - raw) + (raw[0] == '\n' && sep == raw ? 0 : 1);
		ms->body_start = e->data_offset + (off_t)(sep - raw) + (sep == raw ? 1 : 2);
	}
	if (hlen > 0 && raw[hlen - 1] == '\n')
		hlen--;
	rw = rewrite_headers(cf, raw, hlen, &ms->hdrlen);
	free(raw);
	ms->hdr = xrealloc(rw, ms->hdrlen + 2);
	ms->hdr[ms->hdrlen++] = '\n';	/* the empty line */
	ms->fd = fd;
	ms->body_end = e->data_offset + e->size;
	ms->blk = xmalloc(BLOCK);
	msgstream_rewind(ms);
	return ms;
}

void
msgstream_rewind(struct msgstream *ms)
{
	ms->hdrpos = 0;
	ms->off = ms->body_start;
	ms->blklen = ms->blkpos = 0;
	ms->in_header = 1;
	ms->pending_cr = 0;
	ms->col = 0;
	ms->ncarry = 0;
	ms->done = 0;
	ms->folded = 0;
}

/* Next input byte, or -1 at the end (or on a read error: the stream ends
 * short and the transfer fails, which the caller treats as a retry). */
static int
next_byte(struct msgstream *ms)
{
	if (ms->hdrpos < ms->hdrlen) {
		if (ms->hdrpos == ms->hdrlen - 1)
			ms->in_header = 0;
		return (unsigned char)ms->hdr[ms->hdrpos++];
	}
	if (ms->blkpos == ms->blklen) {
		ssize_t n;
		size_t want = BLOCK;

		if (ms->off >= ms->body_end)
			return -1;
		if ((off_t)want > ms->body_end - ms->off)
			want = (size_t)(ms->body_end - ms->off);
		n = pread(ms->fd, ms->blk, want, ms->off);
		if (n <= 0)
			return -1;
		ms->off += n;
		ms->blklen = (size_t)n;
		ms->blkpos = 0;
	}
	return (unsigned char)ms->blk[ms->blkpos++];
}

/* Put s into buf (bounded); what does not fit goes to the carry. */
static void
emit(struct msgstream *ms, char *buf, size_t *used, size_t cap, const char *s,
    size_t n)
{
	while (n > 0) {
		if (*used < cap)
			buf[(*used)++] = *s;
		else
			ms->carry[ms->ncarry++] = *s;
		s++;
		n--;
	}
}

/* One octet of line content, folding the line at MAX_LINE: in headers
 * with CRLF + space (a continuation), in the body with CRLF. */
static void
put_char(struct msgstream *ms, char *buf, size_t *used, size_t cap, char ch)
{
	if (ms->col >= MAX_LINE) {
		ms->folded++;
		if (ms->in_header) {
			emit(ms, buf, used, cap, "\r\n ", 3);
			ms->col = 1;
		} else {
			emit(ms, buf, used, cap, "\r\n", 2);
			ms->col = 0;
		}
	}
	emit(ms, buf, used, cap, &ch, 1);
	ms->col++;
}

size_t
msgstream_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct msgstream *ms = arg;
	size_t cap = size * nitems, used = 0, i;
	int c;

	for (i = 0; i < ms->ncarry && used < cap; i++)
		buf[used++] = ms->carry[i];
	memmove(ms->carry, ms->carry + i, ms->ncarry - i);
	ms->ncarry -= i;
	/* Keep room for the longest expansion (CRLF + SP + byte). */
	while (used + 4 <= cap && ms->ncarry == 0) {
		c = next_byte(ms);
		if (ms->pending_cr) {
			int as_space = ms->pending_cr == 2 && c != '\n';

			ms->pending_cr = 0;
			if (as_space)
				put_char(ms, buf, &used, cap, ' ');
			else {
				emit(ms, buf, &used, cap, "\r\n", 2);
				ms->col = 0;
				if (c == '\n')
					continue;
			}
		}
		if (c == -1) {
			if (ms->col > 0) {	/* the stored message always ends with LF */
				emit(ms, buf, &used, cap, "\r\n", 2);
				ms->col = 0;
			}
			ms->done = 1;
			break;
		}
		if (c == '\n') {
			emit(ms, buf, &used, cap, "\r\n", 2);
			ms->col = 0;
		} else if (c == '\r')
			ms->pending_cr = ms->in_header ? 2 : 1;
		else
			put_char(ms, buf, &used, cap, (char)c);
	}
	return used;
}

int
msgstream_done(const struct msgstream *ms)
{
	return ms->done && ms->ncarry == 0;
}

long
msgstream_folded(const struct msgstream *ms)
{
	return ms->folded;
}

void
msgstream_free(struct msgstream *ms)
{
	if (ms == NULL)
		return;
	free(ms->hdr);
	free(ms->blk);
	free(ms);
}
