/* SPDX-License-Identifier: ISC */
/* awsjson.c: dotted-path access to JSON over jansson (see awsjson.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "awsjson.h"
#include "log.h"
#include "util.h"

#define J(p) ((json_t *)(p))

struct awsjson *
awsjson_parse(const char *text, size_t len)
{
	json_t *j = json_loadb(text, len, 0, NULL);

	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return (struct awsjson *)j;
}

struct awsjson *
awsjson_load(const char *path)
{
	json_t *j = json_load_file(path, 0, NULL);

	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return (struct awsjson *)j;
}

struct awsjson *
awsjson_new(void)
{
	json_t *j = json_object();

	if (j == NULL)
		fatalx(EXIT_TEMPFAIL, "out of memory");
	return (struct awsjson *)j;
}

void
awsjson_free(struct awsjson *j)
{
	if (j != NULL)
		json_decref(J(j));
}

/* Walk "a.b.0.c": object keys, or array indexes where the node is an array. */
static json_t *
walk(const struct awsjson *root, const char *path)
{
	json_t *n = J(root);
	char *copy = xstrdup(path), *tok, *save = NULL;

	for (tok = strtok_r(copy, ".", &save); n && tok; tok = strtok_r(NULL, ".", &save)) {
		if (json_is_array(n) && isdigit((unsigned char)*tok))
			n = json_array_get(n, strtoul(tok, NULL, 10));
		else if (json_is_object(n))
			n = json_object_get(n, tok);
		else
			n = NULL;
	}
	free(copy);
	return n;
}

int
awsjson_bool(const struct awsjson *j, const char *path, int *out)
{
	json_t *n = j ? walk(j, path) : NULL;

	if (!json_is_boolean(n))
		return -1;
	*out = json_is_true(n);
	return 0;
}

int
awsjson_number(const struct awsjson *j, const char *path, double *out)
{
	json_t *n = j ? walk(j, path) : NULL;

	if (!json_is_number(n))
		return -1;
	*out = json_number_value(n);
	return 0;
}

const char *
awsjson_string(const struct awsjson *j, const char *path)
{
	return j ? json_string_value(walk(j, path)) : NULL;
}

size_t
awsjson_array_len(const struct awsjson *j, const char *path)
{
	json_t *n = j ? walk(j, path) : NULL;

	return json_is_array(n) ? json_array_size(n) : 0;
}

void
awsjson_set_string(struct awsjson *j, const char *key, const char *v)
{
	json_object_set_new(J(j), key, json_string(v ? v : ""));
}

void
awsjson_set_number(struct awsjson *j, const char *key, double v)
{
	json_object_set_new(J(j), key, json_real(v));
}

void
awsjson_set_bool(struct awsjson *j, const char *key, int v)
{
	json_object_set_new(J(j), key, json_boolean(v));
}

/* The object or array that holds the last part of `path` (created as
 * objects), and that last part in *last (pointing into *copy). */
static json_t *
parent_of(struct awsjson *root, const char *path, char **copy, const char **last)
{
	json_t *n = J(root), *next;
	char *p, *dot;

	*copy = xstrdup(path);
	for (p = *copy; (dot = strchr(p, '.')) != NULL; p = dot + 1) {
		*dot = '\0';
		if (!json_is_object(n))
			return NULL;
		if ((next = json_object_get(n, p)) == NULL) {
			next = json_object();
			json_object_set_new(n, p, next);
		}
		n = next;
	}
	*last = p;
	return json_is_object(n) ? n : NULL;
}

int
awsjson_set_path(struct awsjson *j, const char *path, const char *v)
{
	char *copy;
	const char *last;
	json_t *p = parent_of(j, path, &copy, &last), *str = json_string(v);
	int rc = p != NULL && str != NULL ? json_object_set_new(p, last, str) : -1;

	if (rc == -1 && p == NULL)
		json_decref(str);
	free(copy);
	return rc;
}

int
awsjson_append(struct awsjson *j, const char *path, const char *v)
{
	char *copy;
	const char *last;
	json_t *p = parent_of(j, path, &copy, &last), *a = NULL, *str;
	int rc = -1;

	if (p != NULL && (a = json_object_get(p, last)) == NULL) {
		a = json_array();
		json_object_set_new(p, last, a);
	}
	if (json_is_array(a) && (str = json_string(v)) != NULL)
		rc = json_array_append_new(a, str);
	free(copy);
	return rc;
}

char *
awsjson_dump(const struct awsjson *j)
{
	char *s = json_dumps(J(j), JSON_COMPACT);

	if (s == NULL)
		fatalx(EXIT_TEMPFAIL, "out of memory");
	return s;
}

void
awsjson_print_string(FILE *f, const char *s)
{
	json_t *str = json_string(s ? s : "");
	char *t;

	if (str == NULL)	/* not UTF-8: say so rather than print garbage */
		str = json_string("(not valid UTF-8)");
	t = json_dumps(str, JSON_ENCODE_ANY);
	fputs(t ? t : "\"\"", f);
	free(t);
	json_decref(str);
}
