/* SPDX-License-Identifier: ISC */
/*
 * envelope.c: the text formats of the spool, without any I/O policy
 * (spool.c does the I/O).  Documented for admins in man/sesrelay-spool.5.
 *
 * Message file (maildrop/ID, queue/ID, failed/ID), written once, never edited:
 *
 *	SESRELAY 1
 *	arrival 1795600000.123456
 *	uid 33
 *	user www-data
 *	from <sender@example.com>		("<>" = null sender, bounces)
 *	rcpt <a@example.com>			(one line per recipient)
 *	body 7bit|8bit
 *	size 000000001234			(fixed width, patched at commit)
 *	<empty line>
 *	<message: exactly `size` octets, LF line ends, ends with LF>
 *	END
 *
 * State file (state/ID), replaced atomically by the daemon and the queue
 * tools, absent until the first change (absent = all recipients pending):
 *
 *	SESRELAY-STATE 1
 *	held 0|1
 *	rcpt <TAB> addr <TAB> state <TAB> attempts <TAB> next <TAB> last <TAB> sesid <TAB> reply
 *	log <TAB> time <TAB> addr <TAB> status <TAB> text
 *	end
 */
#ifndef SESRELAY_ENVELOPE_H
#define SESRELAY_ENVELOPE_H

#include <stdio.h>
#include <sys/types.h>

#define ENVELOPE_MAGIC	"SESRELAY 1"
#define ENVELOPE_TRAILER "END\n"
#define ENVELOPE_SIZE_WIDTH 12
#define STATE_MAGIC	"SESRELAY-STATE 1"
#define STATE_MAX_LOG	64	/* history lines kept per message */

struct envelope {
	double	  arrival;
	long	  uid;
	char	 *user;
	char	 *sender;	/* without <>; "" = null sender */
	char	**rcpts;
	size_t	  nrcpts;
	int	  body8bit;
	long	  size;		/* message octets */
	off_t	  data_offset;	/* offset of the message in the file */
};

enum rcpt_status { RCPT_PENDING, RCPT_SENT, RCPT_FAILED };

struct rcpt_state {
	char	*addr;
	enum rcpt_status status;
	int	 attempts;
	long	 next_attempt;	/* epoch seconds; 0 = as soon as possible */
	long	 last_attempt;	/* epoch seconds; 0 = never */
	char	*ses_id;	/* "" until sent */
	char	*reply;		/* last server reply or local error, "" */
};

struct state_log {
	long	 time;
	char	*addr;
	char	*status;	/* sent, deferred, bounced, held, throttled, ... */
	char	*text;
};

struct msg_state {
	int	 held;		/* operator hold on this message */
	struct rcpt_state *rcpts;
	size_t	 nrcpts;
	struct state_log *log;
	size_t	 nlog;
};

/* Write the header block with size 0; *size_off and *body_off receive the
 * file offsets of the size digits and of the 4-character body type, which
 * the committer patches once the message has streamed through.  0 or -1. */
int	envelope_write_header(FILE *fp, const struct envelope *e, long *size_off,
	    long *body_off);

/* Parse a message file header from fd (positioned at 0) and verify that the
 * file is complete (size matches, trailer present).  Leaves the fd offset
 * unspecified.  0, or -1 with a reason in err. */
int	envelope_read(int fd, struct envelope *e, char *err, size_t errlen);
void	envelope_free(struct envelope *e);

/* State: initialise from an envelope (all pending), parse, format, free. */
void	state_init(struct msg_state *st, const struct envelope *e);
int	state_parse(const char *buf, size_t len, struct msg_state *st,
	    char *err, size_t errlen);
/* malloc'd text; *len receives its length. */
char	*state_format(const struct msg_state *st, size_t *len);
/* The same text written to fp (no copy in memory: a 50,000-recipient
 * state is megabytes).  0, or -1 when fp reports an error. */
int	state_write(const struct msg_state *st, FILE *fp);
/* Append a history line (oldest dropped beyond STATE_MAX_LOG).  Tabs and
 * newlines in text are replaced by spaces. */
void	state_add_log(struct msg_state *st, long t, const char *addr,
	    const char *status, const char *text);
/* Replace a string field, sanitising tabs/newlines. */
void	state_set_str(char **field, const char *value);
void	state_free(struct msg_state *st);
const char *rcpt_status_name(enum rcpt_status s);

#endif
