/* test_policy.c: the policy file parser: the documented example, every
 * error with its line, CIDR and domain validation, the domain hash the
 * kernel recomputes, and malformed input (mutated YAML, random bytes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy/policy.h"

static struct policy P;
static char err[1024];

static int load(const char *text)
{
	err[0] = 0;
	return policy_load_string("p.yaml", text, strlen(text), &P, err, sizeof(err));
}

static const char example[] = "egress:\n"
			      "  default: deny            # or allow\n"
			      "  mode: enforce            # or audit\n"
			      "  allow:\n"
			      "    - domain: \"*.github.com\"\n"
			      "    - domain: api.anthropic.com\n"
			      "      ports: [443]\n"
			      "    - cidr: 10.20.0.0/16\n"
			      "      ports: [8000-9000]\n"
			      "      transport: tcp\n"
			      "  deny:\n"
			      "    - cidr: 169.254.169.254/32   # cloud metadata\n"
			      "  resolvers: [127.0.0.53, '::1']\n";

static void test_example(void **state)
{
	const struct egress_policy *e = &P.egress;
	(void)state;
	assert_int_equal(load(example), 0);
	assert_true(e->present && e->default_deny && e->raw_deny);
	assert_int_equal(e->mode, PR_MODE_ENFORCE);
	assert_int_equal(e->nrules, 6);
	/* deny first, then allow, then resolvers */
	assert_string_equal(e->rules[0].name, "deny 169.254.169.254/32");
	assert_int_equal(e->rules[0].prefix, 128);
	assert_int_equal(e->rules[0].line, 12);
	assert_string_equal(e->rules[1].name, "allow *.github.com");
	assert_true(e->rules[1].wildcard);
	assert_string_equal(e->rules[1].domain, "github.com");
	assert_string_equal(e->rules[2].name, "allow api.anthropic.com ports 443");
	assert_string_equal(e->rules[3].name, "allow 10.20.0.0/16 ports 8000-9000 tcp");
	assert_int_equal(e->rules[3].prefix, 96 + 16);
	assert_int_equal(e->rules[3].port_lo[0], 8000);
	assert_int_equal(e->rules[3].port_hi[0], 9000);
	assert_string_equal(e->rules[4].name, "resolver 127.0.0.53");
	assert_string_equal(e->rules[5].name, "resolver ::1");
	assert_string_equal(policy_rule_name(e, PR_RULE_DEFAULT), "default deny");
	assert_string_equal(policy_rule_name(e, PR_RULE_RAW), "raw-socket");
	assert_string_equal(policy_rule_name(NULL, PR_RULE_NONE), "none");
	assert_string_equal(policy_rule_name(e, 99), "unknown");
}

static void test_audit_allow_raw(void **state)
{
	(void)state;
	assert_int_equal(load("egress:\n  default: allow\n  mode: audit\n  raw_sockets: deny\n"),
			 0);
	assert_false(P.egress.default_deny);
	assert_true(P.egress.raw_deny);
	assert_int_equal(P.egress.mode, PR_MODE_AUDIT);
	assert_string_equal(policy_rule_name(&P.egress, PR_RULE_DEFAULT), "default allow");
}

static void expect_error(const char *text, const char *where, const char *why)
{
	assert_int_equal(load(text), -1);
	if (!strstr(err, where) || !strstr(err, why))
		fail_msg("got '%s', want '%s' and '%s'", err, where, why);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("", "p.yaml:1:", "empty");
	expect_error("- a\n- b\n", "p.yaml:1:", "mapping of sections");
	expect_error("filez:\n  x: 1\n", "p.yaml:1:1:", "unknown section 'filez'");
	expect_error("files:\n  x: 1\n", "p.yaml:2:3:", "unknown key 'x' in files");
	expect_error("egress:\n  default: deny\negress:\n  default: deny\n",
		     "p.yaml:3:1:", "duplicate key 'egress' (first at line 1)");
	expect_error("egress: 3\n", "p.yaml:1:", "must be a mapping");
	expect_error("egress:\n  mode: enforce\n", "p.yaml:2:", "needs 'default");
	expect_error("egress:\n  default: deny\n  mode: loud\n", "p.yaml:3:", "mode must be");
	expect_error("egress:\n  default: deny\n  colour: x\n", "p.yaml:3:", "unknown egress key");
	expect_error("egress:\n  default: deny\n  allow: 5\n", "p.yaml:3:", "must be a list");
	expect_error("egress:\n  default: deny\n  allow:\n    - 5\n",
		     "p.yaml:4:", "a rule is a mapping");
	expect_error("egress:\n  default: deny\n  allow:\n    - ports: [1]\n",
		     "p.yaml:4:", "needs 'domain' or 'cidr'");
	expect_error("egress:\n  default: deny\n  allow:\n    - {domain: a.b, cidr: 1.2.3.4}\n",
		     "p.yaml:4:", "exactly one");
	expect_error("egress:\n  default: deny\n  allow:\n    - domain: a..b\n",
		     "p.yaml:4:", "not a domain name");
	expect_error("egress:\n  default: deny\n  allow:\n    - domain: '*'\n",
		     "p.yaml:4:", "not a domain name");
	expect_error("egress:\n  default: deny\n  deny:\n    - cidr: 300.1.1.1\n",
		     "p.yaml:4:", "not an address");
	expect_error("egress:\n  default: deny\n  deny:\n    - cidr: ::1/129\n",
		     "p.yaml:4:", "not an address");
	expect_error("egress:\n  default: deny\n  deny:\n    - cidr: 1.2.3.4/\n",
		     "p.yaml:4:", "not an address");
	expect_error(
		"egress:\n  default: deny\n  deny:\n    - cidr: 1.2.3.4\n      ports: [70000]\n",
		"p.yaml:5:", "bad port");
	expect_error("egress:\n  default: deny\n  deny:\n    - cidr: 1.2.3.4\n      ports: [9-3]\n",
		     "p.yaml:5:", "bad port");
	expect_error("egress:\n  default: deny\n  deny:\n    - cidr: 1.2.3.4\n      ports: []\n",
		     "p.yaml:5:", "empty");
	expect_error("egress:\n  default: deny\n  deny:\n    - cidr: 1.2.3.4\n      ports: "
		     "[1,2,3,4,5,6,7,8,9]\n",
		     "p.yaml:5:", "at most 8");
	expect_error(
		"egress:\n  default: deny\n  deny:\n    - cidr: 1.2.3.4\n      transport: sctp\n",
		"p.yaml:5:", "transport must be");
	expect_error("egress:\n  default: deny\n  resolvers: [dns.google]\n",
		     "p.yaml:3:", "not an IP address");
	expect_error("egress:\n  default: deny\n  allow: [\n", "p.yaml:", "");
}

static void test_too_many_rules(void **state)
{
	char buf[8192] = "egress:\n  default: deny\n  allow:\n";
	int i;
	(void)state;
	for (i = 0; i < POLICY_MAX_RULES + 1; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "    - cidr: 10.0.%d.0/24\n",
			 i);
	expect_error(buf, "p.yaml:68:", "too many rules");
}

static void test_cidr(void **state)
{
	uint8_t n[16];
	int prefix;
	bool v4;
	(void)state;
	assert_int_equal(egress_parse_cidr("10.20.30.40/12", n, &prefix, &v4), 0);
	assert_true(v4);
	assert_int_equal(prefix, 108);
	assert_int_equal(n[10], 0xff);
	assert_int_equal(n[12], 10);
	assert_int_equal(n[13], 16); /* host bits cleared: 20 & 0xf0 */
	assert_int_equal(n[14], 0);
	assert_int_equal(egress_parse_cidr("fd00::1/8", n, &prefix, &v4), 0);
	assert_false(v4);
	assert_int_equal(prefix, 8);
	assert_int_equal(n[0], 0xfd);
	assert_int_equal(n[15], 0);
	assert_int_equal(egress_parse_cidr("1.2.3.4/x", n, &prefix, &v4), -1);
	assert_int_equal(egress_parse_cidr("1.2.3.4/-1", n, &prefix, &v4), -1);
	assert_int_equal(egress_parse_cidr("", n, &prefix, &v4), -1);
}

static void test_domains_and_hash(void **state)
{
	(void)state;
	assert_true(egress_valid_domain("api.anthropic.com"));
	assert_true(egress_valid_domain("a-b_c.d1"));
	assert_false(egress_valid_domain("Upper.com"));
	assert_false(egress_valid_domain(".a"));
	assert_false(egress_valid_domain("a."));
	assert_false(egress_valid_domain("a b"));
	/* the kernel hashes backwards, so the hash of a suffix is a prefix of
	 * the computation over the whole name: check that property */
	uint64_t h = PR_FNV_OFFSET;
	const char *name = "x.github.com";
	for (int i = (int)strlen(name) - 1; i >= 0; i--) {
		if (name[i] == '.')
			assert_true(h == egress_domain_hash(name + i + 1));
		h ^= (uint8_t)name[i];
		h *= PR_FNV_PRIME;
	}
	assert_true(h == egress_domain_hash(name));
	/* upper case in the file is folded */
	assert_int_equal(
		load("egress:\n  default: deny\n  allow:\n    - domain: API.Example.COM.\n"), 0);
	assert_string_equal(P.egress.rules[0].domain, "api.example.com");
}

/* Malformed input: mutate the example and feed random bytes; the parser
 * must either succeed or report "p.yaml:LINE: ..." with a sane line. */
static void test_fuzz(void **state)
{
	char buf[sizeof(example)];
	unsigned seed = 99;
	int i, j;
	(void)state;
	for (i = 0; i < 20000; i++) {
		size_t n = sizeof(example) - 1;
		memcpy(buf, example, sizeof(example));
		if (i % 3 == 2) {
			for (j = 0; j < (int)n; j++)
				buf[j] = (char)(rand_r(&seed) % 96 + 32);
		} else {
			for (j = 0; j < 1 + rand_r(&seed) % 6; j++)
				buf[rand_r(&seed) % n] =
					"-:[]{}#'\"*/ \n\tax0.9"[rand_r(&seed) % 20];
		}
		n = (size_t)rand_r(&seed) % (n + 1);
		if (policy_load_string("p.yaml", buf, n, &P, err, sizeof(err))) {
			int line = 0;
			assert_int_equal(strncmp(err, "p.yaml:", 7), 0);
			assert_int_equal(sscanf(err + 7, "%d", &line), 1);
			assert_true(line >= 1 && line <= 40);
		} else {
			assert_true(P.egress.nrules <= POLICY_MAX_RULES);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example), cmocka_unit_test(test_audit_allow_raw),
		cmocka_unit_test(test_errors),	cmocka_unit_test(test_too_many_rules),
		cmocka_unit_test(test_cidr),	cmocka_unit_test(test_domains_and_hash),
		cmocka_unit_test(test_fuzz),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
