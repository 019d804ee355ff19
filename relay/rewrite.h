/* SPDX-License-Identifier: ISC */
/* rewrite.c: delivery-time rewriting for SES: local recipients through the
 * aliases (envelope and To/Cc headers), the envelope sender and optionally
 * From: to a verified identity.  Applied when sending, so a fixed config
 * fixes mail already queued. */
#ifndef SESRELAY_REWRITE_H
#define SESRELAY_REWRITE_H

#include <stddef.h>

struct config;

/* 1 when addr is local: no domain, or the configured domain, the host name
 * or localhost. */
int	rewrite_is_local(const struct config *cf, const char *addr);
/* The address to send to (malloc'd), or NULL with a reason in why when a
 * local name has no alias and there is no default_recipient, or when the
 * local part is not ASCII. */
char	*rewrite_rcpt(const struct config *cf, const char *addr, char *why,
	    size_t whylen);
/* MAIL FROM for the wire: `sender` when configured, else the envelope
 * sender (malloc'd; "" for the null sender without a configured sender). */
char	*rewrite_sender(const struct config *cf, const char *env_sender);
/* Rewrite a header section (LF-separated fields, no empty line at the
 * end).  Returns malloc'd text and its length in *outlen. */
char	*rewrite_headers(const struct config *cf, const char *hdr, size_t len,
	    size_t *outlen);

#endif
