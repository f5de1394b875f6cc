/* test_enforce_fan_labels.c: the label rules `if: {label}` with `deny:
 * {open|write: GLOB}` (src/policy/labels.c, src/enforce/fan_rules.c):
 * which rules count as enforced label file rules, which need the session's
 * mounts marked (a bare open or write, a leading-wildcard glob), their limit, and how an opener's
 * open is judged a write from /proc/TID/syscall (registers of the blocked task, never its memory).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sys/fanotify.h>

#include "enforce/fan_rules.h"
#include "policy/labels.h"
#include "policy/policy.h"

static struct policy P;
static char err[1024];
static char why[512];
static const struct policy_env ENV = {.home = "/home/u", .workspace = "/work/ws"};

static int load(const char *text)
{
	return policy_load_env("p.yaml", text, strlen(text), &ENV, &P, err, sizeof(err));
}

#define LABELS "labels:\n  secret: {sources: [\"~/.ssh/**\"]}\nrules:\n"

static void test_file_rules_enforced(void **state)
{
	(void)state;
	assert_int_equal(load(LABELS "  - {name: w, if: {label: secret}, deny: {write: "
				     "\"${workspace}/out/**\"}}\n"
				     "  - {name: o, if: {label: secret}, deny: {open: [\"/srv/a\", "
				     "\"/srv/b/**\"]}}\n"),
			 0);
	assert_true(policy_label_file_rule(&P.rules[0]));
	assert_true(policy_label_file_rule(&P.rules[1]));
	assert_true(policy_label_enforced(&P.rules[0]));
	assert_int_equal(P.rules[1].object.paths.n, 2);
	assert_null(policy_label_unenforced(&P, why, sizeof(why)));
}

static void test_bare_rules_mark_the_mounts(void **state)
{
	(void)state;
	/* a bare deny: write is every regular file: the session's mounts */
	assert_int_equal(load(LABELS "  - {name: w, if: {label: secret}, deny: write}\n"), 0);
	assert_true(policy_label_file_rule(&P.rules[0]));
	assert_null(policy_label_unenforced(&P, why, sizeof(why)));
	assert_true(fan_rules_need_mounts(&P));
	assert_int_equal(fan_rules_mount_mask(&P), FAN_OPEN_PERM);
	/* so is a glob with no literal directory, also in files.deny (its exec
	 * access: exec opens too) */
	assert_int_equal(load(LABELS "  - {name: e, if: {label: secret}, deny: {open: "
				     "\"**/.env\"}}\n"),
			 0);
	assert_true(fan_rules_need_mounts(&P));
	assert_int_equal(load("files:\n  deny:\n    - path: \"**/.env\"\n"), 0);
	assert_int_equal(fan_rules_mount_mask(&P), FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM);
	/* a glob under a literal directory marks only that directory */
	assert_int_equal(load(LABELS "  - {name: o, if: {label: secret}, deny: {open: "
				     "\"/srv/**/.env\"}}\n"),
			 0);
	assert_false(fan_rules_need_mounts(&P));
	/* with unless: a history rule (with its label), not a label file rule */
	assert_int_equal(load(LABELS "  - {name: u, if: {label: secret}, deny: {write: \"/x/**\"}, "
				     "unless: {succeeded: {argv: [pytest, \"**\"]}}}\n"),
			 0);
	assert_false(policy_label_file_rule(&P.rules[0]));
	assert_true(fan_cond_rule(&P.rules[0]));
	assert_null(policy_label_unenforced(&P, why, sizeof(why)));
	/* with except too: not enforced */
	assert_int_equal(load(LABELS
			      "  - {name: c, if: {label: secret}, deny: connect, except: "
			      "[{cidr: 10.0.0.0/8}], unless: {succeeded: {argv: [pytest]}}}\n"),
			 0);
	assert_non_null(policy_label_unenforced(&P, why, sizeof(why)));
}

static void test_at_most_eight(void **state)
{
	char text[4096] = LABELS;
	const struct policy_rule *r;
	int i;

	(void)state;
	for (i = 0; i < 9; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "  - {name: r%d, if: {label: secret}, deny: {open: \"/srv/%d/**\"}}\n", i,
			 i);
	assert_int_equal(load(text), 0);
	r = policy_label_unenforced(&P, why, sizeof(why));
	assert_non_null(r);
	assert_string_equal(r->name, "r8");
	assert_string_equal(why, "at most 8 label rules with deny: connect, 8 except destinations "
				 "in all, 8 label rules with deny: exec and 8 with deny: open or "
				 "write");
}

static void test_syscall_writes(void **state)
{
	(void)state;
	/* openat(AT_FDCWD, p, O_RDONLY) and O_WRONLY|O_CREAT|O_TRUNC */
	assert_false(fan_syscall_writes("257 0xffffffffffffff9c 0x7ffd1000 0x0 0x0 0x0 0x0 "
					"0x7ffd0ff8 0x7f00\n"));
	assert_true(fan_syscall_writes("257 0xffffff9c 0x7ffd1000 0x241 0x1b6 0x0 0x0 0x1 0x2\n"));
	assert_true(fan_syscall_writes("257 0xffffff9c 0x7ffd1000 0x2 0x0 0x0 0x0 0x1 0x2\n"));
	assert_true(fan_syscall_writes("257 0xffffff9c 0x7ffd1000 0x200 0x0 0x0 0x0 0x1 0x2\n"));
	assert_false(fan_syscall_writes("257 0xffffff9c 0x7ffd1000 0x80000 0x0 0x0 0x0 0x1 0x2\n"));
	/* open(p, flags): the second argument */
	assert_false(fan_syscall_writes("2 0x7ffd1000 0x0 0x0 0x0 0x0 0x0 0x1 0x2\n"));
	assert_true(fan_syscall_writes("2 0x7ffd1000 0x1 0x0 0x0 0x0 0x0 0x1 0x2\n"));
	/* ia32 open (5) and openat (295) */
	assert_false(fan_syscall_writes("5 0x8000 0x0 0x0 0x0 0x0 0x0 0x1 0x2\n"));
	assert_true(fan_syscall_writes("295 0xffffff9c 0x8000 0x1 0x0 0x0 0x0 0x1 0x2\n"));
	/* open_by_handle_at(mount_fd, handle, flags) */
	assert_false(fan_syscall_writes("304 0x3 0x7ffd1000 0x0 0x0 0x0 0x0 0x1 0x2\n"));
	/* exec opens its image for reading */
	assert_false(
		fan_syscall_writes("59 0x7ffd1000 0x7ffd2000 0x7ffd3000 0x0 0x0 0x0 0x1 0x2\n"));
	/* creat writes; openat2's flags are in memory: fail closed; so is anything unknown */
	assert_true(fan_syscall_writes("85 0x7ffd1000 0x1a4 0x0 0x0 0x0 0x0 0x1 0x2\n"));
	assert_true(
		fan_syscall_writes("437 0xffffff9c 0x7ffd1000 0x7ffd2000 0x18 0x0 0x0 0x1 0x2\n"));
	assert_true(fan_syscall_writes("426 0x3 0x1 0x0 0x0 0x0 0x0 0x1 0x2\n"));
	assert_true(fan_syscall_writes("running\n"));
	assert_true(fan_syscall_writes(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_rules_enforced),
		cmocka_unit_test(test_bare_rules_mark_the_mounts),
		cmocka_unit_test(test_at_most_eight),
		cmocka_unit_test(test_syscall_writes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
