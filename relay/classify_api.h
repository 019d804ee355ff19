/* SPDX-License-Identifier: ISC */
/* classify_api.c: a SendEmail outcome -> what the relay does, the same
 * classes as the SMTP replies (classify.h), from one table (documented in
 * sesrelay-daemon(8), API OUTCOMES).  Pure: no I/O, unit-tested row by row. */
#ifndef SESRELAY_CLASSIFY_API_H
#define SESRELAY_CLASSIFY_API_H

#include "classify.h"
#include "sesapi_send.h"

/* st: the outcome; body_sent: the whole request had gone out (a timeout
 * or a break after that may have sent the mail); reused: it ran on a
 * connection kept from an earlier request. */
void	classify_api(enum ses_send_status st, int body_sent, int reused,
	    struct reply_class *out);

#endif
