/* Unit tests for senderhold.c: per-sender holds, probes, release. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "senderhold.h"

static void
hold_probe_release(void **unused)
{
	struct sender_holds h = { NULL, 0 };
	double until = 0;

	(void)unused;
	assert_int_equal(sender_hold_admit(&h, "a@x.org", 100, &until), 1);
	assert_int_equal(sender_hold_add(&h, "a@x.org", "554 not verified", 100, 600), 1);
	/* Only that sender waits; case does not matter. */
	assert_int_equal(sender_hold_admit(&h, "b@x.org", 101, &until), 1);
	assert_int_equal(sender_hold_admit(&h, "A@X.org", 101, &until), 0);
	assert_true(until == 700);
	/* At the probe time one message goes; the others wait for its answer. */
	assert_int_equal(sender_hold_admit(&h, "a@x.org", 700, &until), 1);
	assert_int_equal(sender_hold_admit(&h, "a@x.org", 700, &until), 0);
	/* Same refusal: held again, not a new hold. */
	assert_int_equal(sender_hold_add(&h, "a@x.org", "554 not verified", 701, 600), 0);
	assert_int_equal(sender_hold_admit(&h, "a@x.org", 702, &until), 0);
	assert_true(until == 1301);
	/* An explicit flush probes at once. */
	sender_hold_probe_now(&h, 800);
	assert_int_equal(sender_hold_admit(&h, "a@x.org", 800, &until), 1);
	assert_int_equal(sender_hold_release(&h, "a@x.org"), 1);
	assert_int_equal(sender_hold_release(&h, "a@x.org"), 0);
	assert_int_equal(sender_hold_admit(&h, "a@x.org", 801, &until), 1);
	assert_int_equal(h.n, 0);
	sender_holds_free(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hold_probe_release),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
