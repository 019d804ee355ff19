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
 *
 * Local names are looked up in the config's `aliases` first, then in
 * aliases_file (/etc/aliases): the config is this relay's own, deliberate
 * setting, as a Postfix user's virtual_alias_maps in main.cf win over
 * /etc/aliases.  The expansion itself (chains, loops, refused targets)
 * is aliases.c's.  A name that expands to several addresses is replaced
 * in the message's state by those addresses (rewrite_expand_state), so
 * each keeps its own delivery state and a retry never repeats one that
 * was accepted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "aliases.h"
#include "config.h"
#include "envelope.h"
#include "header.h"
#include "log.h"
#include "rewrite.h"
#include "util.h"

/* This machine's name, looked up at most once a minute (it was a uname
 * call per address, three per delivered message). */
static const char *
this_host(void)
{
	static char host[256];
	static time_t checked;
	time_t now = time(NULL);

	if (host[0] == '\0' || now - checked >= 60 || now < checked) {
		if (gethostname(host, sizeof(host)) != 0)
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		checked = now;
	}
	return host;
}

int
rewrite_is_local(const struct config *cf, const char *addr)
{
	const char *at = strrchr(addr, '@');

	if (at == NULL)
		return 1;
	at++;
	/* A domain read from /etc/mailname is usually the organisation's
	 * mail domain, whose mailboxes live elsewhere: it qualifies bare
	 * names but does not make an address local. */
	if ((!cf->domain_is_mailname && strcasecmp(at, cf->domain) == 0) ||
	    strcasecmp(at, "localhost") == 0 ||
	    strcasecmp(at, "localhost.localdomain") == 0)
		return 1;
	return strcasecmp(at, this_host()) == 0;
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

/* The aliases file as the daemon has it loaded; with recheck, loaded
 * again when it changed, and its problems logged once per load. */
static const struct alias_table *
file_aliases(const struct config *cf, int recheck)
{
	const struct alias_table *t;
	int fresh;
	size_t i;

	t = aliases_cached(cf->aliases_file, recheck, &fresh);
	for (i = 0; fresh && i < t->nproblems; i++)
		log_warnx("%s (that line is ignored)", t->problems[i]);
	return t;
}

size_t
rewrite_aliases(const struct config *cf, const struct alias_table *file,
    const char *local, struct alias_result *r)
{
	struct alias_sources s;

	s.conf = cf->aliases;
	s.nconf = cf->naliases;
	s.file = file != NULL ? file : file_aliases(cf, 0);
	s.fallback = cf->default_recipient;
	return aliases_expand(&s, local, r);
}

/* The addresses a local recipient goes to: 0 with r filled (r->n >= 1),
 * or -1 with the reason in why.  With report, the expansion's notes
 * (refused targets, loops) are logged. */
static int
local_targets(const struct config *cf, const char *addr, struct alias_result *r,
    int report, char *why, size_t whylen)
{
	const char *at = strrchr(addr, '@');
	char *local = at ? xstrndup(addr, (size_t)(at - addr)) : xstrdup(addr);
	size_t i, n;

	rewrite_aliases(cf, NULL, local, r);
	for (i = 0; report && r->n > 0 && i < r->nnotes; i++)
		log_warnx("%s", r->notes[i]);
	if (r->n > 0) {
		free(local);
		return 0;
	}
	if (!r->aliased)
		snprintf(why, whylen, "no alias for the local recipient %s: add "
		    "aliases = { %s = \"you@example.com\"; }; to sesrelay.conf, a line "
		    "\"%s: you@example.com\" to %s, or default_recipient (SES cannot "
		    "deliver to a local name)", addr, local, local,
		    *cf->aliases_file ? cf->aliases_file : "/etc/aliases");
	else {
		n = (size_t)snprintf(why, whylen, "the alias %s maps to no address", local);
		for (i = 0; i < r->nnotes && n < whylen; i++)
			n += (size_t)snprintf(why + n, whylen - n, "%s %s", i ? ";" : ":",
			    r->notes[i]);
	}
	free(local);
	aliases_result_free(r);
	return -1;
}

char *
rewrite_rcpt(const struct config *cf, const char *addr, char *why, size_t whylen)
{
	struct alias_result r;
	const char *target;
	char *out;

	/* Checked on the address that goes on the wire: a local name with
	 * an alias may be anything, its target may not. */
	if (!rewrite_is_local(cf, addr)) {
		target = addr;
		goto wire;
	}
	if (local_targets(cf, addr, &r, 1, why, whylen) == -1)
		return NULL;
	if (r.n > 1) {
		/* rewrite_expand_state replaces these before the runner gets
		 * here; only a caller that skipped it sees this. */
		snprintf(why, whylen, "%s expands to %zu addresses", addr, r.n);
		aliases_result_free(&r);
		return NULL;
	}
	if (rewrite_local_8bit(r.addr[0])) {
		snprintf(why, whylen, "the local part of %s is not ASCII, and SES "
		    "offers no SMTPUTF8", r.addr[0]);
		aliases_result_free(&r);
		return NULL;
	}
	out = xstrdup(r.addr[0]);
	aliases_result_free(&r);
	return out;
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
	struct addrlist l = { 0 };
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
		struct alias_result r = { NULL, 0, NULL, 0, 0 };
		const char *one = l.addr[i];
		size_t k, n = 1;

		if (rewrite_is_local(cf, one)) {
			if (local_targets(cf, one, &r, 0, why, sizeof(why)) == -1)
				continue;	/* that recipient fails in the envelope */
			n = r.n;
		}
		for (k = 0; k < n; k++) {
			const char *a = r.n ? r.addr[k] : one;

			put(&out, &len, &cap, kept ? ",\n " : " ", kept ? 3 : 1);
			put(&out, &len, &cap, a, strlen(a));
			kept++;
		}
		aliases_result_free(&r);
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

/* Add a pending recipient unless the state has that address already. */
static void
state_add_rcpt(struct msg_state *st, const char *addr, long next_attempt)
{
	struct rcpt_state *rs;
	size_t i;

	for (i = 0; i < st->nrcpts; i++)
		if (strcasecmp(st->rcpts[i].addr, addr) == 0)
			return;
	st->rcpts = xrealloc(st->rcpts, (st->nrcpts + 1) * sizeof(*st->rcpts));
	rs = &st->rcpts[st->nrcpts++];
	memset(rs, 0, sizeof(*rs));
	rs->addr = xstrdup(addr);
	rs->status = RCPT_PENDING;
	rs->next_attempt = next_attempt;
	rs->ses_id = xstrdup("");
	rs->reply = xstrdup("");
}

int
rewrite_expand_state(const struct config *cf, const char *id,
    struct msg_state *st, long now)
{
	size_t i, k, n = st->nrcpts;
	int changed = 0;
	char why[1024];

	file_aliases(cf, 1);	/* an edited /etc/aliases applies from here on */
	for (i = 0; i < n; i++) {
		struct alias_result r;
		char *list, *text;

		if (st->rcpts[i].status != RCPT_PENDING ||
		    !rewrite_is_local(cf, st->rcpts[i].addr) ||
		    local_targets(cf, st->rcpts[i].addr, &r, 0, why, sizeof(why)) == -1)
			continue;
		if (r.n < 2) {
			aliases_result_free(&r);
			continue;
		}
		for (k = 0; k < r.nnotes; k++)
			log_warnx("%s: %s", id, r.notes[k]);
		list = xstrdup(r.addr[0]);
		for (k = 1; k < r.n; k++) {
			char *p = xasprintf("%s, %s", list, r.addr[k]);

			free(list);
			list = p;
		}
		for (k = 0; k < r.n; k++)
			state_add_rcpt(st, r.addr[k], st->rcpts[i].next_attempt);
		text = xasprintf("expanded by alias to %s", list);
		log_info("%s: to=<%s>, status=expanded (%s)", id, st->rcpts[i].addr, text);
		state_add_log(st, now, st->rcpts[i].addr, "expanded", text);
		/* Done as a recipient: its addresses carry the delivery now. */
		st->rcpts[i].status = RCPT_SENT;
		state_set_str(&st->rcpts[i].reply, text);
		free(text);
		free(list);
		aliases_result_free(&r);
		changed++;
	}
	return changed;
}
