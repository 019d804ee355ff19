/* Unit tests for qindex.c: hash + heap against a plain array model. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "qindex.h"

#define N 3000

static void
id_of(int i, char *id)
{
	snprintf(id, QID_LEN + 1, "%016x", (unsigned)(i * 2654435761u));
}

static void
matches_model(void **unused)
{
	static double model[N];	/* NAN: absent */
	struct qindex q;
	char id[QID_LEN + 1], ids[8][QID_LEN + 1];
	int i, step;

	(void)unused;
	memset(&q, 0, sizeof(q));
	for (i = 0; i < N; i++)
		model[i] = NAN;
	srand(7);
	for (step = 0; step < 60000; step++) {
		int k = rand() % N, op = rand() % 4;

		id_of(k, id);
		if (op < 2) {
			model[k] = rand() % 1000;
			qindex_set(&q, id, model[k]);
		} else if (op == 2) {
			model[k] = NAN;
			qindex_del(&q, id);
		} else if (!isnan(model[k])) {
			model[k] = rand() % 1000;
			qindex_due(&q, qindex_find(&q, id), model[k]);
		}
		if (step % 997 == 0) {
			double min = INFINITY;
			size_t n = 0, got, j;

			for (i = 0; i < N; i++) {
				id_of(i, id);
				if (isnan(model[i]))
					assert_null(qindex_find(&q, id));
				else {
					assert_non_null(qindex_find(&q, id));
					assert_true(qindex_find(&q, id)->due == model[i]);
					n++;
					if (model[i] < min)
						min = model[i];
				}
			}
			assert_int_equal(q.n, n);
			if (n)
				assert_true(qindex_first(&q)->due == min);
			got = qindex_due_ids(&q, 500, ids, 8);
			for (j = 0; j < got; j++) {
				assert_true(qindex_find(&q, ids[j])->due <= 500);
				if (j)
					assert_true(qindex_find(&q, ids[j - 1])->due <=
					    qindex_find(&q, ids[j])->due);
			}
			assert_true(qindex_first(&q) == NULL || qindex_first(&q)->due == min);
		}
	}
	qindex_flush_all(&q, 10);
	assert_true(q.n == 0 || qindex_first(&q)->due <= 10);
	qindex_free(&q);
}

static void
waiting_count(void **unused)
{
	struct qindex q;

	(void)unused;
	memset(&q, 0, sizeof(q));
	qindex_waiting(&q, qindex_set(&q, "0000000000000001", 5), 1);
	qindex_waiting(&q, qindex_set(&q, "0000000000000002", 5), 1);
	assert_int_equal(q.nwaiting, 2);
	qindex_set(&q, "0000000000000001", 6);	/* reset */
	assert_int_equal(q.nwaiting, 1);
	qindex_del(&q, "0000000000000002");
	assert_int_equal(q.nwaiting, 0);
	qindex_free(&q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(matches_model),
		cmocka_unit_test(waiting_count),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
