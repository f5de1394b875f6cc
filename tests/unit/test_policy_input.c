/* test_policy_input.c: bad input to the strict YAML loader (util/yaml.h), as
 * the policy file and the pipeline configuration see it: duplicate keys
 * (never "last wins"), a second document, anchors and aliases, collection
 * keys, and deep nesting that must fail fast. Nothing is half-applied. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sink_stubs.h"
#include "pipeline/config.h"
#include "policy/policy.h"
#include "util/util.h"
#include "util/yaml.h"

static struct policy P;
static char err[1024];

static void policy_fails(const char *text, const char *want)
{
	err[0] = 0;
	assert_int_equal(policy_load_string("p.yaml", text, strlen(text), &P, err, sizeof(err)),
			 -1);
	if (strcmp(err, want))
		fail_msg("got  '%s'\nwant '%s'", err, want);
	/* nothing half-applied */
	assert_false(P.egress.present);
	assert_int_equal(P.egress.nrules, 0);
	assert_int_equal(P.egress.mode, 0);
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	policy_fails("egress:\n  default: deny\n  mode: enforce\n  allow:\n    - domain: a.com\n"
		     "  mode: audit\n",
		     "p.yaml:6:3: duplicate key 'mode' (first at line 3); every key appears once");
	policy_fails("egress:\n  default: deny\n  default: allow\n",
		     "p.yaml:3:3: duplicate key 'default' (first at line 2); every key appears "
		     "once");
	policy_fails("egress: {default: deny, mode: enforce, allow: [], mode: audit}\n",
		     "p.yaml:1:51: duplicate key 'mode' (first at line 1); every key appears once");
	policy_fails("egress:\n  default: deny\n  allow:\n    - domain: a.com\n      ports: [443]\n"
		     "      ports: [80]\n",
		     "p.yaml:6:7: duplicate key 'ports' (first at line 5); every key appears once");
	/* a quoted key is the same key */
	policy_fails("egress:\n  default: deny\n  \"default\": allow\n",
		     "p.yaml:3:3: duplicate key 'default' (first at line 2); every key appears "
		     "once");
	/* the earliest second appearance is reported, whatever the sort order */
	policy_fails("egress:\n  mode: audit\n  default: deny\n  mode: enforce\n  default: allow\n",
		     "p.yaml:4:3: duplicate key 'mode' (first at line 2); every key appears once");
}

static void test_one_document(void **state)
{
	(void)state;
	policy_fails("egress:\n  default: deny\n---\negress:\n  default: allow\n",
		     "p.yaml:3:1: a second YAML document ('---'): the file must hold exactly one");
	policy_fails("egress:\n  default: deny\n---\n",
		     "p.yaml:3:1: a second YAML document ('---'): the file must hold exactly one");
	/* one explicit document is fine */
	assert_int_equal(policy_load_string("p.yaml", "---\negress: {default: deny}\n...\n", 31, &P,
					    err, sizeof(err)),
			 0);
	assert_true(P.egress.present && P.egress.default_deny);
}

static void test_anchors_and_collection_keys(void **state)
{
	(void)state;
	policy_fails("egress:\n  default: &d deny\n  raw_sockets: *d\n",
		     "p.yaml:2:12: anchors ('&d') are not supported");
	policy_fails("egress:\n  default: deny\n  allow:\n    - domain: *github\n",
		     "p.yaml:4:15: aliases ('*github') are not supported (quote a value "
		     "that starts with '*')");
	policy_fails("egress:\n  ? [a, b]\n  : deny\n",
		     "p.yaml:2:5: a key must be a plain value, not a list or mapping");
}

static double cpu_seconds(void)
{
	return (double)clock() / CLOCKS_PER_SEC;
}

/* 200 KB of '[' took 24 s of CPU in libyaml's document loader: refused at
 * the 33rd level, fast. */
static void test_deep_nesting_fails_fast(void **state)
{
	static const char *const opens[] = {"[", "{a: ", "- "};
	size_t n = 200 * 1024, i, j;
	char *buf = malloc(n + 1);
	(void)state;
	for (i = 0; i < ARRAY_SIZE(opens); i++) {
		size_t w = strlen(opens[i]);
		double t0 = cpu_seconds();
		for (j = 0; j + w <= n; j += w)
			memcpy(buf + j, opens[i], w);
		buf[j] = 0;
		assert_int_equal(policy_load_string("p.yaml", buf, j, &P, err, sizeof(err)), -1);
		if (!strstr(err, "nested deeper than 32 levels"))
			fail_msg("%s: %s", opens[i], err);
		assert_true(cpu_seconds() - t0 < 0.5);
	}
	free(buf);
	/* 32 levels are allowed: the root and egress mappings and 30 lists */
	char ok[256] = "egress:\n  default: deny\n  resolvers: ";
	for (i = 0; i < 30; i++)
		strcat(ok, "[");
	assert_int_equal(policy_load_string("p.yaml", ok, strlen(ok), &P, err, sizeof(err)), -1);
	if (!strstr(err, "YAML syntax"))
		fail_msg("32 levels: %s", err); /* unterminated, not too deep */
}

static const char *write_tmp(const char *text)
{
	static char path[64];
	FILE *f;
	snprintf(path, sizeof(path), "/tmp/proctor-input-%d.yaml", getpid());
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

/* The pipeline configuration is loaded by the same helpers: the same
 * refusals, before any sink is added. */
static void config_fails(const char *text, const char *want)
{
	struct pipeline p;
	const char *path = write_tmp(text);
	char full[256];

	assert_int_equal(pipeline_init(&p, 16, 0), 0);
	assert_int_equal(pipeline_load_config(&p, path, err, sizeof(err)), -1);
	snprintf(full, sizeof(full), "%s:%s", path, want);
	if (strcmp(err, full))
		fail_msg("got  '%s'\nwant '%s'", err, full);
	assert_int_equal(p.nsinks, 0);
	pipeline_destroy(&p);
	unlink(path);
}

static void test_config_is_as_strict(void **state)
{
	(void)state;
	config_fails(
		"sinks:\n  - url: syslog+udp://127.0.0.1:9\nbatch: {size: 1}\nbatch: {size: 2}\n",
		"4:1: duplicate key 'batch' (first at line 3); every key appears once");
	config_fails(
		"sinks:\n  - url: syslog+udp://127.0.0.1:9\n    url: syslog+udp://127.0.0.1:10\n",
		"3:5: duplicate key 'url' (first at line 2); every key appears once");
	config_fails("sinks:\n  - url: syslog+udp://127.0.0.1:9\n---\nsinks: []\n",
		     "3:1: a second YAML document ('---'): the file must hold exactly one");
	config_fails("sinks: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n",
		     "1:39: nested deeper than 32 levels");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_one_document),
		cmocka_unit_test(test_anchors_and_collection_keys),
		cmocka_unit_test(test_deep_nesting_fails_fast),
		cmocka_unit_test(test_config_is_as_strict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
