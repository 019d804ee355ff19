/* SPDX-License-Identifier: ISC */
/* intake.c: turn one message from a line source into a committed spool
 * file: header parsing, -t recipients, header additions, policies for NUL,
 * size and 8-bit, and the sysexits code for every failure. */
#ifndef SESRELAY_INTAKE_H
#define SESRELAY_INTAKE_H

#include <stdio.h>
#include <sys/types.h>

#include "qid.h"

struct config;
struct spool;

enum line_mode {
	LINES_EOF,	/* -i / -oi: only end of input ends the message */
	LINES_DOT,	/* classic: a line holding a single "." ends it */
	LINES_SMTP,	/* -bs DATA: "." ends it, leading dots unstuffed */
};

struct line_src {
	FILE	*in;
	enum line_mode mode;
	int	 ended;		/* the end of the message was reached */
	int	 saw_dot;	/* it ended with the "." line (not EOF) */
	int	 read_errno;	/* input failed (not end of input): its errno */
	int	 over_limit;	/* intake refused it for its size (SMTP 552) */
	long	 lineno;
	char	*buf;
	size_t	 cap;
};

struct caller {
	long	 uid;
	char	*user;		/* login name, or "uid1234" */
};

struct intake_opts {
	int	 extract;	/* -t: recipients from the headers */
	const char *sender;	/* -f / -r / MAIL FROM; NULL = the caller */
	const char *fullname;	/* -F */
	char	**rcpts;	/* argument (or RCPT) recipients */
	size_t	 nrcpts;
	void	(*privileged)(int on);	/* regain/drop the spool group */
};

void	line_src_init(struct line_src *s, FILE *in, enum line_mode mode);
/* Next line without its line end (LF or CRLF); -1 at the end, which is
 * either the end of the input or, with read_errno set, a read error or
 * out of memory: never to be taken for the end of the message. */
ssize_t	line_next(struct line_src *s, char **line);
/* Read and discard until the end of the message. */
void	line_drain(struct line_src *s);
void	line_src_free(struct line_src *s);

/* Read one message and queue it.  Returns 0 once it is durable (id set), or
 * a sysexits code with a one-line explanation in err.  On error the rest of
 * the message is consumed (so -bs can answer) and nothing is left queued. */
int	intake_message(struct line_src *src, const struct config *cf,
	    const struct spool *sp, const struct caller *who,
	    const struct intake_opts *o, char id[QID_LEN + 1],
	    char *err, size_t errlen);

/* Qualify and validate an envelope sender ("" = null sender).  Returns a
 * malloc'd address, or NULL with a reason in err. */
char	*intake_sender(const char *given, const struct config *cf,
	    const struct caller *who, char *err, size_t errlen);

#endif
