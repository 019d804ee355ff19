/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target: address lists and -t recipient collection (relay/header.c).
 * Input: a header section (fields separated by LF, continuation lines
 * starting with a blank), as the intake holds it.
 * Asserts: every collected recipient is non-empty and appears once (local
 * part exact, domain without case); a list parsed twice adds nothing the
 * second time; address_problem never crashes and accepts nothing holding a
 * control character; a parsed address never contains an unquoted blank.
 */
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "header.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void
check_list(const struct addrlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *a = l->addr[i];
		int quoted = 0;

		FUZZ_ASSERT(*a != '\0', "empty address at %zu", i);
		for (const char *p = a; *p; p++) {
			if (*p == '\\' && quoted && p[1]) {
				p++;
				continue;
			}
			if (*p == '"')
				quoted = !quoted;
			FUZZ_ASSERT(quoted || (*p != ' ' && *p != '\t' && *p != '\n'),
			    "unquoted blank in '%s'", a);
		}
		if (address_problem(a) == NULL)
			for (const char *p = a; *p; p++)
				FUZZ_ASSERT((unsigned char)*p >= 32 && *p != 127,
				    "control character accepted in '%s'", a);
		for (size_t k = 0; k < i; k++) {
			const char *b = l->addr[k], *da = strrchr(a, '@'), *db = strrchr(b, '@');
			size_t la = da ? (size_t)(da - a) : strlen(a);
			size_t lb = db ? (size_t)(db - b) : strlen(b);

			FUZZ_ASSERT(!(la == lb && strncmp(a, b, la) == 0 &&
			    (da == NULL) == (db == NULL) && (da == NULL ||
			    strcasecmp(da, db) == 0)), "duplicate '%s' / '%s'", a, b);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), **fields = NULL, *p, *start;
	struct addrlist l = { 0 }, t = { 0 };
	size_t n = 0, before;

	/* As an address-list value on its own. */
	addrlist_parse(s, &l);
	check_list(&l);
	before = l.n;
	FUZZ_ASSERT(addrlist_parse(s, &l) == 0 && l.n == before, "second parse added");
	addrlist_free(&l);

	/* As a header section: -t collection. */
	for (start = p = s;; p++) {
		if (*p == '\0' || (*p == '\n' && p[1] != ' ' && p[1] != '\t')) {
			int last = *p == '\0';

			*p = '\0';
			if (header_name_len(start, strlen(start)) > 0) {
				fields = realloc(fields, (n + 1) * sizeof(*fields));
				if (fields == NULL)
					abort();
				fields[n++] = start;
			}
			if (last)
				break;
			start = p + 1;
		}
	}
	header_recipients(fields, n, &t);
	check_list(&t);
	addrlist_free(&t);
	free(fields);
	free(s);
	return 0;
}
