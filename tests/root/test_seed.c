/* test_seed.c: seeding finds processes already inside a cgroup (and its
 * descendants) from /proc. Needs root: it makes a real cgroup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model/proctree.h"
#include "probe/cgroup.h"

struct found {
	uint32_t pids[16];
	int n;
};

static void collect(void *ctx, uint32_t pid)
{
	struct found *f = ctx;
	if (f->n < 16)
		f->pids[f->n++] = pid;
}

static void test_scan_finds_cgroup_members(void **state)
{
	char mnt[4096], abs[4096], rel[4096], sub[4200], err[256], name[64];
	struct found f = {0};
	pid_t a, b;
	int i;
	(void)state;

	if (geteuid() != 0) {
		print_message("skipped: needs root (%s)\n", "makes a cgroup");
		skip();
	}
	assert_int_equal(cgroup2_mount(mnt, sizeof(mnt), err, sizeof(err)), 0);
	snprintf(name, sizeof(name), "unit-seed-%d", getpid());
	assert_int_equal(
		cgroup_create(mnt, name, abs, sizeof(abs), rel, sizeof(rel), err, sizeof(err)), 0);
	snprintf(sub, sizeof(sub), "%s/inner", abs);
	assert_int_equal(mkdir(sub, 0755), 0);
	if (!(a = fork())) {
		pause();
		_exit(0);
	}
	if (!(b = fork())) {
		pause();
		_exit(0);
	}
	assert_int_equal(cgroup_move(abs, a), 0);
	assert_int_equal(cgroup_move(sub, b), 0);
	assert_int_equal(proctree_scan_cgroup(rel, collect, &f), 2);
	for (i = 0; i < f.n; i++)
		assert_true(f.pids[i] == (uint32_t)a || f.pids[i] == (uint32_t)b);
	assert_true(cgroup_populated(abs));
	cgroup_kill(abs);
	waitpid(a, NULL, 0);
	waitpid(b, NULL, 0);
	for (i = 0; i < 100 && cgroup_populated(abs); i++)
		usleep(10000);
	assert_int_equal(cgroup_remove(abs), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_finds_cgroup_members),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
