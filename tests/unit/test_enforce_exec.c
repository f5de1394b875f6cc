/* test_enforce_exec.c: the exec rules compiled for the exec-kill hook. The
 * DFA of a glob set accepts exactly what glob_match accepts, and a model of
 * the hook's decision over the compiled tables (the same steps as
 * bpf/policy/exec.bpf.c) matches every example of the contract's exec
 * section, and nothing it should not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "enforce/dfa.h"
#include "enforce/exec_rules.h"
#include "policy/glob.h"
#include "policy/policy.h"

static struct policy P;
static struct dfa_table T;
static struct exec_rules X;
static char err[1024];
static const struct policy_env ENV = {.home = "/home/u", .workspace = "/work/ws"};

static void compile(const char *text)
{
	dfa_table_free(&T);
	assert_int_equal(dfa_table_init(&T), 0);
	if (policy_load_env("p.yaml", text, strlen(text), &ENV, &P, err, sizeof(err)))
		fail_msg("%s", err);
	if (exec_rules_compile(&P, &T, &X, err, sizeof(err)))
		fail_msg("%s", err);
}

static const char *basename_of(const char *s)
{
	const char *b = strrchr(s, '/');
	return b ? b + 1 : s;
}

/* The hook's decision: bits of the rules an exec of exe with argv matches. */
static uint64_t decide(const char *exe, const char *const *argv, int argc)
{
	const struct pr_exec_policy *k = &X.kpol;
	uint64_t pacc = dfa_run(&T, k->path_start, exe, false), m, ok = k->argv_rules, acc;
	int j;

	m = pacc & k->path_rules;
	if (k->allow_only && !(pacc & k->allow_only))
		m |= k->allow_only;
	for (j = 0; j < argc; j++) {
		acc = dfa_run(&T, j < PR_POLICY_ARGV ? k->argv_start[j] : 0,
			      j ? argv[j] : basename_of(argv[j]), false);
		if (j == 0)
			acc |= dfa_run(&T, k->argv_start[0], exe, true) | (pacc & k->argv_rules);
		if (j < PR_POLICY_ARGV)
			ok &= ~k->need[j] | acc;
	}
	if (argc > PR_POLICY_ARGV)
		ok &= k->rest;
	else
		ok &= ~k->need[argc] & ~k->exact[argc];
	return m | ok;
}

#define DECIDE(exe, ...)                                                                           \
	decide(exe, (const char *const[]){__VA_ARGS__},                                            \
	       (int)(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *)))

static void test_dfa_agrees_with_glob_match(void **state)
{
	(void)state;
	static const char *const globs[] = {"/usr/bin/**", "~/x/*.sh", "/a/**/b", "*pytest*",
					    "--force*",	   "/t?p/*",   "**/.env", "/a/**/.env"};
	static const char *const paths[] = {"/usr/bin",
					    "/usr/bin/git",
					    "/usr/binx",
					    "/home/u/x/a.sh",
					    "/home/u/x/y/a.sh",
					    "/a/b",
					    "/a/x/y/b",
					    "/a/xb",
					    "pytest",
					    "python -m pytest",
					    "--force-with-lease",
					    "--forc",
					    "/tmp/q",
					    "/tmp/q/r",
					    ""};
	char exp[POLICY_GLOB_MAX], why[256];
	size_t g, s;
	int path;

	for (path = 0; path < 2; path++)
		for (g = 0; g < sizeof(globs) / sizeof(*globs); g++) {
			struct dfa_glob dg = {exp, path, 1};
			uint32_t start;
			if (glob_compile(globs[g], false, &ENV, exp, sizeof(exp), why, sizeof(why)))
				fail_msg("%s", why);
			dfa_table_free(&T);
			dfa_table_init(&T);
			assert_int_equal(dfa_compile(&T, &dg, 1, &start, err, sizeof(err)), 0);
			for (s = 0; s < sizeof(paths) / sizeof(*paths); s++)
				if ((dfa_run(&T, start, paths[s], false) == 1) !=
				    glob_match(exp, paths[s], path))
					fail_msg("glob %s (path %d) on '%s': dfa %d, glob_match %d",
						 exp, path, paths[s],
						 (int)dfa_run(&T, start, paths[s], false),
						 glob_match(exp, paths[s], path));
		}
}

static const char SPEC[] = "exec:\n"
			   "  deny:\n"
			   "    - argv: [\"git\", \"push\", \"*\", \"--force*\"]\n"
			   "    - argv: [\"git\", \"push\", \"--force*\", \"**\"]\n"
			   "    - path: \"/usr/bin/sudo\"\n"
			   "    - argv: [\"rm\", \"-rf\", \"/\"]\n"
			   "  allow_only: [\"/usr/bin/**\", \"/bin/**\", \"${workspace}/**\"]\n";

static void test_spec_examples(void **state)
{
	(void)state;
	compile(SPEC);
	assert_int_equal(X.nbits, 5);
	assert_int_equal(DECIDE("/usr/bin/git", "git", "push", "origin", "--force"), 1);
	assert_int_equal(DECIDE("/usr/bin/git", "/usr/bin/git", "push", "origin", "--force"), 1);
	assert_int_equal(DECIDE("/usr/bin/git", "./git", "push", "o", "--force-with-lease"), 1);
	assert_int_equal(DECIDE("/usr/bin/git", "git", "push", "--force", "origin", "main"), 2);
	assert_int_equal(DECIDE("/usr/bin/git", "git", "push", "--force"), 2);
	/* the executable's basename counts too: argv[0] renamed */
	assert_int_equal(DECIDE("/usr/bin/git", "g", "push", "--force"), 2);
	assert_int_equal(DECIDE("/usr/bin/git", "git", "push", "origin", "main"), 0);
	assert_int_equal(DECIDE("/usr/bin/git", "git", "push", "origin", "--force", "x"), 0);
	assert_int_equal(DECIDE("/usr/bin/git", "git", "pull", "--force"), 0);
	assert_int_equal(DECIDE("/usr/bin/sudo", "sudo", "true"), 4);
	assert_int_equal(DECIDE("/usr/bin/rm", "rm", "-rf", "/"), 8);
	assert_int_equal(DECIDE("/usr/bin/rm", "rm", "-rf", "/tmp"), 0);
	assert_int_equal(DECIDE("/usr/bin/rm", "rm", "-rf", "/", "x"), 0);
	assert_int_equal(DECIDE("/work/ws/build/a.out", "a.out"), 0);
	assert_int_equal(DECIDE("/tmp/evil", "evil"), 16);
	assert_int_equal(DECIDE("/memfd:x (deleted)", "x"), 16);
	assert_int_equal(DECIDE("/tmp/git", "git", "push", "--force"), 16 | 2);
}

static void test_rule_bits(void **state)
{
	(void)state;
	compile("exec:\n  deny:\n    - argv: [\"a\"]\n    - argv: [\"b\", \"**\"]\n"
		"      effect: notify\n    - argv: [\"c\"]\n      mode: audit\n");
	assert_int_equal(X.kpol.kill, 1);
	assert_int_equal(policy_exec_rule(&P, 2), 2);
	assert_int_equal(policy_exec_rule_bit(&P, 1), 1);
	assert_int_equal(policy_exec_rule(&P, 3), -1);
	assert_int_equal(DECIDE("/bin/b", "b"), 2);
	assert_int_equal(DECIDE("/bin/b", "b", "1", "2"), 2);
	assert_int_equal(DECIDE("/bin/c", "c"), 4);
	assert_int_equal(DECIDE("/bin/c", "c", "x"), 0);
}

/* A label argv rule is an exec rule bit in file order, marked as needing
 * its label (the hook drops it for a process without the label). */
static void test_label_argv_bits(void **state)
{
	(void)state;
	compile("exec:\n  deny:\n    - argv: [\"a\"]\nlabels:\n  s: {sources: [/s]}\n  t: "
		"{sources: [/t]}\nrules:\n  - {name: g, if: {label: t}, deny: {exec: {argv: [git, "
		"push, \"**\"]}}}\n  - {name: p, if: {label: t}, deny: {exec: {path: /bin/x}}}\n");
	assert_int_equal(policy_exec_rule_bit(&P, 1), 1);
	assert_int_equal(policy_exec_rule_bit(&P, 2), -1); /* by path: the labels' own hook */
	assert_int_equal(X.kpol.label_rules, 2);
	assert_int_equal(X.kpol.label_bits[0], 0);
	assert_int_equal(X.kpol.label_bits[1], 2);
	assert_int_equal(X.kpol.kill, 3);
	assert_int_equal(DECIDE("/usr/bin/git", "git", "push", "-f"), 2);
	assert_int_equal(DECIDE("/usr/bin/git", "git", "pull"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dfa_agrees_with_glob_match),
		cmocka_unit_test(test_spec_examples),
		cmocka_unit_test(test_rule_bits),
		cmocka_unit_test(test_label_argv_bits),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	dfa_table_free(&T);
	return rc;
}
