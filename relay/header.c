/* SPDX-License-Identifier: ISC */
/*
 * header.c: header fields and address lists.  The address-list parser is a
 * small hand-written scanner rather than a full RFC 5322 grammar: it knows
 * quoted strings, nested comments, angle addresses (with obsolete routes)
 * and groups, which is what real mailers (PHP, cron, mutt, git) produce.
 * Anything it cannot make sense of yields no address rather than a wrong
 * one, and the caller reports "no recipients".
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "header.h"
#include "util.h"

size_t
header_name_len(const char *line, size_t len)
{
	size_t i;

	/* "Name:" must fit the 998 octets of a line on the wire: a longer
	 * name could only be folded inside the name, which breaks the field
	 * and ends the header section at the receiver (found by fuzz_wire). */
	if (len > HEADER_NAME_MAX + 1)
		len = HEADER_NAME_MAX + 1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == ':')
			return i;
		if (c <= 32 || c >= 127)
			return 0;
	}
	return 0;
}

int
header_is(const char *field, const char *name)
{
	size_t n = strlen(name);

	return strncasecmp(field, name, n) == 0 && field[n] == ':';
}

char *
header_value(const char *field)
{
	const char *p = strchr(field, ':');
	char *out, *q;

	p = p ? p + 1 : field;
	out = q = xmalloc(strlen(p) + 1);
	for (; *p; p++)
		if (*p != '\r' && *p != '\n')
			*q++ = *p;
	*q = '\0';
	return out;
}

/* Compare two addresses: local part exactly, domain without case. */
static int
addr_equal(const char *a, const char *b)
{
	const char *da = strrchr(a, '@'), *db = strrchr(b, '@');
	size_t la = da ? (size_t)(da - a) : strlen(a);
	size_t lb = db ? (size_t)(db - b) : strlen(b);

	if (la != lb || strncmp(a, b, la) != 0)
		return 0;
	if ((da == NULL) != (db == NULL))
		return 0;
	return da == NULL || strcasecmp(da, db) == 0;
}

/* Hash of an address as addr_equal compares it: the local part exactly,
 * the domain (after the last '@') without case. */
static size_t
addr_hash(const char *a)
{
	const char *at = strrchr(a, '@');
	size_t h;

	if (at == NULL)
		return str_hash(a);
	h = hash_bytes(HASH_INIT, a, (size_t)(at - a));
	for (; *at; at++) {
		unsigned char c = (unsigned char)tolower((unsigned char)*at);
		h = hash_bytes(h, &c, 1);
	}
	return h;
}

/* The slot for `addr`: the one holding an equal address, or the empty
 * one where it belongs. */
static size_t *
addrlist_slot(const struct addrlist *l, const char *addr)
{
	size_t h;

	for (h = addr_hash(addr) & l->mask; l->slot[h] != 0; h = (h + 1) & l->mask)
		if (addr_equal(l->addr[l->slot[h] - 1], addr))
			break;
	return &l->slot[h];
}

/* Keep the table at most half full: size it for 2n + 2 entries, rounded up
 * to a power of two (the address array holds half as many), and put every
 * address back. */
static void
addrlist_grow(struct addrlist *l)
{
	size_t size = 16, i;

	while (size < 2 * (l->n + 1))
		size *= 2;
	free(l->slot);
	l->slot = xcalloc(size, sizeof(*l->slot));
	l->mask = size - 1;
	l->addr = xrealloc(l->addr, size / 2 * sizeof(char *));
	for (i = 0; i < l->n; i++)
		*addrlist_slot(l, l->addr[i]) = i + 1;
}

int
addrlist_add(struct addrlist *l, const char *addr)
{
	size_t *slot;

	if (*addr == '\0')
		return 0;
	if (l->slot == NULL || 2 * (l->n + 1) > l->mask + 1)
		addrlist_grow(l);
	slot = addrlist_slot(l, addr);
	if (*slot != 0)
		return 0;
	l->addr[l->n++] = xstrdup(addr);
	*slot = l->n;
	return 1;
}

void
addrlist_free(struct addrlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->addr[i]);
	free(l->addr);
	free(l->slot);
	l->addr = NULL;
	l->slot = NULL;
	l->n = 0;
	l->mask = 0;
}

/* Lexical state of header text: inside a quoted string, inside (nested)
 * comments, or plain.  Shared by the two scanners below. */
struct lex {
	int	quoted;
	int	depth;
};

enum lexclass { LX_PLAIN, LX_QUOTED, LX_COMMENT };

/* Class of the character at *pp; a backslash escape inside quotes or a
 * comment is taken whole (*pp is left on its second character). */
static enum lexclass
lex_step(struct lex *l, const char **pp, const char *end)
{
	const char *p = *pp;

	if (l->quoted || l->depth > 0) {
		enum lexclass c = l->quoted ? LX_QUOTED : LX_COMMENT;

		if (*p == '\\' && p + 1 < end)
			*pp = p + 1;
		else if (l->quoted && *p == '"')
			l->quoted = 0;
		else if (!l->quoted && *p == '(')
			l->depth++;
		else if (!l->quoted && *p == ')')
			l->depth--;
		return c;
	}
	if (*p == '"') {
		l->quoted = 1;
		return LX_QUOTED;
	}
	if (*p == '(') {
		l->depth = 1;
		return LX_COMMENT;
	}
	return LX_PLAIN;
}

/* Turn one mailbox (display name, comments, <addr> or bare addr-spec) into
 * its addr-spec, or "" when there is none. */
static char *
mailbox_addr(const char *s, size_t len)
{
	char *out = xmalloc(len + 1), *q = out;
	const char *lt = NULL, *gt = NULL, *p, *from, *end = s + len;
	struct lex l = { 0, 0 };

	/* Find an angle address outside quotes and comments. */
	for (p = s; p < end; p++)
		if (lex_step(&l, &p, end) == LX_PLAIN) {
			if (*p == '<' && lt == NULL)
				lt = p;
			else if (*p == '>' && lt != NULL && gt == NULL)
				gt = p;
		}
	if (lt != NULL && gt != NULL) {
		s = lt + 1;
		end = gt;
		/* Obsolete source route "@a,@b:user@c": its ':' is outside
		 * comments and quotes (found by fuzz_header: a ':' in a
		 * comment was taken for it). */
		if (*s == '@') {
			l.quoted = l.depth = 0;
			for (p = s; p < end; p++)
				if (lex_step(&l, &p, end) == LX_PLAIN && *p == ':') {
					s = p + 1;
					break;
				}
		}
	}
	/* Copy the addr-spec without comments and unquoted white space. */
	l.quoted = l.depth = 0;
	for (p = s; p < end; p++) {
		from = p;
		switch (lex_step(&l, &p, end)) {
		case LX_QUOTED:
			while (from <= p)
				*q++ = *from++;
			break;
		case LX_PLAIN:
			if (!isspace((unsigned char)*p))
				*q++ = *p;
			break;
		case LX_COMMENT:
			break;
		}
	}
	*q = '\0';
	return out;
}

size_t
addrlist_parse(const char *v, struct addrlist *out)
{
	const char *start = v, *p, *end = v + strlen(v);
	struct lex l = { 0, 0 };
	size_t added = 0;
	int angle = 0;
	char *a;

	for (p = v;; p++) {
		if (*p == '\0' || (!l.quoted && l.depth == 0 && !angle &&
		    (*p == ',' || *p == ';' || *p == ':'))) {
			if (*p == ':') {
				/* Group name: discard it, the members follow. */
				start = p + 1;
				continue;
			}
			a = mailbox_addr(start, (size_t)(p - start));
			added += (size_t)addrlist_add(out, a);
			free(a);
			if (*p == '\0')
				break;
			start = p + 1;
			continue;
		}
		if (lex_step(&l, &p, end) == LX_PLAIN) {
			if (*p == '<')
				angle = 1;
			else if (*p == '>')
				angle = 0;
		}
	}
	return added;
}

size_t
header_recipients(char *const *fields, size_t n, struct addrlist *out)
{
	static const char *plain[] = { "To", "Cc", "Bcc" };
	static const char *resent[] = { "Resent-To", "Resent-Cc", "Resent-Bcc" };
	const char **names = plain;
	size_t i, k, added = 0;

	for (i = 0; i < n; i++)
		for (k = 0; k < 3; k++)
			if (header_is(fields[i], resent[k]))
				names = resent;
	for (i = 0; i < n; i++)
		for (k = 0; k < 3; k++)
			if (header_is(fields[i], names[k])) {
				char *v = header_value(fields[i]);

				added += addrlist_parse(v, out);
				free(v);
			}
	return added;
}

const char *
address_problem(const char *addr)
{
	const unsigned char *p;
	const char *at = strrchr(addr, '@');
	int quoted = 0;

	if (*addr == '\0')
		return "empty address";
	if (strlen(addr) > 320)
		return "longer than 320 characters";
	for (p = (const unsigned char *)addr; *p; p++) {
		if (*p < 32 || *p == 127)
			return "contains a control character";
		if (*p == '"')
			quoted = !quoted;
		else if ((*p == ' ' || *p == '<' || *p == '>' || *p == ',') && !quoted)
			return "contains a space, comma or angle bracket";
		else if (*p >= 128 && (at == NULL || (const char *)p < at))
			return "has a non-ASCII local part (SES offers no SMTPUTF8)";
	}
	if (at != NULL && (at == addr || at[1] == '\0'))
		return "has an empty local part or domain";
	return NULL;
}

int
has_8bit(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 128)
			return 1;
	return 0;
}

/* Length of the UTF-8 sequence starting at s, 0 when invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t left)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

int
utf8_valid(const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		if ((n = utf8_seq((const unsigned char *)s + i, len - i)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

static void
base64(const unsigned char *in, size_t len, char *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		*out++ = tab[in[i] >> 2];
		*out++ = tab[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*out++ = tab[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		*out++ = tab[in[i + 2] & 63];
	}
	if (i < len) {
		*out++ = tab[in[i] >> 2];
		if (i + 1 < len) {
			*out++ = tab[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
			*out++ = tab[(in[i + 1] & 15) << 2];
		} else {
			*out++ = tab[(in[i] & 3) << 4];
			*out++ = '=';
		}
		*out++ = '=';
	}
	*out = '\0';
}

char *
rfc2047_encode(const char *value)
{
	/* 45 input octets -> 60 base64 chars; with "=?UTF-8?B?" and "?=" a
	 * word stays under the 75-character limit of RFC 2047. */
	const unsigned char *p = (const unsigned char *)value;
	size_t len = strlen(value), i = 0, cap = len * 2 + 64, used = 0;
	char *out = xmalloc(cap), word[128];

	while (p[i] == ' ' || p[i] == '\t')
		i++;
	while (i < len) {
		size_t chunk = 0, n;

		while (i + chunk < len) {
			n = utf8_seq(p + i + chunk, len - i - chunk);
			if (n == 0)
				n = 1;
			if (chunk + n > 45)
				break;
			chunk += n;
		}
		base64(p + i, chunk, word);
		n = strlen(word) + 16;
		if (used + n + 1 > cap)
			out = xrealloc(out, cap = cap * 2 + n);
		used += (size_t)snprintf(out + used, cap - used, "%s=?UTF-8?B?%s?=",
		    used ? "\n " : " ", word);
		i += chunk;
	}
	out[used] = '\0';
	return out;
}

/* ---- RFC 2047 in address fields ------------------------------------------ */

static const char *const address_fields[] = { "From", "To", "Cc", "Bcc",
    "Reply-To", "Sender", "Resent-From", "Resent-To", "Resent-Cc",
    "Resent-Bcc", "Resent-Sender", "Resent-Reply-To", "Mail-Followup-To",
    "Mail-Reply-To", "Disposition-Notification-To", "Return-Receipt-To",
    "Errors-To" };

int
header_is_address(const char *field)
{
	size_t i;

	for (i = 0; i < sizeof(address_fields) / sizeof(address_fields[0]); i++)
		if (header_is(field, address_fields[i]))
			return 1;
	return 0;
}

struct sbuf {
	char	*s;
	size_t	 len, cap;
};

static void
sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap)
		b->s = xrealloc(b->s, b->cap = (b->len + n + 1) * 2);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Encoded-words for `text` (no leading blank), words separated by LF +
 * space, appended to b. */
static void
sb_encode(struct sbuf *b, const char *text)
{
	char *enc = rfc2047_encode(text);

	sb_put(b, enc + 1, strlen(enc + 1));	/* drop its leading space */
	free(enc);
}

/* Append a space unless b already ends in white space or is empty: an
 * encoded-word must stand apart from the text before it. */
static void
sb_sep(struct sbuf *b)
{
	if (b->len > 0 && !is_wsp(b->s[b->len - 1]))
		sb_put(b, " ", 1);
}

/* End of the comment starting at p ('('), or end when unterminated. */
static const char *
comment_end(const char *p, const char *end)
{
	int depth = 0;

	for (; p < end; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		else if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p + 1;
	}
	return end;
}

/* End of the quoted string starting at p ('"'). */
static const char *
quoted_end(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return end;
}

/* The text of a quoted string or comment without its delimiters and
 * quoting backslashes, line breaks dropped (unfolding). */
static char *
unquote(const char *p, const char *end)
{
	char *out = xmalloc((size_t)(end - p) + 1), *q = out;

	for (; p < end; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		if (*p != '\n' && *p != '\r')
			*q++ = *p;
	}
	*q = '\0';
	return out;
}

/* A comment: encoded as a whole when it holds 8-bit text (RFC 2047 5(1):
 * encoded-words may stand for ctext). */
static const char *
put_comment(struct sbuf *b, const char *p, const char *end)
{
	const char *e = comment_end(p, end);
	char *text;

	if (!has_8bit(p, (size_t)(e - p)) || e[-1] != ')' || e - p < 2) {
		sb_put(b, p, (size_t)(e - p));
		return e;
	}
	text = unquote(p + 1, e - 1);
	sb_put(b, "(", 1);
	sb_encode(b, text);
	sb_put(b, ")", 1);
	free(text);
	return e;
}

/* RFC 5322 specials except '.', which obsolete phrases allow in words
 * ("J. Smith"). */
static int
is_special(char c)
{
	return c != '\0' && strchr("()<>[]:;@\\,\"", c) != NULL;
}

/* 1 when w can stand as a plain atom in a phrase: printable ASCII without
 * specials (a '.' is allowed, as obsolete phrases do: "J. Smith"), and not
 * looking like an encoded-word. */
static int
plain_atom(const char *w)
{
	const char *p;

	if (*w == '\0' || strncmp(w, "=?", 2) == 0)
		return 0;
	for (p = w; *p; p++)
		if ((unsigned char)*p <= 32 || (unsigned char)*p >= 127 || is_special(*p))
			return 0;
	return 1;
}

/* Emit the words of one run: plain atoms as they are, each stretch of other
 * words (8-bit text, specials from a quoted string) as encoded-words of the
 * stretch's text with its spaces inside, so that decoders keep them
 * (RFC 2047 6.2 drops white space between adjacent encoded-words). */
static void
put_words(struct sbuf *b, char **w, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		sb_sep(b);
		if (plain_atom(w[i])) {
			sb_put(b, w[i], strlen(w[i]));
			i++;
			continue;
		}
		{
			struct sbuf text = { NULL, 0, 0 };

			for (k = i; k < n && !plain_atom(w[k]); k++) {
				if (k > i)
					sb_put(&text, " ", 1);
				sb_put(&text, w[k], strlen(w[k]));
			}
			sb_encode(b, text.s);
			free(text.s);
			i = k;
		}
	}
}

/* A phrase (display name, group name) from p to end: each run of words
 * (atoms and quoted strings separated by white space only) that holds
 * 8-bit text is written again by put_words, as RFC 2047 5(3) allows a word
 * of a phrase to be an encoded-word; an encoded-word may not sit inside a
 * quoted string, so the quotes of such a run go.  Runs without 8-bit text
 * and everything else are copied as they are. */
static void
put_phrase(struct sbuf *b, const char *p, const char *end)
{
	while (p < end) {
		const char *run = p, *q = p, *last = p;
		char **words = NULL;
		size_t nw = 0, i;
		int eight = 0;

		if (is_wsp(*p)) {
			sb_put(b, p, 1);
			p++;
			continue;
		}
		if (*p == '(') {
			p = put_comment(b, p, end);
			continue;
		}
		/* Collect one run of words (a quoted string gives its words). */
		while (q < end && *q != '(') {
			const char *w = q, *we;
			char *text, *tok, *save;

			if (is_wsp(*q)) {
				while (q < end && is_wsp(*q))
					q++;
				continue;
			}
			if (*q == '"') {
				we = quoted_end(q, end);
				text = unquote(w + 1, we[-1] == '"' && we - w >= 2 ? we - 1 : we);
			} else {
				for (we = q; we < end && !is_wsp(*we) && !is_special(*we); we++)
					;
				if (we == q)
					break;	/* a special: not a word */
				text = xstrndup(w, (size_t)(we - w));
			}
			for (tok = strtok_r(text, " \t", &save); tok;
			    tok = strtok_r(NULL, " \t", &save)) {
				words = xrealloc(words, (nw + 1) * sizeof(*words));
				words[nw++] = xstrdup(tok);
			}
			free(text);
			eight |= has_8bit(w, (size_t)(we - w));
			q = last = we;
		}
		if (last == run) {	/* a lone special */
			sb_put(b, p, 1);
			p++;
		} else {
			if (eight) {
				put_words(b, words, nw);
				/* An encoded-word stands apart from what follows. */
				if (*last != '\0' && !is_wsp(*last))
					sb_put(b, " ", 1);
			} else
				sb_put(b, run, (size_t)(last - run));
			p = last;
		}
		for (i = 0; i < nw; i++)
			free(words[i]);
		free(words);
	}
}

/* Copy an address part (angle address or addr-spec) as it is, except for
 * comments holding 8-bit text. */
static void
put_address(struct sbuf *b, const char *p, const char *end)
{
	while (p < end) {
		const char *q = p;

		if (*p == '(') {
			p = put_comment(b, p, end);
			continue;
		}
		if (*p == '"')
			q = quoted_end(p, end);
		else
			q = p + 1;
		sb_put(b, p, (size_t)(q - p));
		p = q;
	}
}

char *
header_encode_address_field(const char *field)
{
	const char *colon = strchr(field, ':'), *v, *p, *end, *seg;
	struct sbuf b = { NULL, 0, 0 };
	int angle = 0;

	if (colon == NULL)
		return xstrdup(field);
	sb_put(&b, field, (size_t)(colon - field) + 1);
	v = colon + 1;
	end = v + strlen(v);
	/* Mailboxes end at a ',' or ';' outside quotes, comments and angle
	 * brackets; a ':' there ends a group's name (a phrase). */
	for (seg = p = v; ; ) {
		if (p == end || (!angle && (*p == ',' || *p == ';' || *p == ':'))) {
			const char *lt = NULL, *s;

			if (p < end && *p == ':')
				put_phrase(&b, seg, p);
			else {
				for (s = seg; s < p; s++) {
					if (*s == '"')
						s = quoted_end(s, p) - 1;
					else if (*s == '(')
						s = comment_end(s, p) - 1;
					else if (*s == '<') {
						lt = s;
						break;
					}
				}
				/* Only a closed angle address has a display name
				 * before it (as mailbox_addr reads it). */
				for (s = lt; lt != NULL && s < p && *s != '>'; s++) {
					if (*s == '"')
						s = quoted_end(s, p) - 1;
					else if (*s == '(')
						s = comment_end(s, p) - 1;
				}
				if (lt != NULL && s >= p)
					lt = NULL;
				if (lt != NULL) {
					put_phrase(&b, seg, lt);
					put_address(&b, lt, p);
				} else
					put_address(&b, seg, p);
			}
			if (p == end)
				break;
			sb_put(&b, p, 1);
			seg = ++p;
			continue;
		}
		if (*p == '"')
			p = quoted_end(p, end);
		else if (*p == '(')
			p = comment_end(p, end);
		else {
			if (*p == '<')
				angle = 1;
			else if (*p == '>')
				angle = 0;
			p++;
		}
	}
	return b.s;
}
