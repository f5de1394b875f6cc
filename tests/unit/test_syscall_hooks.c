/* test_syscall_hooks.c: the syscall hook tables are routable. The dispatcher
 * holds one program per (syscall, enter/exit); a second family may hook the
 * same syscall only behind a first program that chains (.chains = true), and
 * never a third. The sensor refuses anything else at load; this catches it at
 * build time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <sys/syscall.h>

#include "probe/syscall_table.h"

/* Registrations of (nr, dir) in table order. */
static int claims(int nr, bool on_exit, const struct syscall_hook **first)
{
	const struct syscall_hook *const *t;
	const struct syscall_hook *h;
	int n = 0;

	for (t = syscall_hook_tables; *t; t++)
		for (h = *t; h->prog; h++)
			if (h->nr == nr && h->on_exit == on_exit && n++ == 0)
				*first = h;
	return n;
}

static void test_every_slot_routable(void **state)
{
	const struct syscall_hook *const *t;
	const struct syscall_hook *h, *first = NULL;
	int bad = 0, n;

	(void)state;
	for (t = syscall_hook_tables; *t; t++) {
		for (h = *t; h->prog; h++) {
			n = claims(h->nr, h->on_exit, &first);
			if (n > 2 || (n == 2 && !first->chains)) {
				fprintf(stderr, "syscall %d (%s): %d programs, first %s%s\n", h->nr,
					h->on_exit ? "exit" : "enter", n, first->prog,
					first->chains ? "" : " does not chain");
				bad++;
			}
		}
	}
	assert_int_equal(bad, 0);
}

static void test_mmap_is_shared_by_files_and_security(void **state)
{
	const struct syscall_hook *first = NULL;
	(void)state;
	assert_int_equal(claims(SYS_mmap, true, &first), 2);
	assert_true(first->chains);
	assert_int_equal(claims(SYS_mprotect, true, &first), 2);
	assert_true(first->chains);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_slot_routable),
		cmocka_unit_test(test_mmap_is_shared_by_files_and_security),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
