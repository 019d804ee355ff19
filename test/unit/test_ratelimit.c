/* Unit tests for ratelimit.c: bucket, throttle halving, recovery. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ratelimit.h"

static void
bucket(void **unused)
{
	struct ratelimit rl;
	int i;

	(void)unused;
	ratelimit_init(&rl, 10, 1000.0);
	for (i = 0; i < 10; i++) {	/* one second's worth at once */
		assert_true(ratelimit_wait(&rl, 1, 1000.0) == 0);
		ratelimit_take(&rl, 1);
	}
	assert_true(ratelimit_wait(&rl, 1, 1000.0) > 0.09);
	assert_true(ratelimit_wait(&rl, 1, 1000.1) < 1e-9);
	/* 50 recipients at 10/s: wait for a full bucket, not forever. */
	ratelimit_init(&rl, 10, 2000.0);
	assert_true(ratelimit_wait(&rl, 50, 2000.0) == 0);
}

/* Issue 7 item 5: 700 recipients with max_rate 14 must cost 700 tokens,
 * not one bucket: the next recipient waits out the debt (~49 s). */
static void
every_recipient_costs_a_token(void **unused)
{
	struct ratelimit rl;

	(void)unused;
	ratelimit_init(&rl, 14, 1000.0);
	assert_true(ratelimit_wait(&rl, 700, 1000.0) == 0);
	ratelimit_take(&rl, 700);
	assert_true(ratelimit_wait(&rl, 1, 1000.0) > 48.0);
	assert_true(ratelimit_wait(&rl, 1, 1049.1) < 1e-9);
	/* 50 at once (one SES message) when the bucket is full, then the
	 * debt: 36 more tokens plus a full bucket's 14. */
	ratelimit_init(&rl, 14, 0.0);
	ratelimit_take(&rl, 50);
	assert_true(ratelimit_wait(&rl, 50, 0.0) > 3.5);
}

static void
throttle_and_recover(void **unused)
{
	struct ratelimit rl;

	(void)unused;
	ratelimit_init(&rl, 14, 0.0);
	ratelimit_throttled(&rl, 1.0);
	assert_true(rl.rate == 7);
	ratelimit_throttled(&rl, 1.5);
	assert_true(rl.rate == 3.5);
	/* Within 2 s of the last throttle: no recovery. */
	ratelimit_wait(&rl, 1, 3.0);
	assert_true(rl.rate == 3.5);
	/* Later it grows back, never above the maximum. */
	ratelimit_wait(&rl, 1, 10.0);
	assert_true(rl.rate > 3.5);
	ratelimit_wait(&rl, 1, 100.0);
	assert_true(rl.rate == 14);
	ratelimit_set_max(&rl, 5);
	assert_true(rl.rate == 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bucket),
		cmocka_unit_test(every_recipient_costs_a_token),
		cmocka_unit_test(throttle_and_recover),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
