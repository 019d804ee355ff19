/* Unit tests for history.c on a real SQLite file: the Message-ID read from
 * a spooled message, retention and the size bound, the 24 h rates as SES
 * counts them, counters, the trace order and limit, and read-only opening
 * of a spool without history. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "envelope.h"
#include "history.h"

struct fixture {
	char	 dir[64];
	struct history *h;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512];

	strcpy(f->dir, "/tmp/test_history.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->h = history_open(f->dir, HISTORY_WRITE, err, sizeof(err));
	assert_non_null(f->h);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	history_close(f->h);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
add(struct fixture *f, double t, const char *qid, const char *ses, const char *rcpt)
{
	struct history_sent s = { t, qid, "id@x", ses, "s@x", rcpt, rcpt, "root", 0, t, 10 };

	assert_int_equal(history_add_sent(f->h, &s), 0);
}

static void
event(struct fixture *f, double t, const char *ses, const char *rcpt, const char *type,
    const char *kind, const char *sub)
{
	struct history_event e = { ses, rcpt, "q", type, t, kind, sub, "", "", "", "", 0 };

	assert_true(history_add_event(f->h, &e) >= 0);
}

static void
message_id(void **unused)
{
	static const struct { const char *msg, *want; } cases[] = {
		{ "Subject: x\nMessage-ID: <a.b@c.example>\n\nbody\n", "a.b@c.example" },
		{ "message-id:<low@case>\n\n", "low@case" },
		{ "Message-ID:\n <folded@x>\nTo: y\n\n", "folded@x" },
		{ "Subject: x\n\nMessage-ID: <in-body@x>\n", "" },
		{ "X-Message-ID: <no@x>\n\n", "" },
		{ "", "" },
	};
	struct envelope e;
	size_t i;

	(void)unused;
	memset(&e, 0, sizeof(e));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[] = "/tmp/test_history_msg.XXXXXX", *id;
		int fd = mkstemp(path);

		assert_true(fd >= 0);
		unlink(path);
		/* The message starts after an envelope-like prefix. */
		assert_int_equal(write(fd, "ENV\n\n", 5), 5);
		assert_int_equal(write(fd, cases[i].msg, strlen(cases[i].msg)),
		    (ssize_t)strlen(cases[i].msg));
		e.data_offset = 5;
		id = history_message_id(fd, &e);
		if (strcmp(id, cases[i].want) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, id, cases[i].want);
		free(id);
		close(fd);
	}
}

static void
retention(void **state)
{
	struct fixture *f = *state;
	double now = 1800000000.0;

	add(f, now - 40 * 86400, "old", "s1", "a@x");
	add(f, now - 10, "new", "s2", "b@x");
	event(f, now - 40 * 86400, "s1", "a@x", "Delivery", "", "");
	event(f, now - 5, "s2", "b@x", "Delivery", "", "");
	assert_int_equal(history_prune(f->h, now, 30 * 86400, 1L << 30), 2);
	assert_int_equal(history_trace(f->h, "a@x", 0, 10, &(struct trace_cb){ NULL,
	    NULL, NULL }), 0);
	assert_int_equal(history_prune(f->h, now, 30 * 86400, 1L << 30), 0);
}

static void
noop_msg(void *a, const struct trace_msg *m) { (void)a; (void)m; }
static void
noop_step(void *a, const struct trace_step *s) { (void)a; (void)s; }

static void
size_bound(void **state)
{
	struct fixture *f = *state;
	struct trace_cb cb = { noop_msg, noop_step, NULL };
	struct history_rates r;
	char qid[32], rcpt[64];
	double now = 1800000000.0;
	long removed;
	int i;

	for (i = 0; i < 20000; i++) {
		snprintf(qid, sizeof(qid), "%016x", i);
		snprintf(rcpt, sizeof(rcpt), "user%d@example.com", i);
		add(f, now - 20000 + i, qid, qid, rcpt);
	}
	/* About 3 MB of rows and indexes; bound them to 1 MB. */
	removed = history_prune(f->h, now, 30 * 86400, 1024 * 1024);
	assert_true(removed > 10000);
	assert_int_equal(history_rates(f->h, 0, &r), 0);
	assert_int_equal(r.sent, 20000 - removed);
	/* The oldest went, the newest stayed. */
	assert_int_equal(history_trace(f->h, "user0@example.com", 0, 10, &cb), 0);
	assert_int_equal(history_trace(f->h, "user19999@example.com", 0, 10, &cb), 1);
}

static void
rates(void **state)
{
	struct fixture *f = *state;
	struct history_rates r;
	double now = 1800000000.0;

	add(f, now - 100, "q1", "s1", "a@x");
	add(f, now - 100, "q1", "s1", "b@x");
	add(f, now - 100, "q1", "s1", "c@x");
	add(f, now - 90000, "q0", "s0", "old@x");	/* before the window */
	event(f, now - 50, "s1", "a@x", "Delivery", "", "");
	event(f, now - 50, "s1", "b@x", "Bounce", "Permanent", "General");
	event(f, now - 50, "s1", "c@x", "Bounce", "Permanent", "OnAccountSuppressionList");
	event(f, now - 40, "s1", "c@x", "Bounce", "Transient", "MailboxFull");
	event(f, now - 40, "s1", "a@x", "Complaint", "abuse", "");
	event(f, now - 60, "s1", "a@x", "DeliveryDelay", "MailboxFull", "");
	event(f, now - 59, "s1", "a@x", "DeliveryDelay", "MailboxFull", "");
	event(f, now - 90000, "s0", "old@x", "Bounce", "Permanent", "General");
	assert_int_equal(history_rates(f->h, now - 86400, &r), 0);
	assert_int_equal(r.sent, 3);
	assert_int_equal(r.delivered, 1);
	assert_int_equal(r.bounced_hard, 1);	/* account-list and transient excluded */
	assert_int_equal(r.bounced_other, 2);
	assert_int_equal(r.complaints, 1);
	assert_int_equal(r.delayed, 1);		/* one recipient, two delay events */
	assert_int_equal(r.events, 7);
}

static void
counters(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(history_counter(f->h, "unknown"), 0);
	assert_int_equal(history_counter_add(f->h, "unknown", 1), 0);
	assert_int_equal(history_counter_add(f->h, "unknown", 2), 0);
	assert_int_equal(history_counter(f->h, "unknown"), 3);
}

struct seen { int msgs, steps; char last[32]; };

static void
count_msg(void *a, const struct trace_msg *m)
{
	struct seen *s = a;

	s->msgs++;
	snprintf(s->last, sizeof(s->last), "%s", m->qid);
}

static void
count_step(void *a, const struct trace_step *st)
{
	(void)st;
	((struct seen *)a)->steps++;
}

static void
trace_limit_and_since(void **state)
{
	struct fixture *f = *state;
	struct seen s = { 0, 0, "" };
	struct trace_cb cb = { count_msg, count_step, &s };
	char qid[32];
	int i;

	for (i = 0; i < 30; i++) {
		snprintf(qid, sizeof(qid), "q%02d", i);
		add(f, 1000 + i, qid, qid, "same@x");
	}
	assert_int_equal(history_trace(f->h, "same@x", 0, 5, &cb), 5);
	assert_int_equal(s.msgs, 5);
	assert_string_equal(s.last, "q04");		/* oldest first */
	assert_int_equal(s.steps, 5);
	memset(&s, 0, sizeof(s));
	assert_int_equal(history_trace(f->h, "same@x", 1025, 100, &cb), 5);
	assert_string_equal(s.last, "q29");
}

static void
read_mode_without_history(void **unused)
{
	char dir[] = "/tmp/test_history_ro.XXXXXX", err[512];

	(void)unused;
	assert_non_null(mkdtemp(dir));
	assert_null(history_open(dir, HISTORY_READ, err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, "no sent-mail history yet"));
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(message_id),
		cmocka_unit_test_setup_teardown(retention, setup, teardown),
		cmocka_unit_test_setup_teardown(size_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(rates, setup, teardown),
		cmocka_unit_test_setup_teardown(counters, setup, teardown),
		cmocka_unit_test_setup_teardown(trace_limit_and_since, setup, teardown),
		cmocka_unit_test(read_mode_without_history),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
