/* test_sessions_kernel.c: one loaded BPF instance tracks several sessions at
 * once: two session cgroups, a process in each, and every record carries the
 * right session. Needs root (loads BPF, makes cgroups). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe/cgroup.h"
#include "app/app.h"
#include "util/util.h"

#define N 2

static void test_two_sessions_one_instance(void **state)
{
	static struct app rec;
	struct session s[N];
	char mnt[4096], abs[N][4096], rel[N][4096], err[4096], out[64], line[8192], name[64];
	int go[N][2], k, seen[N] = {0};
	pid_t pid[N];
	FILE *f;
	(void)state;

	if (geteuid() != 0) {
		print_message("skipped: needs root (%s)\n", "loads BPF and makes cgroups");
		skip();
	}
	snprintf(out, sizeof(out), "/tmp/proctor-sessions-%d.jsonl", getpid());
	snprintf(line, sizeof(line), "jsonl:%s", out);
	assert_int_equal(app_init(&rec, err, sizeof(err)), 0);
	assert_int_equal(pipeline_add_sink(&rec.pipeline, line, err, sizeof(err)), 0);
	assert_int_equal(app_start_probe(&rec, 0, err, sizeof(err)), 0);
	assert_int_equal(cgroup2_mount(mnt, sizeof(mnt), err, sizeof(err)), 0);

	for (k = 0; k < N; k++) {
		session_init(&s[k], k ? "agent-b" : "agent-a", "multi");
		snprintf(name, sizeof(name), "unit-multi-%d-%d", getpid(), k);
		assert_int_equal(cgroup_create(mnt, name, abs[k], sizeof(abs[k]), rel[k],
					       sizeof(rel[k]), err, sizeof(err)),
				 0);
		assert_int_equal(cgroup_id(abs[k], &s[k].cgroup_id), 0);
		assert_int_equal(pipe(go[k]), 0);
		if (!(pid[k] = fork())) {
			char c, arg[32];
			(void)!read(go[k][0], &c, 1);
			snprintf(arg, sizeof(arg), "session-%d", k);
			execl("/bin/echo", "echo", arg, (char *)NULL);
			_exit(127);
		}
		assert_int_equal(cgroup_move(abs[k], pid[k]), 0);
		assert_int_equal(
			app_add_session(&rec, &s[k], rel[k], (uint32_t)pid[k], err, sizeof(err)),
			0);
	}
	for (k = 0; k < N; k++) {
		(void)!write(go[k][1], "g", 1);
		waitpid(pid[k], NULL, 0);
	}
	for (k = 0; k < 20; k++) {
		app_drain(&rec);
		usleep(10000);
	}
	for (k = 0; k < N; k++) {
		app_end_session(&rec, &s[k]);
		assert_int_equal(s[k].drops, 0);
		assert_true(s[k].events >= 2); /* exec + exit (+ file events of echo) */
		cgroup_remove(abs[k]);
	}
	app_destroy(&rec);

	assert_non_null(f = fopen(out, "r"));
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "\"process.exec\""))
			continue;
		for (k = 0; k < N; k++) {
			char want_ses[96], want_arg[32];
			snprintf(want_ses, sizeof(want_ses), "\"session\":\"%.40s\"", s[k].id);
			snprintf(want_arg, sizeof(want_arg), "\"session-%d\"", k);
			if (strstr(line, want_arg)) {
				assert_non_null(strstr(line, want_ses));
				assert_non_null(strstr(line, k ? "\"agent-b\"" : "\"agent-a\""));
				seen[k]++;
			}
		}
	}
	fclose(f);
	unlink(out);
	for (k = 0; k < N; k++)
		assert_int_equal(seen[k], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_sessions_one_instance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
