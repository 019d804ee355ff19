/* SPDX-License-Identifier: ISC */
/*
 * aliases.c: read aliases(5) and expand local names.  See aliases.h for
 * the syntax.  Design choices:
 *  - A relay has no local mailboxes, programs or files to deliver to, so
 *    "|command", "/file" and ":include:" targets are refused with a note
 *    naming the alias; nothing in a target is ever run or opened.
 *  - The config's aliases win over the file: they are this relay's own
 *    setting, as Postfix's virtual_alias_maps are applied before
 *    /etc/aliases.  A name found in the config is not looked up in the
 *    file.
 *  - A target with '@' is final: with /etc/mailname as the domain, a name
 *    at that domain is usually a real mailbox elsewhere, not a local one.
 *  - "name: name, other" (a target naming its own alias) is the classic
 *    "keep a copy" idiom: it ends there, as an unaliased local name would
 *    (default_recipient), instead of counting as a loop.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aliases.h"
#include "config.h"
#include "util.h"

#define ALIASES_MAX_SIZE (16L * 1024 * 1024)	/* a bigger file is not aliases(5) */

static void
add_str(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(char *));
	(*v)[(*n)++] = s;
}

static void
problem(struct alias_table *t, int line, const char *what, const char *name)
{
	add_str(&t->problems, &t->nproblems, xasprintf("%s:%d: %s%s%s%s", t->path,
	    line, what, name ? " '" : "", name ? name : "", name ? "'" : ""));
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Remove one pair of surrounding double quotes. */
static char *
unquote(char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s[n - 1] = '\0';
		return s + 1;
	}
	return s;
}

/* Split the value at commas outside double quotes. */
static void
split_targets(struct alias_entry *e, char *v)
{
	char *p = v, *start = v;
	int inq = 0;

	for (;; p++) {
		if (*p == '"')
			inq = !inq;
		if (*p == '\0' || (*p == ',' && !inq)) {
			int end = *p == '\0';
			char *item;

			*p = '\0';
			item = unquote(trim(start));
			if (*item != '\0')
				add_str(&e->targets, &e->ntargets, xstrdup(item));
			if (end)
				break;
			start = p + 1;
		}
	}
}

/* One logical line (continuations joined). */
static void
parse_entry(struct alias_table *t, char *text, int line)
{
	struct alias_entry e = { NULL, NULL, 0, line };
	const struct alias_entry *dup;
	char *colon, *name;

	if (*text == '"') {	/* "odd name": target */
		char *q = strchr(text + 1, '"');

		colon = q ? strchr(q, ':') : NULL;
	} else
		colon = strchr(text, ':');
	if (colon == NULL) {
		problem(t, line, "no ':' after the alias name", NULL);
		return;
	}
	*colon = '\0';
	name = unquote(trim(text));
	if (*name == '\0') {
		problem(t, line, "empty alias name", NULL);
		return;
	}
	e.name = xstrdup(name);
	str_lower(e.name);
	split_targets(&e, colon + 1);
	if (e.ntargets == 0) {
		problem(t, line, "no target for the alias", e.name);
		free(e.name);
		return;
	}
	if ((dup = aliases_lookup(t, e.name)) != NULL) {
		char what[96];

		/* Keep the first, as a reader going top-down would expect. */
		snprintf(what, sizeof(what), "duplicate alias (line %d is used)", dup->line);
		problem(t, line, what, e.name);
		while (e.ntargets > 0)
			free(e.targets[--e.ntargets]);
		free(e.targets);
		free(e.name);
		return;
	}
	t->e = xrealloc(t->e, (t->n + 1) * sizeof(*t->e));
	t->e[t->n++] = e;
}

void
aliases_parse_text(struct alias_table *t, const char *path, const char *text,
    size_t len)
{
	char *buf = xstrndup(text, len), *line, *next, *entry = NULL;
	int lineno = 0, entry_line = 0;

	memset(t, 0, sizeof(*t));
	t->path = xstrdup(path);
	for (line = buf; line != NULL; line = next) {
		char *p;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		else if (*line == '\0')
			break;
		lineno++;
		for (p = line; *p == ' ' || *p == '\t' || *p == '\r'; p++)
			;
		if (*p == '\0' || *p == '#')
			continue;	/* blank and comment lines, even inside an entry */
		if (p != line) {	/* continuation */
			if (entry == NULL) {
				problem(t, lineno, "continuation line without an alias "
				    "before it", NULL);
				continue;
			}
			p = xasprintf("%s %s", entry, p);
			free(entry);
			entry = p;
			continue;
		}
		if (entry != NULL)
			parse_entry(t, entry, entry_line);
		free(entry);
		entry = xstrdup(line);
		entry_line = lineno;
	}
	if (entry != NULL)
		parse_entry(t, entry, entry_line);
	free(entry);
	free(buf);
}

int
aliases_load(struct alias_table *t, const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "re");
	char *text;
	size_t len;
	struct stat st;

	if (fp == NULL) {
		if (errno == ENOENT) {
			aliases_parse_text(t, path, "", 0);
			t->missing = 1;
			return 0;
		}
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(fp), &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > ALIASES_MAX_SIZE) {
		snprintf(err, errlen, "%s is not a regular file of at most %ld octets",
		    path, ALIASES_MAX_SIZE);
		fclose(fp);
		return -1;
	}
	text = xmalloc((size_t)st.st_size + 1);
	len = fread(text, 1, (size_t)st.st_size, fp);
	if (ferror(fp)) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		free(text);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	aliases_parse_text(t, path, text, len);
	free(text);
	return 0;
}

void
aliases_free(struct alias_table *t)
{
	size_t i, k;

	for (i = 0; i < t->n; i++) {
		for (k = 0; k < t->e[i].ntargets; k++)
			free(t->e[i].targets[k]);
		free(t->e[i].targets);
		free(t->e[i].name);
	}
	free(t->e);
	for (i = 0; i < t->nproblems; i++)
		free(t->problems[i]);
	free(t->problems);
	free(t->path);
	memset(t, 0, sizeof(*t));
}

const struct alias_entry *
aliases_lookup(const struct alias_table *t, const char *name)
{
	size_t i;

	for (i = 0; t != NULL && i < t->n; i++)
		if (strcasecmp(t->e[i].name, name) == 0)
			return &t->e[i];
	return NULL;
}

enum alias_target_kind
aliases_target_kind(const char *target)
{
	if (target[0] == '|')
		return ALIAS_COMMAND;
	if (target[0] == '/')
		return ALIAS_FILE;
	if (strncasecmp(target, ":include:", 9) == 0)
		return ALIAS_INCLUDE;
	if (strchr(target, '@') != NULL)
		return ALIAS_ADDRESS;
	return ALIAS_NAME;
}

const struct alias_table *
aliases_cached(const char *path, int recheck, int *fresh)
{
	static struct alias_table cache;
	static struct stat seen;
	static char *cached_path;
	static int loaded;
	struct stat st;
	char err[512];

	*fresh = 0;
	if (path == NULL || *path == '\0')
		path = "";
	if (loaded && strcmp(cached_path, path) == 0) {
		if (!recheck || *path == '\0')
			return &cache;
		if (stat(path, &st) == 0 ? (st.st_ino == seen.st_ino &&
		    st.st_size == seen.st_size && st.st_mtim.tv_sec == seen.st_mtim.tv_sec &&
		    st.st_mtim.tv_nsec == seen.st_mtim.tv_nsec) : cache.missing)
			return &cache;
	}
	if (loaded) {
		aliases_free(&cache);
		free(cached_path);
	}
	loaded = 1;
	cached_path = xstrdup(path);
	*fresh = 1;
	memset(&seen, 0, sizeof(seen));
	if (*path == '\0' || stat(path, &seen) == -1) {
		aliases_parse_text(&cache, path, "", 0);
		cache.missing = 1;
		return &cache;
	}
	if (aliases_load(&cache, path, err, sizeof(err)) == -1) {
		/* Unreadable: behave as empty, and say so once. */
		aliases_parse_text(&cache, path, "", 0);
		add_str(&cache.problems, &cache.nproblems, xstrdup(err));
	}
	return &cache;
}

/* ---- expansion ------------------------------------------------------------- */

static void
add_addr(struct alias_result *r, const char *a)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcasecmp(r->addr[i], a) == 0)
			return;
	add_str(&r->addr, &r->n, xstrdup(a));
}

/* A local name at the end of the line: default_recipient, or nowhere. */
static void
unaliased(const struct alias_sources *s, const char *name, const char *via,
    struct alias_result *r)
{
	if (s->fallback != NULL && *s->fallback != '\0')
		add_addr(r, s->fallback);
	else if (via != NULL)
		add_str(&r->notes, &r->nnotes, xasprintf("alias %s: the local name %s "
		    "has no alias and there is no default_recipient: nothing is sent "
		    "to it", via, name));
}

static const char *
conf_lookup(const struct alias_sources *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nconf; i++)
		if (strcasecmp(s->conf[i].local, name) == 0)
			return s->conf[i].target;
	return NULL;
}

static void
expand(const struct alias_sources *s, const char *name, const char **chain,
    size_t depth, struct alias_result *r)
{
	const struct alias_entry *e;
	const char *t, *via = depth ? chain[depth - 1] : NULL;
	char *path;
	size_t i, k;

	for (i = 0; i < depth; i++)
		if (strcasecmp(chain[i], name) == 0) {
			path = xstrdup(chain[0]);
			for (k = 1; k < depth; k++) {
				char *p = xasprintf("%s -> %s", path, chain[k]);

				free(path);
				path = p;
			}
			add_str(&r->notes, &r->nnotes, xasprintf("alias %s: loop %s -> %s "
			    "in %s: that branch is dropped", chain[0], path, name,
			    s->file ? s->file->path : "the aliases"));
			free(path);
			return;
		}
	if (depth >= ALIASES_MAX_DEPTH) {
		add_str(&r->notes, &r->nnotes, xasprintf("alias %s: more than %d "
		    "aliases deep at %s: that branch is dropped", chain[0],
		    ALIASES_MAX_DEPTH, name));
		return;
	}
	chain[depth] = name;
	if ((t = conf_lookup(s, name)) != NULL) {
		r->aliased |= depth == 0;
		add_addr(r, t);
		return;
	}
	if ((e = aliases_lookup(s->file, name)) == NULL) {
		unaliased(s, name, via, r);
		return;
	}
	r->aliased |= depth == 0;
	for (i = 0; i < e->ntargets; i++) {
		const char *tg = e->targets[i];

		switch (aliases_target_kind(tg)) {
		case ALIAS_ADDRESS:
			add_addr(r, tg);
			break;
		case ALIAS_NAME:
			if (tg[0] == '\\' || strcasecmp(tg, name) == 0)
				unaliased(s, tg + (tg[0] == '\\'), name, r);
			else
				expand(s, tg, chain, depth + 1, r);
			break;
		default:
			add_str(&r->notes, &r->nnotes, xasprintf("alias %s: target \"%s\" "
			    "(%s:%d) refused: a relay delivers to addresses only and never "
			    "runs commands, writes files or reads :include: lists", name, tg,
			    s->file->path, e->line));
		}
	}
}

size_t
aliases_expand(const struct alias_sources *s, const char *name,
    struct alias_result *r)
{
	const char *chain[ALIASES_MAX_DEPTH];

	memset(r, 0, sizeof(*r));
	expand(s, name, chain, 0, r);
	return r->n;
}

void
aliases_result_free(struct alias_result *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->addr[i]);
	free(r->addr);
	for (i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	memset(r, 0, sizeof(*r));
}
