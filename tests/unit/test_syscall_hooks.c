/* test_syscall_hooks.c: the one syscall table (include/proctor/syscalls.h)
 * routes: the real routing rule (syscall_route_plan) accepts it, mmap and
 * mprotect reach both the file and the security family, every routed program
 * exists in the built BPF object with the tracepoint its direction needs,
 * and every number agrees with libseccomp's tables for x86_64 and aarch64. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <seccomp.h>

#include "probe/syscall_table.h"
#include "proctor/abi.h"

static enum syscall_slot slots[SYSCALL_ROUTES_MAX];

static void test_route_plan_accepts_the_table(void **state)
{
	char err[256] = "";
	size_t n = syscall_hook_count();

	(void)state;
	assert_true(n > 0 && n <= sizeof(slots) / sizeof(slots[0]));
	if (syscall_route_plan(syscall_hooks, slots, n, err, sizeof(err)))
		fail_msg("routing plan refused the table: %s", err);
}

/* The rule itself: a second claimant only behind a first that chains, and
 * never a third; a syscall the architecture lacks is skipped. */
static void test_route_plan_rule(void **state)
{
	const struct syscall_hook unchained[] = {
		{1, "a", true, false, "x"}, {1, "b", true, false, "y"}, {.prog = NULL}};
	const struct syscall_hook chained[] = {{1, "a", true, true, "x"},
					       {1, "b", true, false, "y"},
					       {1, "a", false, false, "x"},
					       {-1, "c", true, false, "y"},
					       {.prog = NULL}};
	const struct syscall_hook third[] = {{1, "a", true, true, "x"},
					     {1, "b", true, true, "y"},
					     {1, "c", true, false, "z"},
					     {.prog = NULL}};
	enum syscall_slot sl[4];
	char err[256] = "";

	(void)state;
	assert_int_equal(syscall_route_plan(unchained, sl, 2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "the first must chain"));
	assert_int_equal(syscall_route_plan(chained, sl, 4, err, sizeof(err)), 0);
	assert_int_equal(sl[0], SLOT_TAIL);
	assert_int_equal(sl[1], SLOT_CHAIN);
	assert_int_equal(sl[2], SLOT_TAIL); /* the other direction */
	assert_int_equal(sl[3], SLOT_ABSENT);
	assert_int_equal(syscall_route_plan(third, sl, 3, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "chained program already"));
}

/* slot of the route (nr, direction, program) */
static enum syscall_slot slot_of(long nr, bool on_exit, const char *prog)
{
	size_t i, n = syscall_hook_count();
	char err[256];

	assert_int_equal(syscall_route_plan(syscall_hooks, slots, n, err, sizeof(err)), 0);
	for (i = 0; i < n; i++)
		if (syscall_hooks[i].nr == nr && syscall_hooks[i].on_exit == on_exit &&
		    !strcmp(syscall_hooks[i].prog, prog))
			return slots[i];
	fail_msg("no route %ld -> %s", nr, prog);
	return SLOT_ABSENT;
}

static void test_mmap_is_shared_by_files_and_security(void **state)
{
	(void)state;
	assert_int_equal(slot_of(PR_NR_mmap, true, "tail_file_mmap"), SLOT_TAIL);
	assert_int_equal(slot_of(PR_NR_mmap, true, "tail_sec_mmap_exit"), SLOT_CHAIN);
	assert_int_equal(slot_of(PR_NR_mprotect, true, "tail_file_mprotect"), SLOT_TAIL);
	assert_int_equal(slot_of(PR_NR_mprotect, true, "tail_sec_mprotect_exit"), SLOT_CHAIN);
	assert_int_equal(slot_of(PR_NR_setuid, false, "tail_sec_cred_enter"), SLOT_TAIL);
	assert_int_equal(slot_of(PR_NR_setuid, true, "tail_sec_setuid_exit"), SLOT_TAIL);
}

static void check_prog(struct bpf_object *obj, const char *name, const char *sec)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);

	if (!p)
		fail_msg("routed program '%s' is not in the BPF object", name);
	if (strcmp(bpf_program__section_name(p), sec))
		fail_msg("'%s' is in section %s, its route needs %s", name,
			 bpf_program__section_name(p), sec);
}

static void test_every_routed_program_exists(void **state)
{
	const char *path = getenv("PROCTOR_BPF_OBJ");
	struct bpf_object *obj;
	const struct syscall_hook *h;

	(void)state;
	obj = bpf_object__open_file(path ? path : "build/proctor.bpf.o", NULL);
	if (!obj)
		fail_msg("cannot open the BPF object (build it first)");
	for (h = syscall_hooks; h->prog; h++)
		check_prog(obj, h->prog, h->on_exit ? "tp_btf/sys_exit" : "tp_btf/sys_enter");
	check_prog(obj, PR_IA32_PROG, "tp_btf/sys_enter");
	for (h = ia32_hooks; h->prog; h++)
		check_prog(obj, h->prog, h->on_exit ? "tp_btf/sys_exit" : "tp_btf/sys_enter");
	bpf_object__close(obj);
}

/* libseccomp (2.5) does not know these yet: the generic numbers, same on both. */
static bool newer_than_libseccomp(const char *name)
{
	return !strcmp(name, "setxattrat") || !strcmp(name, "removexattrat");
}

static void check_nr(const char *name, int x86_64, int arm64)
{
	int a = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name);
	int b = seccomp_syscall_resolve_name_arch(SCMP_ARCH_AARCH64, name);

	if (newer_than_libseccomp(name))
		return;
	if (a != x86_64)
		fail_msg("%s: x86_64 number %d, libseccomp says %d", name, x86_64, a);
	if (b < 0)
		b = PR_NR_NONE; /* libseccomp's pseudo numbers: no such syscall */
	if (b != arm64)
		fail_msg("%s: arm64 number %d, libseccomp says %d", name, arm64, b);
}

static void test_numbers_agree_with_libseccomp(void **state)
{
	(void)state;
#define CHECK(name, x86_64, arm64) check_nr(#name, x86_64, arm64);
	PR_SYSCALLS(CHECK)
#undef CHECK
	assert_string_equal(syscall_name(PR_NR_openat2), "openat2");
	assert_string_equal(syscall_name(PR_NR_clone3), "clone3");
	assert_null(syscall_name(100000));
}

/* The i386 numbers of the ia32 routes, and the native namesake of each
 * (the record an ia32 call makes is the native one's). */
static void check_nr32(const char *i386_name, int i386, bool native)
{
	int n = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, i386_name);

	if (!strcmp(i386_name, "fchmodat2")) /* newer than libseccomp 2.5: generic number */
		n = 452;
	/* libseccomp 2.5 knows the direct socket calls (359+, and sendmmsg 345)
	 * only as socketcall's pseudo numbers (-100 - SYS_*): it names them, the
	 * number is unchecked */
	if (n <= -101 && n >= -120 && ((i386 >= 359 && i386 <= 373) || i386 == 345))
		n = i386;
	if (n != i386)
		fail_msg("%s: i386 number %d, libseccomp says %d", i386_name, i386, n);
	if (!native)
		fail_msg("%s has no native namesake", i386_name);
}

static void test_ia32_numbers_agree_with_libseccomp(void **state)
{
	size_t n = 0;
	const struct syscall_hook *h;

	(void)state;
#define CHECK32(name, i386_name, i386, prog) check_nr32(#i386_name, i386, PR_NR_##name >= 0);
	PR_IA32_SYSCALLS(CHECK32)
	PR_IA32_ENTER_SYSCALLS(CHECK32)
#undef CHECK32
	assert_int_equal(seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, "socketcall"),
			 PR_NR32_socketcall);
	/* the i386 numbers do not collide, and every one fits the prog array */
	for (h = ia32_hooks; h->prog; h++, n++) {
		const struct syscall_hook *g;

		assert_true(h->nr > 0 && h->nr < PR_SYSCALL_SLOTS);
		for (g = ia32_hooks; g != h; g++)
			if (g->on_exit == h->on_exit)
				assert_int_not_equal(g->nr, h->nr);
	}
	assert_true(n > 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_plan_accepts_the_table),
		cmocka_unit_test(test_route_plan_rule),
		cmocka_unit_test(test_mmap_is_shared_by_files_and_security),
		cmocka_unit_test(test_every_routed_program_exists),
		cmocka_unit_test(test_numbers_agree_with_libseccomp),
		cmocka_unit_test(test_ia32_numbers_agree_with_libseccomp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
