/* SPDX-License-Identifier: ISC */
/* rewrite.c: delivery-time rewriting for SES: local recipients through the
 * aliases (envelope and To/Cc headers), the envelope sender and optionally
 * From: to a verified identity.  Applied when sending, so a fixed config
 * fixes mail already queued. */
#ifndef SESRELAY_REWRITE_H
#define SESRELAY_REWRITE_H

#include <stddef.h>

struct alias_result;
struct alias_table;
struct config;
struct msg_state;

/* 1 when addr is local: no domain, or the configured domain, the host name
 * or localhost. */
int	rewrite_is_local(const struct config *cf, const char *addr);
/* The address to send to (malloc'd), or NULL with a reason in why when a
 * local name maps to no address (no alias and no default_recipient, or an
 * alias whose targets are all refused or loop), maps to several (see
 * rewrite_expand_state), or when the local part is not ASCII.  Notes on
 * refused alias targets and loops are logged. */
char	*rewrite_rcpt(const struct config *cf, const char *addr, char *why,
	    size_t whylen);
/* Expand the local name `local` through the config's aliases, then the
 * aliases file (`file`, or NULL for aliases_file as the daemon has it
 * loaded), then default_recipient.  Returns r->n (see aliases_expand). */
size_t	rewrite_aliases(const struct config *cf, const struct alias_table *file,
	    const char *local, struct alias_result *r);
/* Before a message's recipients are rewritten one by one: replace each
 * pending local recipient that an alias expands to several addresses by
 * those addresses (new pending recipients; the local one is marked done
 * with "expanded by alias to ..." and a history line).  Re-reads the
 * aliases file when it changed.  Returns how many were expanded. */
int	rewrite_expand_state(const struct config *cf, const char *id,
	    struct msg_state *st, long now);
/* MAIL FROM for the wire: `sender` when configured, else the envelope
 * sender (malloc'd; "" for the null sender without a configured sender). */
char	*rewrite_sender(const struct config *cf, const char *env_sender);
/* Rewrite a header section (LF-separated fields, no empty line at the
 * end).  Returns malloc'd text and its length in *outlen. */
char	*rewrite_headers(const struct config *cf, const char *hdr, size_t len,
	    size_t *outlen);

#endif
