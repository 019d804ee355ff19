/* SPDX-License-Identifier: ISC */
/*
 * aliases.c: the host's aliases(5) file (/etc/aliases on Debian) and the
 * expansion of a local name through it and the config's `aliases`.
 *
 * File syntax, as Postfix and Sendmail read it:
 *	# comment
 *	name: target, target	(name is case-insensitive)
 *	  target		(a line starting with blank continues the entry)
 * A target is a local name, a full address, "\name" (no further aliasing),
 * or one a relay cannot serve: "|command", "/file", ":include:/file".
 * Those are refused, never run or opened.  Pure: no logging; problems come
 * back as sentences the caller logs or prints.
 */
#ifndef SESRELAY_ALIASES_H
#define SESRELAY_ALIASES_H

#include <stddef.h>

#define ALIASES_MAX_DEPTH 10	/* longest chain name -> name -> ... */

struct alias;			/* config.h: the config's own aliases */

struct alias_entry {
	char	 *name;		/* lower case */
	char	**targets;	/* as written, quotes removed */
	size_t	  ntargets;
	int	  line;
};

struct alias_table {
	char	 *path;
	struct alias_entry *e;
	size_t	  n;
	char	**problems;	/* "path:line: what is wrong", one each */
	size_t	  nproblems;
	int	  missing;	/* the file does not exist (not a problem) */
};

enum alias_target_kind {
	ALIAS_NAME,		/* local name, or "\name" */
	ALIAS_ADDRESS,		/* has '@': sent as written */
	ALIAS_COMMAND,		/* "|command": refused */
	ALIAS_FILE,		/* "/path": refused */
	ALIAS_INCLUDE,		/* ":include:/path": refused */
};

/* Parse text (len octets) as if read from `path`.  Syntax problems go to
 * t->problems; the entries around them still load.  Never fails. */
void	aliases_parse_text(struct alias_table *t, const char *path,
	    const char *text, size_t len);
/* Read and parse `path`.  A missing file gives an empty table with
 * t->missing set.  0, or -1 with a reason in err when it cannot be read. */
int	aliases_load(struct alias_table *t, const char *path, char *err,
	    size_t errlen);
void	aliases_free(struct alias_table *t);
const struct alias_entry *aliases_lookup(const struct alias_table *t,
	    const char *name);
enum alias_target_kind aliases_target_kind(const char *target);

/*
 * The daemon's copy of `path`: loaded at first use and loaded again when
 * the file changed (inode, size or mtime) and `recheck` is set; no
 * database to rebuild.  *fresh is set to 1 when it was (re)read by this
 * call, so the caller reports its problems once.  NULL or "" path: an
 * empty table.  Never NULL.  Not thread-safe: the daemon's main thread.
 */
const struct alias_table *aliases_cached(const char *path, int recheck,
	    int *fresh);

/* Where a local name is looked up.  The config's aliases come first and
 * their targets are final (full addresses); the file's targets that are
 * local names are expanded again. */
struct alias_sources {
	const struct alias	 *conf;
	size_t			  nconf;
	const struct alias_table *file;
	const char		 *fallback;	/* default_recipient; "" = none */
};

struct alias_result {
	char	**addr;		/* distinct addresses to send to */
	size_t	  n;
	char	**notes;	/* refused targets, loops, dead ends: one
				 * sentence each, naming the alias */
	size_t	  nnotes;
	int	  aliased;	/* the name itself had an alias */
};

/* Expand the local name `name` (no domain).  Returns r->n; 0 means it maps
 * nowhere (r->notes say why).  Free r with aliases_result_free. */
size_t	aliases_expand(const struct alias_sources *s, const char *name,
	    struct alias_result *r);
void	aliases_result_free(struct alias_result *r);

#endif
