/* test_hook_feed.c: the feedback feed's reading side (cli/hook_feed.h): a
 * PostToolUse hook's window is the violations after the session's previous
 * hook exec and up to its own, by time, whatever order the lines came in;
 * without its own line (a timeout) the window starts at the last hook seen;
 * pid 0 is every violation; a violation is described with rule, verdict,
 * mechanism, reason and what was attempted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli/hook_feed.h"

static json_t *viol(long long t, const char *rule)
{
	return json_pack("{s:I,s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I}}", "t", (json_int_t)t,
			 "violation", "policy.rule", rule, "policy.verdict", "blocked",
			 "policy.mechanism", "fanotify", "policy.reason", "no", "policy.access",
			 "open", "file.path", "/k", "process.executable.path", "/usr/bin/cat",
			 "process.pid", (json_int_t)7);
}

static json_t *hook(long long t, int pid)
{
	return json_pack("{s:I,s:i}", "t", (json_int_t)t, "hook", pid);
}

static const char *rules(json_t *vs)
{
	static char buf[256];
	size_t i, n = 0;
	json_t *v;

	buf[0] = 0;
	json_array_foreach(vs, i, v) n +=
		(size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "",
				 json_string_value(json_object_get(v, "policy.rule")));
	json_decref(vs);
	return buf;
}

static void test_window(void **state)
{
	struct feed f = {.lines = json_array()};

	(void)state;
	json_array_append_new(f.lines, viol(5, "before"));
	json_array_append_new(f.lines, hook(10, 100)); /* PreToolUse */
	json_array_append_new(f.lines, viol(20, "during"));
	json_array_append_new(f.lines, hook(30, 200));	       /* PostToolUse */
	json_array_append_new(f.lines, viol(15, "late-line")); /* written after, happened during */
	json_array_append_new(f.lines, viol(40, "after"));
	assert_string_equal(rules(feed_violations(&f, 200)), "during,late-line");
	assert_string_equal(rules(feed_violations(&f, 100)), "before");
	assert_string_equal(rules(feed_violations(&f, 999)), "after"); /* not seen: since pid 200 */
	assert_string_equal(rules(feed_violations(&f, 0)), "before,during,late-line,after");
	feed_free(&f);
}

static void test_describe(void **state)
{
	json_t *v = viol(1, "no-keys");
	char buf[512];

	(void)state;
	feed_describe(json_object_get(v, "violation"), buf, sizeof(buf));
	assert_string_equal(buf, "rule 'no-keys' (blocked by fanotify): no; attempted: open /k by "
				 "cat (pid 7)");
	json_object_del(json_object_get(v, "violation"), "file.path");
	json_object_set_new(json_object_get(v, "violation"), "process.command_line",
			    json_string("git push --force"));
	feed_describe(json_object_get(v, "violation"), buf, sizeof(buf));
	assert_string_equal(buf, "rule 'no-keys' (blocked by fanotify): no; attempted: exec git "
				 "push --force (pid 7)");
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_describe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
