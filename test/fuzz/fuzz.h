/* SPDX-License-Identifier: ISC */
/* Shared by the libFuzzer targets in test/fuzz/ (see README.md there).
 * FUZZ_ASSERT aborts with a message, so a broken invariant is a crash
 * that libFuzzer saves like any sanitizer report. */
#ifndef SESRELAY_FUZZ_H
#define SESRELAY_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_ASSERT(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant broken: %s: ",	\
		    __FILE__, __LINE__, #cond);				\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

/* A NUL-terminated copy of the input (malloc'd). */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	for (size_t i = 0; i < size; i++)
		s[i] = data[i] ? (char)data[i] : ' ';
	s[size] = '\0';
	return s;
}

#endif
