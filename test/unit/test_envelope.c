/* Unit tests for envelope.c: message-file header and state file formats. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envelope.h"

/* Write a complete message file (header, body, trailer) to a temp fd. */
static int
write_file(const struct envelope *e, const char *body, int truncate_by)
{
	char path[] = "/tmp/test_envelope.XXXXXX";
	int fd = mkstemp(path);
	FILE *fp = fdopen(dup(fd), "w");
	long off, boff;
	char digits[32];

	unlink(path);
	assert_int_equal(envelope_write_header(fp, e, &off, &boff), 0);
	fputs(body, fp);
	fputs(ENVELOPE_TRAILER, fp);
	fclose(fp);
	snprintf(digits, sizeof(digits), "%0*zu", ENVELOPE_SIZE_WIDTH, strlen(body));
	assert_int_equal(pwrite(fd, digits, ENVELOPE_SIZE_WIDTH, off), ENVELOPE_SIZE_WIDTH);
	if (truncate_by)
		assert_int_equal(ftruncate(fd, lseek(fd, 0, SEEK_END) - truncate_by), 0);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void
roundtrip(void **unused)
{
	char *rcpts[] = { "a@example.com", "b@example.org" };
	struct envelope e = { 1795600000.5, 33, "www-data", "s@example.com",
	    rcpts, 2, 1, 0, 0 }, r;
	char err[256];
	int fd = write_file(&e, "Subject: x\n\nbody\n", 0);

	(void)unused;
	assert_int_equal(envelope_read(fd, &r, err, sizeof(err)), 0);
	assert_string_equal(r.user, "www-data");
	assert_string_equal(r.sender, "s@example.com");
	assert_int_equal(r.nrcpts, 2);
	assert_string_equal(r.rcpts[1], "b@example.org");
	assert_int_equal(r.size, 17);
	assert_int_equal(r.body8bit, 1);
	assert_int_equal(r.uid, 33);
	envelope_free(&r);
	close(fd);
}

static void
null_sender(void **unused)
{
	char *rcpts[] = { "a@example.com" };
	struct envelope e = { 1.0, 0, "root", "", rcpts, 1, 0, 0, 0 }, r;
	char err[256];
	int fd = write_file(&e, "x\n", 0);

	(void)unused;
	assert_int_equal(envelope_read(fd, &r, err, sizeof(err)), 0);
	assert_string_equal(r.sender, "");
	envelope_free(&r);
	close(fd);
}

static void
truncated_is_rejected(void **unused)
{
	char *rcpts[] = { "a@example.com" };
	struct envelope e = { 1.0, 0, "root", "s@x.org", rcpts, 1, 0, 0, 0 }, r;
	char err[256];
	int cut;

	(void)unused;
	for (cut = 1; cut < 60; cut += 7) {
		int fd = write_file(&e, "Subject: x\n\nbody\n", cut);

		assert_int_equal(envelope_read(fd, &r, err, sizeof(err)), -1);
		close(fd);
	}
}

static void
state_roundtrip(void **unused)
{
	char *rcpts[] = { "a@example.com", "b@example.org" };
	struct envelope e = { 1.0, 0, "root", "s@x.org", rcpts, 2, 0, 0, 0 };
	struct msg_state st, back;
	char err[256], *text;
	size_t len;

	(void)unused;
	state_init(&st, &e);
	st.rcpts[0].status = RCPT_SENT;
	st.rcpts[0].attempts = 1;
	state_set_str(&st.rcpts[0].ses_id, "0100018c-aa-000000");
	state_set_str(&st.rcpts[1].reply, "451 Temporary\tservice\nfailure");
	st.rcpts[1].next_attempt = 1795600060;
	state_add_log(&st, 1795600000, "b@example.org", "deferred", "451 x");
	text = state_format(&st, &len);
	assert_int_equal(state_parse(text, len, &back, err, sizeof(err)), 0);
	assert_int_equal(back.nrcpts, 2);
	assert_int_equal(back.rcpts[0].status, RCPT_SENT);
	assert_string_equal(back.rcpts[0].ses_id, "0100018c-aa-000000");
	assert_string_equal(back.rcpts[1].reply, "451 Temporary service failure");
	assert_int_equal(back.rcpts[1].next_attempt, 1795600060);
	assert_int_equal(back.nlog, 1);
	assert_string_equal(back.log[0].status, "deferred");
	/* A state file cut anywhere before "end" is refused. */
	state_free(&back);
	assert_int_equal(state_parse(text, len - 4, &back,
	    err, sizeof(err)), -1);
	free(text);
	state_free(&st);
}

static void
log_is_bounded(void **unused)
{
	char *rcpts[] = { "a@example.com" };
	struct envelope e = { 1.0, 0, "root", "s@x.org", rcpts, 1, 0, 0, 0 };
	struct msg_state st;
	int i;

	(void)unused;
	state_init(&st, &e);
	for (i = 0; i < STATE_MAX_LOG + 10; i++)
		state_add_log(&st, i, "a@example.com", "deferred", "x");
	assert_int_equal(st.nlog, STATE_MAX_LOG);
	assert_int_equal(st.log[0].time, 10);
	state_free(&st);
}

/* A crafted size field (a spool file written by hand or by a bug): each is
 * refused as a bad size, never added to the offset (signed overflow, found
 * by UBSan) or taken as a negative length. */
static void
crafted_sizes(void **unused)
{
	static const char *sizes[] = { "99999999999999999999999", "9223372036854775807",
	    "9223372036854775800", "-00000000001", "+00000000017", "0000000017x",
	    "17", " 00000000017", "" };
	char err[256], path[] = "/tmp/test_envelope.XXXXXX";
	size_t i;

	(void)unused;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct envelope r;
		int fd = mkstemp(path);
		FILE *fp = fdopen(dup(fd), "w");

		unlink(path);
		strcpy(path + strlen(path) - 6, "XXXXXX");
		fprintf(fp, "SESRELAY 1\narrival 1.0\nuid 0\nuser u\nfrom <>\n"
		    "rcpt <a@b.c>\nbody 7bit\nsize %s\n\nSubject: x\n\nbody\nEND\n", sizes[i]);
		fclose(fp);
		lseek(fd, 0, SEEK_SET);
		err[0] = '\0';
		if (envelope_read(fd, &r, err, sizeof(err)) != -1)
			fail_msg("size '%s' accepted", sizes[i]);
		if (strncmp(err, "bad size", 8) != 0)
			fail_msg("size '%s': '%s', want 'bad size'", sizes[i], err);
		close(fd);
	}
}

/* Numbers in a state file out of their range are refused, not wrapped. */
static void
state_bad_numbers(void **unused)
{
	static const char *bad[] = {
	    "rcpt\ta@b.c\tpending\t99999999999\t0\t0\t-\t\n",
	    "rcpt\ta@b.c\tpending\t-1\t0\t0\t-\t\n",
	    "rcpt\ta@b.c\tpending\t1\t99999999999999999999999\t0\t-\t\n",
	    "rcpt\ta@b.c\tpending\tx\t0\t0\t-\t\n",
	    "rcpt\ta@b.c\tpending\t1\t0\t0x10\t-\t\n",
	    "log\t1e9\ta@b.c\tsent\tok\n",
	};
	char text[512], err[256];
	struct msg_state st;
	size_t i;

	(void)unused;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "SESRELAY-STATE 1\nheld 0\n"
		    "rcpt\tz@b.c\tsent\t1\t0\t0\t-\t\n%send\n", bad[i]);
		if (state_parse(text, strlen(text), &st, err, sizeof(err)) != -1)
			fail_msg("accepted: %s", bad[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roundtrip),
		cmocka_unit_test(null_sender),
		cmocka_unit_test(truncated_is_rejected),
		cmocka_unit_test(state_roundtrip),
		cmocka_unit_test(log_is_bounded),
		cmocka_unit_test(crafted_sizes),
		cmocka_unit_test(state_bad_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
