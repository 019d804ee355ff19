/* SPDX-License-Identifier: ISC */
/* msgstream.c: a spool message as wire bytes, streamed (libcurl's
 * READFUNCTION): rewritten headers, strict CRLF, long lines folded. */
#ifndef SESRELAY_MSGSTREAM_H
#define SESRELAY_MSGSTREAM_H

#include <stddef.h>
#include <sys/types.h>

struct config;
struct envelope;
struct msgstream;

/* Read and rewrite the headers of the message in fd (envelope e); the body
 * is read later with pread, so several streams may share the fd.  NULL with
 * a reason in err on failure. */
struct msgstream *msgstream_open(int fd, const struct envelope *e,
	    const struct config *cf, char *err, size_t errlen);
/* libcurl READFUNCTION: fills buf, returns 0 at the end. */
size_t	msgstream_read(char *buf, size_t size, size_t nitems, void *ms);
/* Start again from the first byte (a retry on a new connection). */
void	msgstream_rewind(struct msgstream *ms);
/* 1 once the last byte was handed out (the final dot follows). */
int	msgstream_done(const struct msgstream *ms);
/* Lines that had to be folded (over 998 octets). */
long	msgstream_folded(const struct msgstream *ms);
void	msgstream_free(struct msgstream *ms);

#endif
