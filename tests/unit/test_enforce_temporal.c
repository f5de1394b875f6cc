/* test_enforce_temporal.c: temporal rules compiled for the kernel
 * (src/enforce/temporal.c, src/enforce/exec_rules.c): which rules count as
 * enforced temporal rules, the deny and watch bits, and the after DFA that
 * the open and exec hooks run on resolved paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "enforce/dfa.h"
#include "enforce/exec_rules.h"
#include "enforce/temporal.h"
#include "policy/labels.h"
#include "policy/policy.h"
#include "policy/temporal.h"

static struct policy P;
static struct dfa_table T;
static struct exec_rules X;
static struct pr_temporal_policy TP;
static char err[1024];
static const struct policy_env ENV = {.home = "/home/u", .workspace = "/work/ws"};

static const char SPEC[] = "exec:\n"
			   "  deny:\n"
			   "    - argv: [\"git\", \"push\", \"--force*\", \"**\"]\n"
			   "rules:\n"
			   "  - name: tests-before-commit\n"
			   "    deny: {exec: {argv: [\"git\", \"commit\", \"**\"]}}\n"
			   "    unless:\n"
			   "      succeeded: {argv: [\"*pytest*\", \"**\"]}\n"
			   "      after: {write: \"${workspace}/src/**\"}\n"
			   "  - name: lint-before-push\n"
			   "    deny: {exec: {argv: [\"git\", \"push\", \"**\"]}}\n"
			   "    unless:\n"
			   "      succeeded: {argv: [\"ruff\", \"check\", \"**\"]}\n";

static bool compile(const char *text)
{
	bool any = false;

	dfa_table_free(&T);
	assert_int_equal(dfa_table_init(&T), 0);
	if (policy_load_env("p.yaml", text, strlen(text), &ENV, &P, err, sizeof(err)))
		fail_msg("%s", err);
	if (exec_rules_compile(&P, &T, &X, err, sizeof(err)))
		fail_msg("%s", err);
	if (temporal_compile(&P, &T, &TP, &any, err, sizeof(err)))
		fail_msg("%s", err);
	return any;
}

/* Every rule of P is enforced by this build (labels.c names the first that is not). */
static bool rules_enforced(void)
{
	char why[160];

	return !policy_label_unenforced(&P, why, sizeof(why));
}

static void test_bits(void **state)
{
	(void)state;
	assert_true(compile(SPEC));
	assert_true(rules_enforced());
	assert_int_equal(policy_temporal_count(&P), 2);
	/* exec rule bits: exec.deny 0, the two temporal denies 1 and 2; then
	 * the two succeeded patterns 3 and 4 */
	assert_int_equal(X.nbits, 5);
	assert_int_equal(TP.deny, 0x6);
	assert_int_equal(TP.watch, 0x18);
	assert_int_equal(TP.deny_of[0], 0x2);
	assert_int_equal(TP.watch_of[0], 0x8);
	assert_int_equal(TP.deny_of[1], 0x4);
	assert_int_equal(TP.watch_of[1], 0x10);
	assert_int_equal(TP.after_write, 0x2);
	assert_int_equal(TP.after_open | TP.after_exec, 0);
	/* only real denies kill; the watch bits are argv rules of the DFAs */
	assert_int_equal(X.kpol.kill, 0x7);
	assert_int_equal(X.kpol.argv_rules, 0x1f);
	assert_int_equal(policy_exec_rule(&P, 1), 1);
	assert_int_equal(policy_exec_rule(&P, 3), -1);
}

static void test_after_dfa(void **state)
{
	(void)state;
	compile(SPEC);
	assert_int_equal(dfa_run(&T, TP.after_start, "/work/ws/src/a.py", false), 0x2);
	assert_int_equal(dfa_run(&T, TP.after_start, "/work/ws/src/__pycache__/a.pyc", false), 0x2);
	assert_int_equal(dfa_run(&T, TP.after_start, "/work/ws/src", false), 0x2);
	assert_int_equal(dfa_run(&T, TP.after_start, "/work/ws/srcx/a.py", false), 0);
	assert_int_equal(dfa_run(&T, TP.after_start, "/work/ws/notes.txt", false), 0);
	assert_int_equal(dfa_run(&T, TP.after_start, "/work/ws/.git/index", false), 0);
}

static void test_watch_patterns(void **state)
{
	(void)state;
	compile(SPEC);
	/* argument 0 by its basename: pytest, /usr/bin/pytest-3, py.test won't */
	assert_int_equal(dfa_run(&T, X.kpol.argv_start[0], "/usr/bin/pytest", true) & TP.watch,
			 0x8);
	assert_int_equal(dfa_run(&T, X.kpol.argv_start[0], "pytest-3", true) & TP.watch, 0x8);
	assert_int_equal(dfa_run(&T, X.kpol.argv_start[0], "py.test", true) & TP.watch, 0);
	assert_int_equal(dfa_run(&T, X.kpol.argv_start[0], "ruff", true) & TP.watch, 0x10);
	assert_int_equal(dfa_run(&T, X.kpol.argv_start[1], "check", false) & TP.watch, 0x10);
}

static void test_what_is_not_temporal(void **state)
{
	(void)state;
	/* a label condition without unless (a label argv rule, enforced by the
	 * exec rules): not this engine's */
	assert_false(compile("labels:\n  s:\n    sources: [/x]\nrules:\n"
			     "  - if: {label: s}\n    deny: {exec: {argv: [git, commit]}}\n"));
	assert_true(rules_enforced());
	/* an after by argv: its own bit after the watch bits, never a deny */
	assert_true(
		compile("rules:\n  - deny: {exec: {argv: [git, commit]}}\n    unless:\n"
			"      succeeded: {argv: [make]}\n      after: {exec: {argv: [vi]}}\n"));
	assert_true(rules_enforced());
	assert_int_equal(TP.after_exec, 0);
	assert_int_equal(TP.after_argv, 0x4);
	assert_int_equal(TP.after_argv_of[0], 0x4);
	assert_int_equal(dfa_run(&T, X.kpol.argv_start[0], "vi", true) & TP.after_argv, 0x4);
	assert_int_equal(X.kpol.kill & TP.after_argv, 0);
	/* a connect with unless: not enforced */
	assert_false(compile("rules:\n  - deny: connect\n    unless:\n"
			     "      succeeded: {argv: [make]}\n"));
	assert_false(rules_enforced());
	assert_true(compile("rules:\n  - deny: {exec: {path: /usr/bin/git}}\n    unless:\n"
			    "      succeeded: {argv: [make, test]}\n"
			    "      after: {exec: {path: /usr/bin/vi}}\n"));
	assert_int_equal(TP.after_exec, 0x1);
	assert_int_equal(dfa_run(&T, TP.after_start, "/usr/bin/vi", false), 0x1);
}

/* A temporal rule denying a write: its exec rule bit names its satisfied
 * bit and matches no exec (no pattern, never a kill); its succeeded pattern
 * is a watch bit as for an exec rule. */
static void test_write_rule_bits(void **state)
{
	(void)state;
	assert_true(compile("rules:\n  - name: w\n    deny: {write: \"/ws/dist/**\"}\n"
			    "    unless:\n      succeeded: {argv: [make, test]}\n"
			    "      after: {write: \"/ws/src/**\"}\n"));
	assert_true(policy_rule_temporal_file(&P.rules[0]));
	assert_true(rules_enforced());
	assert_int_equal(policy_exec_rule_bit(&P, 0), 0);
	assert_int_equal(TP.deny_of[0], 0x1);
	assert_int_equal(TP.watch_of[0], 0x2);
	assert_int_equal(X.kpol.kill, 0);
	assert_int_equal(X.kpol.path_rules | X.kpol.argv_rules, 0x2); /* the watch only */
	assert_int_equal(dfa_run(&T, X.kpol.path_start, "/ws/dist/x", false), 0);
	assert_int_equal(TP.after_write, 0x1);
	/* an open without a glob is not one */
	assert_false(compile("rules:\n  - name: o\n    deny: open\n"
			     "    unless: {succeeded: {argv: [make]}}\n"));
}

static void test_too_many(void **state)
{
	char text[8192] = "rules:\n";
	bool any;
	int i;

	(void)state;
	for (i = 0; i < PR_TEMPORAL_RULES + 1; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "  - name: r%d\n    deny: {exec: {argv: [c%d]}}\n"
			 "    unless: {succeeded: {argv: [t]}}\n",
			 i, i);
	dfa_table_free(&T);
	assert_int_equal(dfa_table_init(&T), 0);
	assert_int_equal(policy_load_env("p.yaml", text, strlen(text), &ENV, &P, err, sizeof(err)),
			 0);
	assert_int_equal(exec_rules_compile(&P, &T, &X, err, sizeof(err)), 0);
	assert_int_equal(temporal_compile(&P, &T, &TP, &any, err, sizeof(err)), -1);
	assert_string_equal(err, "p.yaml:26:5: more than 8 temporal rules");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bits),
		cmocka_unit_test(test_after_dfa),
		cmocka_unit_test(test_watch_patterns),
		cmocka_unit_test(test_what_is_not_temporal),
		cmocka_unit_test(test_write_rule_bits),
		cmocka_unit_test(test_too_many),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	dfa_table_free(&T);
	return rc;
}
