/* Unit tests for reaper.c: every descriptor handed over is closed by the
 * time reaper_stop returns, also beyond its queue's bound (closed inline)
 * and when the thread is not running (closed at once). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "reaper.h"

static int
is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

/* n descriptors of unlinked temp files (what the daemon hands over). */
static void
open_unlinked(int *fds, int n)
{
	char path[] = "/tmp/test_reaper.XXXXXX";
	int i;

	for (i = 0; i < n; i++) {
		fds[i] = mkstemp(path);
		assert_true(fds[i] >= 0);
		assert_int_equal(write(fds[i], "x", 1), 1);
		assert_int_equal(unlink(path), 0);
		snprintf(path, sizeof(path), "/tmp/test_reaper.XXXXXX");
	}
}

static void
closes_all(void **state)
{
	int fds[600], i;

	(void)state;
	open_unlinked(fds, 600);
	assert_int_equal(reaper_start(), 0);
	for (i = 0; i < 600; i++)	/* more than its queue holds */
		reaper_close(fds[i]);
	reaper_close(-1);		/* ignored */
	reaper_stop();
	for (i = 0; i < 600; i++)
		assert_false(is_open(fds[i]));
	reaper_stop();			/* twice: harmless */
}

static void
not_running(void **state)
{
	int fd;

	(void)state;
	open_unlinked(&fd, 1);
	reaper_close(fd);
	assert_false(is_open(fd));
	/* Started again after a stop (the daemon's reload restarts nothing,
	 * but --once runs may follow each other in one process in tests). */
	open_unlinked(&fd, 1);
	assert_int_equal(reaper_start(), 0);
	reaper_close(fd);
	reaper_stop();
	assert_false(is_open(fd));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(closes_all),
		cmocka_unit_test(not_running),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
