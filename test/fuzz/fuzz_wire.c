/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target: what goes on the wire (relay/intake.c -> spool ->
 * relay/msgstream.c + relay/rewrite.c).  The input is a message as a
 * caller pipes it to `sendmail -i` (-t when the selector's bit 0 is set);
 * it is queued into a tmpfs spool, then streamed as for DATA with a read
 * buffer of 5-260 octets (selector) so the carry-over path is used.
 * Asserts on the wire bytes: only CRLF line ends (no bare CR, no bare LF);
 * no line over 998 octets; the stream ends with CRLF; the header section
 * ends once, at the first empty line, and holds exactly the fields the
 * intake stored (minus Return-Path), each line a field or a continuation;
 * no Bcc or Resent-Bcc field; after dot-stuffing as libcurl does it (a "."
 * after CRLF is doubled) no line is a lone ".", so the message cannot end
 * early.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "envelope.h"
#include "fuzz.h"
#include "fuzz_intake.h"
#include "header.h"
#include "intake.h"
#include "log.h"
#include "msgstream.h"
#include "spool.h"

static struct config cf;
static struct spool sp;
static struct caller who = { 1000, (char *)"fuzz" };
static char empty[1];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return fuzz_intake_setup(&cf, &sp, 256 * 1024);
}

/* Fields of the stored header section (LF-separated, no empty line):
 * lines that do not start with a blank, Return-Path not counted. */
static size_t
stored_fields(int fd, const struct envelope *e)
{
	char *buf = malloc((size_t)e->size + 1), *p, *end;
	size_t n = 0;

	FUZZ_ASSERT(pread(fd, buf, (size_t)e->size, e->data_offset) == e->size, "pread");
	buf[e->size] = '\0';
	end = strstr(buf, "\n\n");
	FUZZ_ASSERT(end != NULL, "stored message without an empty line");
	for (p = buf; p < end + 1; p = strchr(p, '\n') + 1)
		if (*p != ' ' && *p != '\t' && strncasecmp(p, "Return-Path:", 12) != 0)
			n++;
	free(buf);
	return n;
}

static void
check_wire(const char *w, size_t len, size_t want_fields)
{
	size_t i, col = 0, fields = 0, line_start = 0;
	int in_header = 1;

	FUZZ_ASSERT(len >= 2 && w[len - 2] == '\r' && w[len - 1] == '\n',
	    "does not end with CRLF");
	for (i = 0; i < len; i++) {
		if (w[i] == '\r')
			FUZZ_ASSERT(i + 1 < len && w[i + 1] == '\n', "bare CR at %zu", i);
		if (w[i] == '\n') {
			FUZZ_ASSERT(i > 0 && w[i - 1] == '\r', "bare LF at %zu", i);
			if (in_header) {
				const char *l = w + line_start;
				size_t ll = i - 1 - line_start;

				if (ll == 0)
					in_header = 0;	/* the one empty line */
				else if (l[0] == ' ' || l[0] == '\t')
					FUZZ_ASSERT(fields > 0, "continuation first");
				else {
					FUZZ_ASSERT(header_name_len(l, ll) > 0,
					    "not a header line: '%.*s'", (int)ll, l);
					FUZZ_ASSERT(!header_is(l, "Bcc") &&
					    !header_is(l, "Resent-Bcc"), "Bcc on the wire");
					fields++;
				}
			}
			col = 0;
			line_start = i + 1;
			continue;
		}
		if (w[i] != '\r') {
			col++;
			FUZZ_ASSERT(col <= 998, "line over 998 octets at %zu", i);
		}
	}
	FUZZ_ASSERT(!in_header, "header section never ended");
	FUZZ_ASSERT(fields == want_fields, "%zu fields on the wire, %zu stored",
	    fields, want_fields);
	/* Dot-stuffing as libcurl does it: a "." at the start or right after
	 * CRLF is doubled.  Then no line may be a lone "." (the end of DATA). */
	{
		char *st = malloc(len * 2 + 1), *p;
		size_t k = 0;

		for (i = 0; i < len; i++) {
			if (w[i] == '.' && (i == 0 || (i >= 2 && w[i - 2] == '\r' &&
			    w[i - 1] == '\n')))
				st[k++] = '.';
			st[k++] = w[i];
		}
		st[k] = '\0';
		FUZZ_ASSERT(strncmp(st, ".\r\n", 3) != 0, "lone dot first");
		for (p = st; (p = memmem(p, k - (size_t)(p - st), "\n.\r\n", 4)) != NULL; p++)
			FUZZ_ASSERT(0, "lone dot on the wire after stuffing");
		free(st);
	}
}

static void
stream_one(const char *id, size_t chunk)
{
	struct envelope e;
	struct msgstream *ms;
	char err[512], *wire = NULL, *buf = malloc(chunk);
	size_t len = 0, n, want;
	int fd = spool_open(&sp, AREA_MAILDROP, id, &e, err, sizeof(err));

	FUZZ_ASSERT(fd >= 0, "queued message does not open: %s", err);
	want = stored_fields(fd, &e);
	ms = msgstream_open(fd, &e, &cf, err, sizeof(err));
	FUZZ_ASSERT(ms != NULL, "msgstream_open: %s", err);
	while ((n = msgstream_read(buf, 1, chunk, ms)) > 0) {
		wire = realloc(wire, len + n);
		memcpy(wire + len, buf, n);
		len += n;
	}
	FUZZ_ASSERT(msgstream_done(ms), "stream not done");
	check_wire(wire, len, want);
	free(wire);
	free(buf);
	msgstream_free(ms);
	envelope_free(&e);
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *rcpts[] = { (char *)"a@example.com" };
	struct intake_opts o;
	struct line_src src;
	char id[QID_LEN + 1], err[1024], path[700];
	FILE *in;
	int rc;

	if (size < 1)
		return 0;
	memset(&o, 0, sizeof(o));
	o.extract = data[0] & 1;
	o.rcpts = rcpts;
	o.nrcpts = o.extract ? 0 : 1;
	/* fmemopen refuses an empty buffer: read one octet of a dummy. */
	in = size > 1 ? fmemopen((void *)(data + 1), size - 1, "r") :
	    fmemopen(empty, 1, "r");
	if (size == 1)
		(void)fgetc(in);
	line_src_init(&src, in, LINES_EOF);
	rc = intake_message(&src, &cf, &sp, &who, &o, id, err, sizeof(err));
	line_src_free(&src);
	fclose(in);
	if (rc != 0)
		return 0;
	stream_one(id, 5 + (size_t)(data[0] >> 1) * 2);
	snprintf(path, sizeof(path), "%s/%s", sp.maildrop, id);
	unlink(path);
	return 0;
}
