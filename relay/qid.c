/* SPDX-License-Identifier: ISC */
/*
 * qid.c: queue ids.  Why time + random rather than Postfix's time + inode:
 * the id is chosen before the file is linked into place, and the same
 * scheme must work for ids made by the intake and by the daemon (bounces).
 * Collisions need the same microsecond and the same 12 random bits, and
 * even then link(2) fails with EEXIST and the writer picks a new id.
 */
#include <sys/random.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qid.h"
#include "util.h"

void
qid_new(char out[QID_LEN + 1])
{
	uint16_t rnd = 0;

	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (uint16_t)(getpid() ^ (unsigned)now_us());
	snprintf(out, QID_LEN + 1, "%013llx%03x",
	    (unsigned long long)(now_us() & 0xfffffffffffffULL), rnd & 0xfffu);
}

int
qid_valid(const char *s)
{
	int i;

	for (i = 0; i < QID_LEN; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return s[QID_LEN] == '\0';
}

double
qid_time(const char *id)
{
	char t[14];

	memcpy(t, id, 13);
	t[13] = '\0';
	return (double)strtoull(t, NULL, 16) / 1e6;
}
