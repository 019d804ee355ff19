/* SPDX-License-Identifier: ISC */
/*
 * newaliases.c: there is no alias database to rebuild (the daemon reads
 * aliases_file when it changes), so `newaliases` does what an admin runs
 * it for after editing /etc/aliases: check the file and show where each
 * local name's mail goes.  check-config and doctor use the same check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aliases.h"
#include "config.h"
#include "newaliases.h"
#include "rewrite.h"
#include "util.h"

static void
add_problem(struct alias_check *c, char *s)
{
	size_t i;

	/* A refused target is met once per name leading to it: say it once. */
	for (i = 0; i < c->nproblems; i++)
		if (strcmp(c->problems[i], s) == 0) {
			free(s);
			return;
		}
	c->problems = xrealloc(c->problems, (c->nproblems + 1) * sizeof(char *));
	c->problems[c->nproblems++] = s;
}

static void
show(const struct config *cf, const struct alias_table *t, const char *name,
    const char *from, FILE *out, struct alias_check *c)
{
	struct alias_result r;
	size_t i;

	rewrite_aliases(cf, t, name, &r);
	c->names++;
	for (i = 0; i < r.nnotes; i++)
		add_problem(c, xstrdup(r.notes[i]));
	if (r.n == 0)
		add_problem(c, xasprintf("alias %s maps to no address: its mail fails",
		    name));
	if (out != NULL) {
		fprintf(out, "%s:", name);
		for (i = 0; i < r.n; i++)
			fprintf(out, "%s %s", i ? "," : "", r.addr[i]);
		fprintf(out, "%s%s\n", r.n ? "" : " (nowhere)", from);
	}
	aliases_result_free(&r);
}

void
newaliases_check(const struct config *cf, FILE *out, struct alias_check *c)
{
	struct alias_table t;
	char err[512];
	size_t i, k;

	memset(c, 0, sizeof(*c));
	if (*cf->aliases_file == '\0')
		aliases_parse_text(&t, "", "", 0);
	else if (aliases_load(&t, cf->aliases_file, err, sizeof(err)) == -1) {
		add_problem(c, xstrdup(err));
		c->unreadable = 1;
		aliases_parse_text(&t, cf->aliases_file, "", 0);
	}
	for (i = 0; i < t.nproblems; i++)
		add_problem(c, xasprintf("%s (that line is ignored)", t.problems[i]));
	for (i = 0; i < cf->naliases; i++)
		show(cf, &t, cf->aliases[i].local, "   (sesrelay.conf)", out, c);
	for (i = 0; i < t.n; i++) {
		for (k = 0; k < cf->naliases; k++)
			if (strcasecmp(cf->aliases[k].local, t.e[i].name) == 0)
				break;
		if (k == cf->naliases)
			show(cf, &t, t.e[i].name, "", out, c);
		else if (out != NULL)
			fprintf(out, "# %s:%d: %s is overridden by sesrelay.conf\n",
			    t.path, t.e[i].line, t.e[i].name);
	}
	aliases_free(&t);
}

void
newaliases_free(struct alias_check *c)
{
	size_t i;

	for (i = 0; i < c->nproblems; i++)
		free(c->problems[i]);
	free(c->problems);
	memset(c, 0, sizeof(*c));
}

int
newaliases_main(const struct config *cf)
{
	struct alias_check c;
	size_t i;
	int rc;

	newaliases_check(cf, stdout, &c);
	for (i = 0; i < c.nproblems; i++)
		fprintf(stderr, "newaliases: warning: %s\n", c.problems[i]);
	printf("newaliases: %zu local name%s checked, %zu problem%s; nothing to "
	    "rebuild: sesrelay reads %s and the config when it delivers\n", c.names,
	    c.names == 1 ? "" : "s", c.nproblems, c.nproblems == 1 ? "" : "s",
	    *cf->aliases_file ? cf->aliases_file : "(no aliases_file)");
	rc = c.unreadable ? EXIT_CONFIG : 0;
	newaliases_free(&c);
	return rc;
}
