/* fuzz_policy.c: libFuzzer target for the policy parser and checker (any
 * bytes as a policy file): load, then run the checker and the mechanism
 * plans over what loaded. `make fuzz` builds and runs it with the corpus
 * under tests/fuzz/corpus/policy/. */
#include <stdint.h>
#include <string.h>

#include "policy/check.h"
#include "policy/mechanisms.h"
#include "policy/policy.h"

static void on_note(void *ctx, int line, int col, const char *kind, const char *msg)
{
	(void)ctx, (void)line, (void)col, (void)kind, (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policy p;
	static const struct policy_env env = {.home = "/home/u", .workspace = "/work/ws"};
	static const struct policy_target t[] = {{"proctor", "/usr/bin/proctor"},
						 {"agent", "/home/u/bin/claude"}};
	struct host_mechanisms h = {0};
	struct rule_plan pl;
	char err[1024];
	int i;

	if (policy_load_env("fuzz.yaml", (const char *)data, size, &env, &p, err, sizeof(err)))
		return 0;
	policy_check(&p, t, 2, on_note, NULL);
	h.m[MECH_FANOTIFY].present = size & 1;
	h.m[MECH_LANDLOCK].present = size & 2;
	for (i = 0; i < p.nrules; i++)
		mechanisms_plan_rule(&h, &p, &p.rules[i], &pl);
	return 0;
}
