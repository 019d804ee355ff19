/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target: the `sendmail -bs` dialogue (relay/smtpd_stdio.c and the
 * intake under it), fed through memory streams, writing a real spool in a
 * tmpfs directory.
 * Asserts: every reply line is "NNN" + " " or "-" + text + CRLF with a code
 * of 2xx-5xx; the number of "250 2.0.0 Ok: queued as ID" replies equals the
 * number of messages committed to maildrop, and each ID names one of them;
 * each committed file passes envelope_read; no temp file is left behind.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "envelope.h"
#include "fuzz.h"
#include "fuzz_intake.h"
#include "intake.h"
#include "log.h"
#include "smtpd_stdio.h"
#include "spool.h"

static struct config cf;
static struct spool sp;
static struct caller who = { 1000, (char *)"fuzz" };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return fuzz_intake_setup(&cf, &sp, 64 * 1024);
}

/* Check and remove what the session queued; returns the count. */
static size_t
collect(char ids[][QID_LEN + 1], size_t max)
{
	DIR *d = opendir(sp.maildrop);
	struct dirent *de;
	size_t n = 0;

	FUZZ_ASSERT(d != NULL, "maildrop");
	while ((de = readdir(d)) != NULL) {
		char path[600], err[256];
		struct envelope e;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		FUZZ_ASSERT(qid_valid(de->d_name), "left in maildrop: %s", de->d_name);
		snprintf(path, sizeof(path), "%s/%s", sp.maildrop, de->d_name);
		fd = open(path, O_RDONLY);
		FUZZ_ASSERT(fd >= 0 && envelope_read(fd, &e, err, sizeof(err)) == 0,
		    "committed file does not read back: %s", err);
		envelope_free(&e);
		close(fd);
		if (n < max)
			memcpy(ids[n], de->d_name, QID_LEN + 1);
		n++;
		unlink(path);
	}
	closedir(d);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct intake_opts base;
	char *out = NULL, ids[64][QID_LEN + 1], *line, *next;
	size_t outlen = 0, queued = 0, ncommitted, i;
	FILE *in, *o;

	if (size == 0)
		return 0;
	in = fmemopen((void *)data, size, "r");
	o = open_memstream(&out, &outlen);
	memset(&base, 0, sizeof(base));
	(void)smtpd_session(in, o, &cf, &sp, &who, &base);
	fclose(in);
	fclose(o);
	ncommitted = collect(ids, 64);
	for (line = out; line < out + outlen; line = next) {
		char *crlf = memmem(line, (size_t)(out + outlen - line), "\r\n", 2);

		FUZZ_ASSERT(crlf != NULL, "reply without CRLF");
		next = crlf + 2;
		FUZZ_ASSERT(crlf - line >= 4 && line[0] >= '2' && line[0] <= '5' &&
		    line[1] >= '0' && line[1] <= '9' && line[2] >= '0' && line[2] <= '9' &&
		    (line[3] == ' ' || line[3] == '-'), "bad reply '%.*s'",
		    (int)(crlf - line), line);
		FUZZ_ASSERT(memchr(line, '\n', (size_t)(crlf - line)) == NULL &&
		    memchr(line, '\r', (size_t)(crlf - line)) == NULL, "bare CR/LF in a reply");
		if (strncmp(line, "250 2.0.0 Ok: queued as ", 24) == 0) {
			int found = 0;

			for (i = 0; i < ncommitted && i < 64; i++)
				found |= memcmp(line + 24, ids[i], QID_LEN) == 0;
			FUZZ_ASSERT(found || ncommitted > 64, "queued id not in maildrop");
			queued++;
		}
	}
	FUZZ_ASSERT(queued == ncommitted, "%zu queued replies, %zu files", queued,
	    ncommitted);
	free(out);
	return 0;
}
