/* test_policy_v2.c: the v2 sections (files, exec, labels, rules): every
 * example of the contract parses to the expected rules, globs compile and
 * match, bad rules and globs that cannot match are refused with their
 * position, limits hold, conflicts name the winner, and rules that would
 * block proctor's own binary are warned about. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy/check.h"
#include "policy/glob.h"
#include "policy/mechanisms.h"
#include "policy/policy.h"

static struct policy P;
static char err[1024];
static const struct policy_env ENV = {.home = "/home/u", .workspace = "/work/ws"};

static int load(const char *text)
{
	err[0] = 0;
	return policy_load_env("p.yaml", text, strlen(text), &ENV, &P, err, sizeof(err));
}

static void fails(const char *text, const char *want)
{
	assert_int_equal(load(text), -1);
	if (strcmp(err, want))
		fail_msg("got  '%s'\nwant '%s'", err, want);
	assert_int_equal(P.nrules, 0); /* nothing half-applied */
	assert_int_equal(P.nglobs, 0);
}

static bool m(const char *glob, const char *path)
{
	char out[POLICY_GLOB_MAX], why[512];
	assert_int_equal(glob_compile(glob, true, &ENV, out, sizeof(out), why, sizeof(why)), 0);
	return glob_match(out, path, true);
}

static void test_globs(void **state)
{
	(void)state;
	assert_true(m("~/.ssh/**", "/home/u/.ssh/id_rsa"));
	assert_true(m("~/.ssh/**", "/home/u/.ssh/a/b/c"));
	assert_true(m("~/.ssh/**", "/home/u/.ssh")); /* the directory itself */
	assert_false(m("~/.ssh/**", "/home/u/.sshx"));
	assert_false(m("~/.ssh/**", "/home/v/.ssh/id_rsa"));
	assert_true(m("**/.env", "/.env"));
	assert_true(m("**/.env", "/a/b/.env"));
	assert_false(m("**/.env", "/a/b/x.env"));
	assert_true(m("/etc/*.conf", "/etc/a.conf"));
	assert_false(m("/etc/*.conf", "/etc/x/a.conf")); /* * stays in one component */
	assert_true(m("/a/**/b", "/a/b"));
	assert_true(m("/a/**/b", "/a/x/y/b"));
	assert_false(m("/a/**/b", "/a/x/yb"));
	assert_true(m("${workspace}/src/**", "/work/ws/src/m.py"));
	assert_false(m("${workspace}/src/**", "/work/wsx/src/m.py"));
	assert_true(m("/tmp/f?", "/tmp/f1"));
	assert_false(m("/tmp/f?", "/tmp/f/"));
	assert_true(m("/x/*/*/*/*/*/*/*/*/*/*/y", "/x/1/2/3/4/5/6/7/8/9/10/y"));
	/* argv elements: * crosses '/' */
	assert_true(glob_match("*pytest*", "/usr/bin/pytest-3", false));
	assert_true(glob_match("--force*", "--force-with-lease", false));
	assert_false(glob_match("--force*", "-f", false));
}

static void glob_refused(const char *glob, const char *why_part)
{
	char out[POLICY_GLOB_MAX], why[512];
	assert_int_equal(glob_compile(glob, true, &ENV, out, sizeof(out), why, sizeof(why)), -1);
	if (!strstr(why, why_part))
		fail_msg("%s: '%s' lacks '%s'", glob, why, why_part);
}

static void test_globs_that_cannot_match(void **state)
{
	(void)state;
	glob_refused("etc/passwd", "can never match: paths are matched as the kernel resolved");
	glob_refused("*/x", "can never match");
	glob_refused("/etc/", "no trailing '/'");
	glob_refused("/a//b", "no '//'");
	glob_refused("/a/../b", "no '.' or '..' component");
	glob_refused("/a/./b", "no '.' or '..' component");
	glob_refused("~bob/x", "only '~' and '~/' are supported");
	glob_refused("${home}/x", "unknown variable");
	glob_refused("", "empty path glob");
}

static void test_spec_examples(void **state)
{
	FILE *f = fopen("tests/e2e/policies/spec_examples.yaml", "r");
	static char text[8192];
	size_t n;
	(void)state;
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = 0;
	assert_int_equal(load(text), 0);
	assert_true(P.has_files && P.has_exec && P.has_labels && P.has_rules && P.egress.present);
	assert_int_equal(P.nrules, 11);
	assert_int_equal(P.nlabels, 1);
	assert_string_equal(P.labels[0].name, "secret");
	assert_int_equal(P.labels[0].sources.n, 4);

	struct policy_rule *r = &P.rules[0];
	assert_int_equal(r->kind, RULE_FILE_DENY);
	assert_string_equal(r->name, "files.deny ~/.ssh/** read,write");
	assert_string_equal(r->reason, "SSH keys are off limits");
	assert_int_equal(r->access, POLICY_READ | POLICY_WRITE);
	assert_string_equal(P.globs[r->object.paths.first].expanded, "/home/u/.ssh/**");
	assert_int_equal(P.rules[1].access, POLICY_ACCESS_ALL);
	assert_string_equal(P.rules[1].reason, "any access to /etc/shadow is denied");
	assert_int_equal(P.rules[2].kind, RULE_WRITE_ONLY_UNDER);
	assert_int_equal(P.rules[2].object.paths.n, 3);
	assert_string_equal(P.rules[3].name, "exec.deny git push * --force*");
	assert_false(P.rules[3].object.argv.rest);
	assert_true(P.rules[4].object.argv.rest);
	assert_int_equal(P.rules[4].object.argv.elem.n, 3);
	assert_string_equal(P.rules[5].name, "exec.deny /usr/bin/sudo");
	assert_int_equal(P.rules[7].kind, RULE_EXEC_ALLOW_ONLY);
	assert_int_equal(P.rules[8].kind, RULE_DECLASSIFY);
	assert_int_equal(P.rules[8].label, 0);
	r = &P.rules[9];
	assert_string_equal(r->name, "no-secret-egress");
	assert_int_equal(r->object.op, OP_CONNECT);
	assert_int_equal(r->label, 0);
	assert_int_equal(r->nexcept, 1);
	assert_string_equal(P.except.rules[r->except_first].name,
			    "allow api.anthropic.com ports 443");
	r = &P.rules[10];
	assert_true(r->has_unless);
	assert_int_equal(r->object.op, OP_EXEC);
	assert_int_equal(r->after.op, OP_WRITE);
	assert_string_equal(P.globs[r->after.paths.first].expanded, "/work/ws/src/**");
	assert_string_equal(P.globs[r->succeeded.elem.first].text, "*pytest*");
	/* argv matching, as the checker uses it */
	const char *push[] = {"/usr/bin/git", "push", "origin", "--force"};
	const char *push2[] = {"git", "push", "--force", "origin", "main"};
	assert_true(policy_argv_match(&P, &P.rules[3].object.argv, "/usr/bin/git", push, 4));
	assert_false(policy_argv_match(&P, &P.rules[3].object.argv, "/usr/bin/git", push2, 5));
	assert_true(policy_argv_match(&P, &P.rules[4].object.argv, "/usr/bin/git", push2, 5));
	assert_true(policy_argv_match(&P, &P.rules[4].object.argv, "/usr/bin/git", push2, 3));
	/* enforcement: egress, exec, files, labels, label connect/exec rules
	 * and the temporal rule: every rule of the spec's examples */
	assert_int_equal(policy_load_enforceable("tests/e2e/policies/spec_examples.yaml", &P, err,
						 sizeof(err)),
			 0);
}

static void test_label_declassify_inline(void **state)
{
	(void)state;
	assert_int_equal(
		load("labels:\n  secret:\n    sources: ['**/.env']\n    declassify: {exec: "
		     "['/usr/bin/gpg', '**']}\n"),
		0);
	assert_int_equal(P.nrules, 1);
	assert_int_equal(P.rules[0].kind, RULE_DECLASSIFY);
	assert_string_equal(P.rules[0].name, "declassify secret by /usr/bin/gpg **");
}

static void test_bad_rules(void **state)
{
	(void)state;
	fails("files:\n  deny:\n    - path: etc/shadow\n",
	      "p.yaml:3:13: 'etc/shadow' can never match: paths are matched as the kernel resolved "
	      "them, absolute (start it with '/', '~', '${workspace}' or '**')");
	fails("files:\n  deny:\n    - access: [read]\n",
	      "p.yaml:3:7: a files.deny entry needs 'path'");
	fails("files:\n  deny:\n    - {path: /x, access: [read, chew]}\n",
	      "p.yaml:3:33: unknown access 'chew' (known: read, write, exec, create, delete, "
	      "rename, metadata)");
	fails("files:\n  deny:\n    - {path: /x, access: [read, read]}\n",
	      "p.yaml:3:33: access 'read' is listed twice");
	fails("files:\n  deny:\n    - {path: /x, colour: red}\n",
	      "p.yaml:3:18: unknown key 'colour' in files.deny (known: path, access, name, reason, "
	      "effect, mode)");
	fails("files:\n  deny:\n    - {path: /x, effect: maybe}\n",
	      "p.yaml:3:26: effect must be 'block', 'kill' or 'notify'");
	fails("files:\n  mode: loud\n", "p.yaml:2:9: mode must be 'enforce' or 'audit'");
	fails("exec:\n  deny:\n    - {argv: [git], path: /usr/bin/git}\n",
	      "p.yaml:3:21: an exec.deny entry has exactly one of 'argv' or 'path'");
	fails("exec:\n  deny:\n    - argv: []\n",
	      "p.yaml:3:13: 'argv' is empty: it needs at least the program");
	fails("exec:\n  deny:\n    - argv: [git, '**', push]\n",
	      "p.yaml:3:19: '**' as an argv element matches the rest, so it must be the last "
	      "element");
	fails("rules:\n  - if: {label: secret}\n    deny: connect\n",
	      "p.yaml:2:17: unknown label 'secret' (define it under 'labels:')");
	fails("labels:\n  s: {sources: ['/x']}\nrules:\n  - deny: fly\n",
	      "p.yaml:4:11: 'deny' must be connect, exec, write or open, or one of {exec: {argv: "
	      "[...]}}, {exec: {path: GLOB}}, {write: GLOB}, {open: GLOB}");
	fails("rules:\n  - deny: write\n    except: [{domain: a.com}]\n",
	      "p.yaml:3:13: 'except' applies to 'deny: connect' only");
	fails("rules:\n  - deny: exec\n    unless: {after: {write: /x}}\n",
	      "p.yaml:3:13: 'unless' needs 'succeeded'");
	fails("rules:\n  - name: a\n    deny: exec\n  - name: a\n    deny: open\n",
	      "p.yaml:4:5: rule name 'a' is already used at line 2; give each rule its own 'name'");
	fails("rules:\n  - reason: x\n", "p.yaml:2:5: a rule needs 'deny' (connect, exec, write or "
					 "open)");
	fails("labels:\n  Secret: {sources: ['/x']}\n",
	      "p.yaml:2:3: label name 'Secret': lower-case letters, digits, '_' and '-', at most "
	      "63");
	fails("rules:\n  - declassify: {exec: [gpg]}\n", "p.yaml:2:17: 'declassify' needs 'label'");
}

static void test_limits(void **state)
{
	static char buf[64 * 1024];
	int i;
	(void)state;
	strcpy(buf, "files:\n  deny:\n");
	for (i = 0; i <= POLICY_MAX_V2_RULES; i++)
		sprintf(buf + strlen(buf), "    - path: /f%d\n", i);
	fails(buf, "p.yaml:131:7: too many rules (at most 128 in files, exec and rules)");
	strcpy(buf, "files:\n  write_only_under: [");
	for (i = 0; i <= POLICY_MAX_GLOBS; i++)
		sprintf(buf + strlen(buf), "%s/g%d", i ? ", " : "", i);
	strcat(buf, "]\n");
	assert_int_equal(load(buf), -1);
	assert_non_null(strstr(err, "too many globs (at most 256 path globs and argv elements in "
				    "all)"));
	strcpy(buf, "labels:\n");
	for (i = 0; i <= POLICY_MAX_LABELS; i++)
		sprintf(buf + strlen(buf), "  l%d: {sources: [/x]}\n", i);
	fails(buf, "p.yaml:18:3: too many labels (at most 16)");
	strcpy(buf, "files:\n  deny:\n    - path: /");
	memset(buf + strlen(buf), 'a', POLICY_GLOB_MAX);
	strcat(buf, "\n");
	fails(buf, "p.yaml:3:13: glob is longer than 511 bytes");
}

static char notes[8][1024];
static int nnotes;

static void on_note(void *ctx, int line, int col, const char *kind, const char *msg)
{
	(void)ctx;
	if (nnotes < 8)
		snprintf(notes[nnotes++], sizeof(notes[0]), "%d:%d: %s: %s", line, col, kind, msg);
}

static void test_conflicts_and_self_block(void **state)
{
	struct policy_target t[] = {{"proctor's own binary", "/opt/proctor/bin/proctor"},
				    {"the agent", "/home/u/.local/bin/claude"}};
	(void)state;
	assert_int_equal(
		load("files:\n  deny:\n    - {path: '/etc/**', effect: notify}\n"
		     "    - {path: /etc/shadow, access: [read], effect: kill}\n"
		     "exec:\n  deny:\n    - path: /opt/proctor/**\n"
		     "  allow_only: ['/usr/**']\n"
		     "rules:\n  - {deny: {exec: {path: /opt/proctor/**}}, effect: notify}\n"),
		0);
	nnotes = 0;
	assert_int_equal(policy_check(&P, t, 2, on_note, NULL), 5);
	assert_string_equal(notes[0], "3:7: conflict: rules 'files.deny /etc/**' (line 3) and "
				      "'files.deny /etc/shadow read' (line 4) both cover "
				      "/etc/shadow; 'files.deny /etc/shadow read' wins: the "
				      "stricter effect wins (kill, then block, then notify)");
	assert_string_equal(notes[1], "10:5: conflict: rules 'exec.deny /opt/proctor/**' (line 7) "
				      "and 'deny exec /opt/proctor/**' (line 10) both cover "
				      "/opt/proctor/**; 'exec.deny /opt/proctor/**' wins: the "
				      "stricter effect wins (kill, then block, then notify)");
	assert_string_equal(notes[2], "7:7: warning: rule 'exec.deny /opt/proctor/**' would block "
				      "proctor's own binary /opt/proctor/bin/proctor");
	assert_string_equal(notes[3], "8:15: warning: rule 'exec.allow_only' would block "
				      "proctor's own binary /opt/proctor/bin/proctor");
	assert_string_equal(notes[4], "8:15: warning: rule 'exec.allow_only' would block "
				      "the agent /home/u/.local/bin/claude");
}

static void test_mechanism_plans(void **state)
{
	struct host_mechanisms h = {0};
	struct rule_plan pl;
	(void)state;
	assert_int_equal(
		load("files:\n  deny:\n    - path: /x\n    - {path: /y, effect: notify}\n"
		     "  write_only_under: [/w/**]\nexec:\n  deny:\n    - argv: [sudo, '**']\n"),
		0);
	h.m[MECH_FANOTIFY].present = true;
	h.m[MECH_EXEC_KILL].present = true;
	snprintf(h.m[MECH_SECCOMP_UNOTIFY].detail, 64, "absent");
	snprintf(h.m[MECH_LANDLOCK].detail, 64, "disabled at boot");
	mechanisms_plan_rule(&h, &P, &P.rules[0], &pl);
	assert_string_equal(pl.mechanism, "fanotify");
	assert_true(pl.enforced && !pl.notify_only); /* its opens, by this build's fanotify */
	assert_string_equal(pl.why, "create, delete, rename and metadata needs seccomp_unotify "
				    "(absent)");
	h.m[MECH_SECCOMP_UNOTIFY].present = true;
	mechanisms_plan_rule(&h, &P, &P.rules[0], &pl);
	assert_string_equal(pl.mechanism, "fanotify+seccomp_unotify");
	assert_string_equal(pl.why, "create, delete, rename and metadata (seccomp_unotify is not "
				    "used by this build yet)");
	h.m[MECH_SECCOMP_UNOTIFY].present = false;
	mechanisms_plan_rule(&h, &P, &P.rules[1], &pl);
	assert_true(pl.notify_only);
	assert_string_equal(pl.why, "effect: notify (recorded and fed back, never blocked)");
	mechanisms_plan_rule(&h, &P, &P.rules[2], &pl);
	assert_string_equal(pl.mechanism, "fanotify"); /* no landlock: fanotify for writes */
	assert_false(pl.enforced); /* this build: write_only_under needs Landlock */
	h.m[MECH_LANDLOCK].present = true;
	mechanisms_plan_rule(&h, &P, &P.rules[2], &pl);
	assert_string_equal(pl.mechanism, "landlock");
	assert_true(pl.enforced);
	h.m[MECH_LANDLOCK].present = false;
	mechanisms_plan_rule(&h, &P, &P.rules[3], &pl);
	assert_string_equal(pl.mechanism, "exec_kill");
	h.m[MECH_EXEC_KILL].present = false;
	snprintf(h.m[MECH_EXEC_KILL].detail, 64, "off");
	mechanisms_plan_rule(&h, &P, &P.rules[3], &pl);
	assert_true(pl.notify_only);
	assert_string_equal(pl.why, "exec by argv needs exec_kill (off)");
	/* exec rules are this build's exec_kill hook's, BPF-LSM or not */
	h.m[MECH_BPF_LSM].present = true;
	mechanisms_plan_rule(&h, &P, &P.rules[3], &pl);
	assert_true(pl.notify_only && !pl.enforced);
	h.m[MECH_EXEC_KILL].present = true;
	mechanisms_plan_rule(&h, &P, &P.rules[3], &pl);
	assert_string_equal(pl.mechanism, "exec_kill");
	assert_true(pl.enforced && !pl.notify_only);
	mechanisms_plan_egress(&h, &pl);
	assert_true(!pl.enforced); /* cgroup_sock_addr is absent in this h */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_globs),
		cmocka_unit_test(test_globs_that_cannot_match),
		cmocka_unit_test(test_spec_examples),
		cmocka_unit_test(test_label_declassify_inline),
		cmocka_unit_test(test_bad_rules),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_conflicts_and_self_block),
		cmocka_unit_test(test_mechanism_plans),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
