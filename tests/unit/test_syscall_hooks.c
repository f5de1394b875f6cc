/* test_syscall_hooks.c: no syscall slot is claimed twice. The dispatcher
 * routes one program per (syscall, enter/exit); a second registration would
 * silently replace the first family's program (fill_tail_calls uses
 * BPF_ANY). Families that need the same syscall (file and security both
 * want mmap/mprotect at exit) must be chained by the dispatcher instead. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>

#include "sensor/syscall_table.h"

static void test_no_slot_claimed_twice(void **state)
{
	const struct syscall_hook *const *t, *const *u;
	const struct syscall_hook *h, *k;
	int dups = 0;

	(void)state;
	for (t = syscall_hook_tables; *t; t++)
		for (h = *t; h->prog; h++)
			for (u = t; *u; u++)
				for (k = (u == t ? h + 1 : *u); k->prog; k++)
					if (k->nr == h->nr && k->on_exit == h->on_exit) {
						fprintf(stderr, "syscall %d (%s) claimed by %s and %s\n",
							h->nr, h->on_exit ? "exit" : "enter",
							h->prog, k->prog);
						dups++;
					}
	assert_int_equal(dups, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_slot_claimed_twice),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
