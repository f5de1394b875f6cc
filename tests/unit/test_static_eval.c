/* test_static_eval.c: the policy judged on what a tool says it will do
 * (policy/static_eval.h, `proctor hook`): a shell line split into simple
 * commands and redirections, each checked against the exec and files rules
 * with the right rule named; quoting cannot hide a program or a target;
 * audit and notify rules never deny; an unterminated quote is an error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "policy/policy.h"
#include "policy/static_eval.h"

static struct policy P;
static const struct policy_env ENV = {.home = "/home/u", .workspace = "/work/ws"};
static const char *const POLICY =
	"files:\n"
	"  deny:\n"
	"    - {path: \"~/.ssh/**\", name: no-ssh, reason: SSH keys are off limits}\n"
	"    - {path: /etc/audit-only, mode: audit}\n"
	"  write_only_under: [\"${workspace}/**\", \"/tmp/**\"]\n"
	"exec:\n"
	"  deny:\n"
	"    - {argv: [git, push, \"--force*\", \"**\"], name: no-force, reason: no force pushes}\n"
	"    - {argv: [git, push, \"*\", \"--force*\"], name: no-force-2}\n"
	"    - {path: /usr/bin/tee, name: no-tee}\n"
	"    - {argv: [curl, \"**\"], effect: notify}\n";

static int setup(void **state)
{
	char err[1024];

	(void)state;
	if (policy_load_env("p.yaml", POLICY, strlen(POLICY), &ENV, &P, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

/* The name of the rule that denies line, or "" */
static const char *shell(const char *line)
{
	static struct se_verdict v;
	char why[256];

	assert_int_equal(se_eval_shell(&P, line, strlen(line), "/work/ws", "/usr/bin:/bin", &v, why,
				       sizeof(why)),
			 0);
	return v.rule >= 0 ? P.rules[v.rule].name : "";
}

static void test_simple_commands(void **state)
{
	(void)state;
	assert_string_equal(shell("git push --force origin main"), "no-force");
	assert_string_equal(shell("git push origin --force-with-lease"), "no-force-2");
	assert_string_equal(shell("git push origin main"), "");
	assert_string_equal(shell("ls; git status && git push -f origin || git push --force"),
			    "no-force");
	assert_string_equal(shell("echo hi | GIT_DIR=x git push --force"), "no-force");
	assert_string_equal(shell("(cd sub && git push --force)"), "no-force");
	assert_string_equal(shell("env -i PATH=/usr/bin git push --force"), "no-force");
	assert_string_equal(shell("nohup /usr/bin/git push --force &"), "no-force");
	assert_string_equal(shell("tee x"), "no-tee");
	assert_string_equal(shell("curl http://x"), ""); /* notify never denies */
	assert_string_equal(shell("echo git push --force"), "");
	assert_string_equal(shell("# git push --force\nls"), "");
}

static void test_quotes_do_not_hide(void **state)
{
	(void)state;
	assert_string_equal(shell("'git' \"push\" --for\\ce"), "no-force");
	assert_string_equal(shell("g\"i\"t push --force"), "no-force");
	assert_string_equal(shell("echo 'git push --force; tee x'"), "");
}

static void test_redirections_are_writes(void **state)
{
	(void)state;
	assert_string_equal(shell("echo x > ~/.ssh/id_rsa"), "no-ssh");
	assert_string_equal(shell("echo x>>/home/u/.ssh/authorized_keys"), "no-ssh");
	assert_string_equal(shell("echo x > out.txt 2>&1"), "");
	assert_string_equal(shell("echo x 2>/dev/null >/tmp/a"), "");
	assert_string_equal(shell("echo x > /etc/passwd"), "files.write_only_under");
	assert_string_equal(shell("echo x > ../../etc/passwd"), "files.write_only_under");
	assert_string_equal(shell("cat < /etc/passwd"), "");
}

static void test_files(void **state)
{
	struct se_verdict v;

	(void)state;
	se_eval_file(&P, "/home/u/.ssh/id_rsa", "/work/ws", false, &v);
	assert_string_equal(P.rules[v.rule].name, "no-ssh");
	assert_string_equal(v.what, "read /home/u/.ssh/id_rsa");
	se_eval_file(&P, "src/main.c", "/work/ws", true, &v);
	assert_int_equal(v.rule, -1);
	se_eval_file(&P, "/etc/hosts", "/work/ws", true, &v);
	assert_string_equal(P.rules[v.rule].name, "files.write_only_under");
	se_eval_file(&P, "/etc/audit-only", "/work/ws", false, &v);
	assert_int_equal(v.rule, -1); /* audit never denies */
}

static void test_unterminated_quote(void **state)
{
	struct se_verdict v;
	char why[256];

	(void)state;
	assert_int_equal(se_eval_shell(&P, "echo 'abc", 9, "/work/ws", NULL, &v, why, sizeof(why)),
			 -1);
	assert_string_equal(why, "the command has an unterminated quote");
}

/* A Codex apply_patch: every file it names is a write; the first denial wins. */
static void test_patch(void **state)
{
	struct se_verdict v;
	char why[256];
	const char *ok = "*** Begin Patch\n*** Update File: src/a.c\n@@\n-a\n+b\n"
			 "*** Add File: /tmp/x\n+y\n*** End Patch\n";
	const char *ssh = "*** Begin Patch\r\n*** Update File: src/a.c\r\n"
			  "*** Update File: x.c\n*** Move to: /home/u/.ssh/config  \n*** End Patch";

	(void)state;
	assert_int_equal(se_eval_patch(&P, ok, strlen(ok), "/work/ws", &v, why, sizeof(why)), 0);
	assert_int_equal(v.rule, -1);
	assert_int_equal(se_eval_patch(&P, ssh, strlen(ssh), "/work/ws", &v, why, sizeof(why)), 0);
	assert_string_equal(P.rules[v.rule].name, "no-ssh");
	assert_string_equal(v.what, "write /home/u/.ssh/config");
	assert_int_equal(se_eval_patch(&P, "*** Delete File: /etc/passwd", 28, "/work/ws", &v, why,
				       sizeof(why)),
			 0);
	assert_string_equal(P.rules[v.rule].name, "files.write_only_under");
	assert_int_equal(se_eval_patch(&P, "*** Add File: ", 14, "/work/ws", &v, why, sizeof(why)),
			 -1);
	assert_string_equal(why, "the patch names no file (no \"*** Add/Update/Delete File:\")");
	assert_int_equal(se_eval_patch(&P, "", 0, "/work/ws", &v, why, sizeof(why)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_commands),
		cmocka_unit_test(test_quotes_do_not_hide),
		cmocka_unit_test(test_redirections_are_writes),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_unterminated_quote),
		cmocka_unit_test(test_patch),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
