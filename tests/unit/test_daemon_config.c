/* test_daemon_config.c: the daemon's configuration file (src/daemon/config.c):
 * the defaults, every key, the strictness (unknown and duplicate keys, bad
 * values, each with its FILE:LINE:COL) and that a failed file changes
 * nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/config.h"

static int parse(struct daemon_config *c, const char *text, char *err, size_t errlen)
{
	return daemon_config_parse(c, "d.yaml", text, strlen(text), err, errlen);
}

static void test_defaults_are_the_builtin_agents(void **state)
{
	struct daemon_config c;
	const struct daemon_agent_rule *r;

	(void)state;
	daemon_config_defaults(&c);
	assert_true(c.auto_agents);
	assert_int_equal(c.nagents, 5);
	assert_non_null(r = daemon_config_agent(&c, "/home/u/.local/bin/claude"));
	assert_string_equal(r->agent, "claude");
	assert_string_equal(daemon_config_agent(&c, "codex")->agent, "codex");
	assert_non_null(daemon_config_agent(&c, "gemini"));
	assert_non_null(daemon_config_agent(&c, "aider"));
	assert_non_null(daemon_config_agent(&c, "openclaw"));
	assert_null(daemon_config_agent(&c, "claude-helper"));
	assert_null(daemon_config_agent(&c, "/usr/bin/claude/"));
}

static void test_every_key(void **state)
{
	struct daemon_config c;
	char err[512] = "";

	(void)state;
	daemon_config_defaults(&c);
	assert_int_equal(parse(&c,
			       "pipeline: /etc/p.yaml\nsocket: /run/x.sock\nsocket_group: g\n"
			       "db: none\nmetrics: 127.0.0.1:9\nringbuf_mb: 128\nfail_closed: yes\n"
			       "auto_adopt:\n  agents: yes\n  rules:\n"
			       "    - {exe: my-agent, agent: mine, project: p}\n"
			       "    - exe: codex\n",
			       err, sizeof(err)),
			 0);
	assert_string_equal(c.pipeline, "/etc/p.yaml");
	assert_string_equal(c.socket, "/run/x.sock");
	assert_string_equal(c.socket_group, "g");
	assert_string_equal(c.db, "none");
	assert_string_equal(c.metrics, "127.0.0.1:9");
	assert_int_equal(c.ringbuf_mb, 128);
	assert_true(c.fail_closed);
	assert_int_equal(c.nagents, 2); /* the rules replace the built-in list */
	assert_string_equal(daemon_config_agent(&c, "my-agent")->project, "p");
	assert_string_equal(daemon_config_agent(&c, "codex")->agent, "codex"); /* agent: exe */
	assert_null(daemon_config_agent(&c, "claude"));
	assert_int_equal(parse(&c, "", err, sizeof(err)), 0); /* empty: nothing changes */
	assert_int_equal(c.nagents, 2);
}

/* A rule by path pins a file: its agent defaults to the basename, and its
 * name matches nothing (the kernel matches it by inode). */
static void test_rule_by_path(void **state)
{
	struct daemon_config c;
	char err[512] = "";

	(void)state;
	daemon_config_defaults(&c);
	assert_int_equal(parse(&c,
			       "auto_adopt:\n  rules:\n    - {path: /opt/agents/codex}\n"
			       "    - {path: /opt/x/claude, agent: cc, project: p}\n"
			       "    - {exe: claude}\n",
			       err, sizeof(err)),
			 0);
	assert_int_equal(c.nagents, 3);
	assert_string_equal(c.agents[0].path, "/opt/agents/codex");
	assert_string_equal(c.agents[0].exe, "");
	assert_string_equal(c.agents[0].agent, "codex");
	assert_string_equal(c.agents[1].agent, "cc");
	assert_string_equal(c.agents[1].project, "p");
	assert_null(daemon_config_agent(&c, "codex"));
	assert_null(daemon_config_agent(&c, "/opt/agents/codex"));
	assert_ptr_equal(daemon_config_agent(&c, "/usr/bin/claude"), &c.agents[2]);
}

static void test_containers_section(void **state)
{
	struct daemon_config c;
	char err[512] = "";

	(void)state;
	daemon_config_defaults(&c);
	assert_true(c.auto_containers);
	assert_string_equal(c.agent_label, "proctor.agent");
	assert_string_equal(c.project_label, "proctor.project");
	assert_string_equal(c.hooks_dir, ""); /* the daemon installs no hook by default */
	assert_int_equal(parse(&c,
			       "auto_adopt:\n  containers:\n    enabled: false\n"
			       "    agent_label: ai.agent\n    project_label: ai.project\n"
			       "    hooks_dir: /etc/containers/oci/hooks.d\n",
			       err, sizeof(err)),
			 0);
	assert_false(c.auto_containers);
	assert_string_equal(c.agent_label, "ai.agent");
	assert_string_equal(c.project_label, "ai.project");
	assert_string_equal(c.hooks_dir, "/etc/containers/oci/hooks.d");
	assert_int_equal(c.nagents, 5); /* the agents' rules are another key */
}

static void fails(const char *text, const char *want)
{
	struct daemon_config c, before;
	char err[512] = "";

	daemon_config_defaults(&c);
	before = c;
	assert_int_equal(parse(&c, text, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("for %s: wanted '%s', got '%s'", text, want, err);
	assert_memory_equal(&c, &before, sizeof(c)); /* nothing half-applied */
}

static void test_strict(void **state)
{
	(void)state;
	fails("db: a\ndb: b\n", "d.yaml:2:1: duplicate key 'db'");
	fails("sockets: /x\n", "d.yaml:1:1: unknown key 'sockets' in the daemon configuration");
	fails("auto_adopt: {agent: true}\n", "d.yaml:1:14: unknown key 'agent' in auto_adopt");
	fails("auto_adopt:\n  rules:\n    - {exe: a, agnt: x}\n",
	      "d.yaml:3:16: unknown key 'agnt' in a rule");
	fails("auto_adopt:\n  rules:\n    - {exe: a}\n    - {exe: a}\n",
	      "d.yaml:4:7: a second rule for exe 'a'");
	fails("auto_adopt:\n  rules:\n    - {project: p}\n",
	      "d.yaml:3:7: a rule needs 'exe' or 'path'");
	fails("auto_adopt:\n  rules:\n    - {exe: a, path: /a}\n",
	      "d.yaml:3:22: a rule has 'exe' or 'path', not both");
	fails("auto_adopt:\n  rules:\n    - {path: bin/a}\n",
	      "d.yaml:3:14: 'path' must be an absolute path to an executable");
	fails("auto_adopt:\n  rules:\n    - {path: /opt/}\n",
	      "d.yaml:3:14: 'path' must be an absolute path to an executable");
	fails("auto_adopt:\n  rules:\n    - {path: /a}\n    - {path: /a, agent: b}\n",
	      "d.yaml:4:7: a second rule for path '/a'");
	fails("auto_adopt:\n  rules:\n    - {exe: bin/claude}\n",
	      "d.yaml:3:13: 'exe' must be an executable's name");
	fails("auto_adopt:\n  rules:\n    - {exe: a-name-longer-than-thirty-one-bytes}\n",
	      "d.yaml:3:13: 'exe' is too long (at most 31 bytes)");
	fails("auto_adopt:\n  rules: {exe: a}\n", "d.yaml:2:10: 'rules' must be a list");
	fails("ringbuf_mb: 0\n", "d.yaml:1:13: 'ringbuf_mb' must be a power of two");
	fails("fail_closed: 1\n", "d.yaml:1:14: 'fail_closed' must be true or false");
	fails("fail_closed: [true]\n", "d.yaml:1:14: 'fail_closed' must be true or false");
	fails("fail_closed: true\nfail_closed: false\n", "d.yaml:2:1: duplicate key 'fail_closed'");
	fails("socket: [a]\n", "d.yaml:1:9: 'socket' must be a value");
	fails("- a\n", "d.yaml:1:1: the daemon configuration must be a mapping");
	fails("auto_adopt:\n  containers: {hooks_dir: hooks.d}\n",
	      "d.yaml:2:27: 'hooks_dir' must be an absolute path");
	fails("auto_adopt:\n  containers: {labels: [a]}\n",
	      "d.yaml:2:16: unknown key 'labels' in containers");
	fails("auto_adopt:\n  containers: {enabled: sometimes}\n",
	      "d.yaml:2:25: 'enabled' must be true or false");
	/* a good key before the bad one is not applied either */
	fails("socket: /x\nauto_adopt: {agents: off}\nbogus: 1\n", "d.yaml:3:1: unknown key");
}

/* otlp_receiver: the agents' own telemetry, loopback only (docs/DAEMON.md) */
static void test_otlp_receiver(void **state)
{
	struct daemon_config c;
	char err[512] = "";

	(void)state;
	daemon_config_defaults(&c);
	assert_string_equal(c.otlp_receiver, "");
	assert_int_equal(parse(&c, "otlp_receiver: 127.0.0.1:4318\n", err, sizeof(err)), 0);
	assert_string_equal(c.otlp_receiver, "127.0.0.1:4318");
	assert_int_equal(parse(&c, "otlp_receiver: '[::1]:4318'\n", err, sizeof(err)), 0);
	fails("otlp_receiver: 0.0.0.0:4318\n",
	      "d.yaml:1:16: otlp_receiver: expected a loopback HOST:PORT");
	fails("otlp_receiver: 4318\n", "d.yaml:1:16: otlp_receiver: expected a loopback HOST:PORT");
}

/* serve: the daemon's HTTP API (docs/DAEMON.md) */
static void test_serve(void **state)
{
	struct daemon_config c;
	char err[512] = "";

	(void)state;
	daemon_config_defaults(&c);
	assert_string_equal(c.serve.listen, ""); /* not served by default */
	assert_int_equal(parse(&c,
			       "serve:\n  listen: 127.0.0.1:7070\n  tls_cert: /etc/c.pem\n"
			       "  tls_key: /etc/k.pem\n  insecure_http: no\n",
			       err, sizeof(err)),
			 0);
	assert_string_equal(c.serve.listen, "127.0.0.1:7070");
	assert_string_equal(c.serve.tls_cert, "/etc/c.pem");
	assert_string_equal(c.serve.tls_key, "/etc/k.pem");
	assert_false(c.serve.insecure_http);
	fails("serve: {listen: 127.0.0.1:7070, tls: x}\n",
	      "d.yaml:1:33: unknown key 'tls' in serve");
	fails("serve: {tls_cert: /c, tls_key: /k}\n", "d.yaml:1:8: 'serve' needs 'listen'");
	fails("serve: {listen: 127.0.0.1:0}\n", "d.yaml:1:17: 'listen' must be HOST:PORT");
	fails("serve: {listen: 7070}\n", "d.yaml:1:17: 'listen' must be HOST:PORT");
	fails("serve: {listen: 127.0.0.1:7070, tls_cert: /c}\n",
	      "d.yaml:1:8: 'serve' needs both 'tls_cert' and 'tls_key', or neither");
	fails("serve: {listen: 127.0.0.1:7070, insecure_http: maybe}\n",
	      "d.yaml:1:48: 'insecure_http' must be true or false");
	fails("serve: 127.0.0.1:7070\n", "d.yaml:1:8: 'serve' must be a mapping");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_are_the_builtin_agents),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_rule_by_path),
		cmocka_unit_test(test_containers_section),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_serve),
		cmocka_unit_test(test_otlp_receiver),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
