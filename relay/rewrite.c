/* SPDX-License-Identifier: ISC */
/*
 * rewrite.c: SES only sends from verified identities and rejects headers
 * that name local addresses, while cron writes as root@host to root.  So,
 * at delivery time: local recipients map through `aliases`, then
 * `default_recipient`; To:/Cc: fields naming a local address are rewritten
 * the same way; MAIL FROM becomes `sender` when set; with `rewrite_from`,
 * From: becomes `sender` too and the original From: moves to Reply-To:
 * (when there is none).  Return-Path: is dropped: it is the receiving
 * side's to add.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "header.h"
#include "rewrite.h"
#include "util.h"

int
rewrite_is_local(const struct config *cf, const char *addr)
{
	const char *at = strrchr(addr, '@');
	char host[256];

	if (at == NULL)
		return 1;
	at++;
	if (strcasecmp(at, cf->domain) == 0 || strcasecmp(at, "localhost") == 0 ||
	    strcasecmp(at, "localhost.localdomain") == 0)
		return 1;
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		if (strcasecmp(at, host) == 0)
			return 1;
	}
	return 0;
}

/* 1 when the local part of addr (all of it without '@') has a non-ASCII
 * byte: no SMTPUTF8 at SES, so it cannot go on the wire. */
static int
rewrite_local_8bit(const char *addr)
{
	const char *at = strrchr(addr, '@');
	const char *p;

	for (p = addr; *p != '\0' && (at == NULL || p < at); p++)
		if ((unsigned char)*p >= 128)
			return 1;
	return 0;
}

char *
rewrite_rcpt(const struct config *cf, const char *addr, char *why, size_t whylen)
{
	const char *at = strrchr(addr, '@'), *target;
	char *local;

	/* Checked on the address that goes on the wire: a local name with
	 * an alias may be anything, its target may not. */
	if (!rewrite_is_local(cf, addr)) {
		target = addr;
		goto wire;
	}
	local = at ? xstrndup(addr, (size_t)(at - addr)) : xstrdup(addr);
	target = config_alias(cf, local);
	if (target == NULL && cf->default_recipient[0] != '\0')
		target = cf->default_recipient;
	if (target == NULL) {
		snprintf(why, whylen, "no alias for the local recipient %s: add "
		    "aliases = { %s = \"you@example.com\"; }; or default_recipient to "
		    "sesrelay.conf (SES cannot deliver to a local name)", addr, local);
		free(local);
		return NULL;
	}
	free(local);
 wire:
	if (rewrite_local_8bit(target)) {
		snprintf(why, whylen, "the local part of %s is not ASCII, and SES "
		    "offers no SMTPUTF8", target);
		return NULL;
	}
	return xstrdup(target);
}

char *
rewrite_sender(const struct config *cf, const char *env_sender)
{
	if (cf->sender[0] != '\0')
		return xstrdup(cf->sender);
	return xstrdup(env_sender);
}

/* Append to a growing buffer. */
static void
put(char **out, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap)
		*out = xrealloc(*out, *cap = (*len + n + 1) * 2);
	memcpy(*out + *len, s, n);
	*len += n;
	(*out)[*len] = '\0';
}

/* To/Cc with a local address: regenerate the field from its addresses. */
static char *
rewrite_addr_field(const struct config *cf, const char *field)
{
	struct addrlist l = { NULL, 0 };
	char *v = header_value(field), *out, why[512];
	const char *colon = strchr(field, ':');
	size_t i, any_local = 0, kept, len, cap;

	addrlist_parse(v, &l);
	free(v);
	for (i = 0; i < l.n; i++)
		any_local += (size_t)rewrite_is_local(cf, l.addr[i]);
	if (!any_local || colon == NULL) {
		addrlist_free(&l);
		return NULL;
	}
	len = 0;
	cap = 256;
	out = xmalloc(cap);
	put(&out, &len, &cap, field, (size_t)(colon - field) + 1);
	for (i = 0, kept = 0; i < l.n; i++) {
		char *a = rewrite_rcpt(cf, l.addr[i], why, sizeof(why));

		if (a == NULL)
			continue;	/* that recipient fails in the envelope */
		put(&out, &len, &cap, kept ? ",\n " : " ", kept ? 3 : 1);
		put(&out, &len, &cap, a, strlen(a));
		kept++;
		free(a);
	}
	/* An empty To: is a syntax error some receivers reject; say plainly
	 * that the recipients are not listed (RFC 5322 group syntax). */
	if (kept == 0)
		put(&out, &len, &cap, " undisclosed-recipients:;", 25);
	addrlist_free(&l);
	return out;
}

char *
rewrite_headers(const struct config *cf, const char *hdr, size_t hlen,
    size_t *outlen)
{
	char *out = NULL, *from = NULL;
	size_t len = 0, cap = 0;
	const char *p = hdr, *end = hdr + hlen;
	int has_reply_to = 0;

	put(&out, &len, &cap, "", 0);
	while (p < end) {
		/* One field: up to a LF not followed by white space. */
		const char *q = p;
		char *field, *repl = NULL;

		for (;;) {
			q = memchr(q, '\n', (size_t)(end - q));
			if (q == NULL) {
				q = end;
				break;
			}
			if (q + 1 < end && (q[1] == ' ' || q[1] == '\t')) {
				q++;
				continue;
			}
			break;
		}
		field = xstrndup(p, (size_t)(q - p));
		p = q < end ? q + 1 : end;
		if (header_is(field, "Return-Path") || (*cf->configuration_set &&
		    (header_is(field, "X-SES-CONFIGURATION-SET") ||
		    header_is(field, "X-SES-MESSAGE-TAGS")))) {
			free(field);
			continue;
		}
		if (header_is(field, "Reply-To"))
			has_reply_to = 1;
		if (header_is(field, "To") || header_is(field, "Cc"))
			repl = rewrite_addr_field(cf, field);
		else if (header_is(field, "From") && cf->rewrite_from &&
		    cf->sender[0] != '\0') {
			free(from);	/* a second From: (invalid) keeps the last */
			from = header_value(field);
			repl = xasprintf("From: %s", cf->sender);
		}
		if (repl != NULL) {
			put(&out, &len, &cap, repl, strlen(repl));
			free(repl);
		} else
			put(&out, &len, &cap, field, strlen(field));
		put(&out, &len, &cap, "\n", 1);
		free(field);
	}
	if (from != NULL && !has_reply_to) {
		put(&out, &len, &cap, "Reply-To:", 9);
		put(&out, &len, &cap, from, strlen(from));
		put(&out, &len, &cap, "\n", 1);
	}
	free(from);
	if (*cf->configuration_set) {
		/* SES publishes this message's events to the configuration set
		 * with these tags (sesrelay_host lets hosts sharing one topic
		 * filter their own), and strips both headers before delivery. */
		char *ses = xasprintf("X-SES-CONFIGURATION-SET: %s\nX-SES-MESSAGE-TAGS: "
		    "sesrelay_host=%s%s%s\n", cf->configuration_set, cf->host_tag,
		    *cf->message_tags ? ", " : "", cf->message_tags);

		put(&out, &len, &cap, ses, strlen(ses));
		free(ses);
	}
	*outlen = len;
	return out;
}
