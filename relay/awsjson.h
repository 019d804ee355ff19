/* SPDX-License-Identifier: ISC */
/*
 * awsjson.c: JSON for the AWS layer, over jansson (the only file that
 * includes <jansson.h> outside the tests).  Read AWS replies by dotted
 * path ("SendQuota.MaxSendRate", "DkimAttributes.Tokens.0"); build small
 * documents (the account cache).  Callers never see jansson's types.
 */
#ifndef SESRELAY_AWSJSON_H
#define SESRELAY_AWSJSON_H

#include <stddef.h>
#include <stdio.h>

struct awsjson;

/* Parse; NULL when the text is not a JSON object. */
struct awsjson *awsjson_parse(const char *text, size_t len);
/* Read a file holding one JSON object; NULL if missing or malformed. */
struct awsjson *awsjson_load(const char *path);
struct awsjson *awsjson_new(void);		/* {} */
void	awsjson_free(struct awsjson *j);

/* Getters by dotted path.  0 when found with the right type, else -1. */
int	awsjson_bool(const struct awsjson *j, const char *path, int *out);
int	awsjson_number(const struct awsjson *j, const char *path, double *out);
/* The string, owned by j; NULL when missing or not a string. */
const char *awsjson_string(const struct awsjson *j, const char *path);
/* Length of the array at path; 0 when missing or not an array. */
size_t	awsjson_array_len(const struct awsjson *j, const char *path);

/* Setters on the top-level object. */
void	awsjson_set_string(struct awsjson *j, const char *key, const char *v);
void	awsjson_set_number(struct awsjson *j, const char *key, double v);
void	awsjson_set_bool(struct awsjson *j, const char *key, int v);

/* A string at a dotted path ("Content.Raw.Data"), creating the objects
 * on the way; awsjson_append adds one to the array there (created when
 * missing).  -1 when v is not valid UTF-8 or the path runs into a value. */
int	awsjson_set_path(struct awsjson *j, const char *path, const char *v);
int	awsjson_append(struct awsjson *j, const char *path, const char *v);

/* Compact text (keys in the order they were set), malloc'd. */
char	*awsjson_dump(const struct awsjson *j);
/* One JSON string literal (quoted, escaped, valid UTF-8) to f. */
void	awsjson_print_string(FILE *f, const char *s);

#endif
