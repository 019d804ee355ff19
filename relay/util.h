/* SPDX-License-Identifier: ISC */
/* util.c: small helpers shared by every program (allocation, strings, I/O). */
#ifndef SESRELAY_UTIL_H
#define SESRELAY_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* sysexits.h codes, named here so every file uses the same ones. */
#define EX_OK_		0
#define EXIT_USAGE	64	/* EX_USAGE */
#define EXIT_DATAERR	65	/* EX_DATAERR */
#define EXIT_NOINPUT	66	/* EX_NOINPUT */
#define EXIT_NOUSER	67	/* EX_NOUSER */
#define EXIT_SOFTWARE	70	/* EX_SOFTWARE */
#define EXIT_OSERR	71	/* EX_OSERR */
#define EXIT_CANTCREAT	73	/* EX_CANTCREAT */
#define EXIT_IOERR	74	/* EX_IOERR */
#define EXIT_TEMPFAIL	75	/* EX_TEMPFAIL */
#define EXIT_NOPERM	77	/* EX_NOPERM */
#define EXIT_CONFIG	78	/* EX_CONFIG */

/* Allocation that cannot fail: on ENOMEM print and exit EX_TEMPFAIL (the
 * caller's message is not lost; sendmail's caller can retry). */
void	*xmalloc(size_t n);
void	*xcalloc(size_t n, size_t size);
void	*xrealloc(void *p, size_t n);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);
char	*xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void	 str_lower(char *s);
/* The host name from gethostname(2), malloc'd (no DNS lookup). */
char	*host_fqdn(void);

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when s does not
 * start one (stray continuation byte, overlong form, surrogate, beyond
 * U+10FFFF).  s must be NUL-terminated or hold 4 readable octets. */
size_t	 utf8_char_len(const unsigned char *s);
/* Copy of s (malloc'd) safe for a log line or a terminal: every control
 * character (C0, DEL and the C1 range U+0080-U+009F) and every octet that is
 * not part of valid UTF-8 is written as a backslash and three octal digits
 * (\012 for LF), as Postfix does in its logs; valid UTF-8 text stays as it
 * is.  A backslash itself is left alone. */
char	*str_escape(const char *s);

/* FNV-1a over len octets, continuing from h (start at HASH_INIT); for the
 * in-memory hash tables (queue index, recipient maps, address lists). */
#define HASH_INIT ((size_t)14695981039346656037ULL)
size_t	 hash_bytes(size_t h, const void *p, size_t len);
size_t	 str_hash(const char *s);

/* write(2) until done; 0 or -1 (errno). */
int	 write_all(int fd, const void *buf, size_t len);
/* fsync the directory `dir`; 0 or -1 (errno). */
int	 fsync_dir(const char *dir);
/* Wall clock in microseconds / as a double in seconds. */
uint64_t now_us(void);
double	 now_sec(void);

#endif
