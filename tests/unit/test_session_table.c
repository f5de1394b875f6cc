/* test_session_table.c: the session table's key index (src/model/session.c):
 * every session of a full table is found by key, removals in any order
 * (backward-shift deletion, the last session moving into the hole) keep
 * the rest findable, a removed key is gone, and one session past
 * SESSION_TABLE_MAX is refused and counted. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/session.h"

static struct session ses[SESSION_TABLE_MAX + 1];
static struct session_table t;

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void check_all(const bool *present)
{
	size_t i;

	for (i = 0; i < SESSION_TABLE_MAX; i++)
		if (present[i])
			assert_ptr_equal(session_find(&t, ses[i].key), &ses[i]);
		else
			assert_null(session_find(&t, ses[i].key));
}

static void test_full_table_add_find_remove(void **state)
{
	static bool present[SESSION_TABLE_MAX];
	uint64_t x = 88172645463325252ull;
	size_t i, k, round;

	(void)state;
	memset(&t, 0, sizeof(t));
	for (i = 0; i <= SESSION_TABLE_MAX; i++)
		ses[i].key = rnd(&x) | 1;
	/* clustered keys too: the same home slot for many */
	for (i = 0; i < 64; i++)
		ses[i].key = (i << 40) | 1;
	for (i = 0; i < SESSION_TABLE_MAX; i++) {
		assert_int_equal(session_add(&t, &ses[i]), 0);
		present[i] = true;
	}
	assert_int_equal(session_add(&t, &ses[SESSION_TABLE_MAX]), -ENOSPC);
	assert_int_equal(t.refused, 1);
	check_all(present);
	for (round = 0; round < 4; round++) {
		for (k = 0; k < SESSION_TABLE_MAX / 2; k++) {
			i = rnd(&x) % SESSION_TABLE_MAX;
			if (present[i]) {
				session_remove(&t, &ses[i]);
				present[i] = false;
			}
		}
		check_all(present);
		for (i = 0; i < SESSION_TABLE_MAX; i++)
			if (!present[i] && rnd(&x) % 2) {
				assert_int_equal(session_add(&t, &ses[i]), 0);
				present[i] = true;
			}
		check_all(present);
	}
	session_remove(&t, &ses[SESSION_TABLE_MAX]); /* never added: nothing changes */
	check_all(present);
	assert_null(session_find(NULL, ses[0].key));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_table_add_find_remove),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
