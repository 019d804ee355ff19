/* Unit tests for msgstream.c (wire bytes), on messages written to a real
 * spool-format file.  Rewriting itself is tested in test_rewrite.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "envelope.h"
#include "msgstream.h"
#include "rewrite.h"

/* A message file holding `msg`; returns the fd, fills e. */
static int
message_file(const char *msg, size_t len, struct envelope *e)
{
	char path[] = "/tmp/test_msgstream.XXXXXX";
	int fd = mkstemp(path);

	unlink(path);
	memset(e, 0, sizeof(*e));
	e->data_offset = 7;
	e->size = (long)len;
	assert_int_equal(write(fd, "HEADER\n", 7), 7);
	assert_int_equal(write(fd, msg, len), (ssize_t)len);
	return fd;
}

/* Everything the stream produces, read with a small buffer so that the
 * carry-over path is used. */
static char *
drain(struct msgstream *ms, size_t *len)
{
	char *out = NULL, buf[7];
	size_t n, total = 0;

	while ((n = msgstream_read(buf, 1, sizeof(buf), ms)) > 0) {
		out = realloc(out, total + n + 1);
		memcpy(out + total, buf, n);
		total += n;
	}
	out = realloc(out, total + 1);
	out[total] = '\0';
	*len = total;
	return out;
}

static struct config cf;

static void
wire_bytes(void **unused)
{
	static const char msg[] = "Subject: x\nTo: a@example.com\n\nline1\nbare\rcr\n.dot\n";
	struct envelope e;
	struct msgstream *ms;
	char err[256], *out;
	size_t len;
	int fd = message_file(msg, sizeof(msg) - 1, &e);

	(void)unused;
	ms = msgstream_open(fd, &e, &cf, err, sizeof(err));
	assert_non_null(ms);
	out = drain(ms, &len);
	assert_string_equal(out, "Subject: x\r\nTo: a@example.com\r\n\r\nline1\r\nbare\r\ncr\r\n.dot\r\n");
	assert_true(msgstream_done(ms));
	free(out);
	/* Rewind gives the same bytes again (a retry on a new connection). */
	msgstream_rewind(ms);
	out = drain(ms, &len);
	assert_string_equal(out, "Subject: x\r\nTo: a@example.com\r\n\r\nline1\r\nbare\r\ncr\r\n.dot\r\n");
	free(out);
	msgstream_free(ms);
	close(fd);
}

static void
long_lines_fold(void **unused)
{
	char msg[5000], err[256], *out, *line, *save;
	struct envelope e;
	struct msgstream *ms;
	size_t len, n = 0;
	int fd;

	(void)unused;
	n += (size_t)sprintf(msg, "X-Long: ");
	memset(msg + n, 'h', 1500);
	n += 1500;
	n += (size_t)sprintf(msg + n, "\n\n");
	memset(msg + n, 'b', 2500);
	n += 2500;
	msg[n++] = '\n';
	fd = message_file(msg, n, &e);
	ms = msgstream_open(fd, &e, &cf, err, sizeof(err));
	out = drain(ms, &len);
	assert_int_equal(msgstream_folded(ms), 3);	/* 1 in the header, 2 in the body */
	/* The header continuation starts with a space. */
	assert_non_null(strstr(out, "h\r\n h"));
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		assert_true(strlen(line) <= 999);	/* 998 + CR */
	free(out);
	msgstream_free(ms);
	close(fd);
}

static int
setup(void **unused)
{
	static struct alias al[] = { { "root", "ops@example.com" } };

	(void)unused;
	config_defaults(&cf);
	free(cf.domain);
	cf.domain = strdup("host.test");
	free(cf.sender);
	cf.sender = strdup("noreply@example.com");
	free(cf.default_recipient);
	cf.default_recipient = strdup("catchall@example.com");
	free(cf.aliases_file);
	cf.aliases_file = strdup("");	/* not the host's /etc/aliases */
	cf.rewrite_from = 1;
	cf.aliases = al;
	cf.naliases = 1;
	return 0;
}

/* A bare CR in the header section is a space on the wire: the intake and
 * the rewriter split fields on LF only, so a CR must neither start a field
 * (a hidden Bcc:) nor end the section (\r\r).  In the body it stays a
 * line break. */
static void
header_bare_cr(void **unused)
{
	static const char msg[] = "Subject: x\rBcc: y\rFrom: z\nX-A: a\r\rb\nTo: t@example.com\n\nbody\rcr\n";
	struct envelope e;
	struct msgstream *ms;
	char err[256], *out;
	size_t len;
	int fd = message_file(msg, sizeof(msg) - 1, &e);

	(void)unused;
	ms = msgstream_open(fd, &e, &cf, err, sizeof(err));
	assert_non_null(ms);
	out = drain(ms, &len);
	assert_string_equal(out, "Subject: x Bcc: y From: z\r\nX-A: a  b\r\n"
	    "To: t@example.com\r\n\r\nbody\r\ncr\r\n");
	free(out);
	msgstream_free(ms);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wire_bytes),
		cmocka_unit_test(header_bare_cr),
		cmocka_unit_test(long_lines_fold),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
