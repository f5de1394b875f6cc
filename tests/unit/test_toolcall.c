/* test_toolcall.c: tool call -> processes (src/app/toolcall.c): a command
 * with quotes matches the exec that holds it as Claude Code's eval quotes
 * it ('"'"') or as '\'' quotes it, and as is; an exec that holds a
 * different command, or the agent's own exec, is not linked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "app/toolcall.h"

#define AGENT 100
#define KEY   7

/* One exec of pid (child of ppid) with argv; the tool call id it got. */
static const char *exec_of(struct toolcalls *t, struct proctree *procs, uint32_t pid, uint32_t ppid,
			   const char *const *argv, uint32_t argc)
{
	static char got[128];
	struct pr_hdr h = {.type = PR_EV_PROC_EXEC, .session_key = KEY, .pid = pid, .ppid = ppid};
	struct record r;
	const char *id;

	proctree_upsert(procs, pid)->ppid = ppid;
	record_init(&r);
	record_begin(&r, PR_EV_PROC_EXEC, "process.exec", 1);
	record_add_strv(&r, "process.command_args", argv, argc);
	toolcalls_note(t, procs, &h, &r);
	id = record_get_str(&r, "gen_ai.tool.call.id");
	snprintf(got, sizeof(got), "%s", id ? id : "");
	record_free(&r);
	return got;
}

static void test_quoted_forms(void **state)
{
	static const char cmd[] = "sh -c 'cat /etc/hostname | wc -c'";
	const char *claude[] = {"/bin/bash", "-c",
				"source snap.sh && eval 'sh -c '\"'\"'cat /etc/hostname | wc -c'"
				"\"'\"'' < /dev/null && pwd -P"};
	const char *other[] = {"bash", "-c", "eval 'sh -c '\\''cat /etc/hostname | wc -c'\\'''"};
	const char *plain[] = {"bash", "-lc", cmd};
	const char *wrong[] = {"bash", "-c", "eval 'sh -c '\"'\"'cat /etc/passwd'\"'\"''"};
	struct toolcalls t = {0};
	struct proctree procs;

	(void)state;
	assert_int_equal(proctree_init(&procs), 0);
	proctree_upsert(&procs, AGENT)->ppid = 1;
	toolcalls_expect(&t, KEY, AGENT, "toolu_1", cmd);
	assert_string_equal(exec_of(&t, &procs, AGENT, 1, claude, 3), ""); /* the agent itself */
	assert_string_equal(exec_of(&t, &procs, 201, AGENT, wrong, 3), "");
	assert_string_equal(exec_of(&t, &procs, 202, AGENT, claude, 3), "toolu_1");
	toolcalls_expect(&t, KEY, AGENT, "toolu_2", cmd);
	assert_string_equal(exec_of(&t, &procs, 203, AGENT, other, 3), "toolu_2");
	toolcalls_expect(&t, KEY, AGENT, "toolu_3", cmd);
	assert_string_equal(exec_of(&t, &procs, 204, AGENT, plain, 3), "toolu_3");
	toolcalls_free(&t);
	proctree_free(&procs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quoted_forms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
