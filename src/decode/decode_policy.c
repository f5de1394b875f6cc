/* decode_policy.c: the exec-kill hook's record -> policy.violation
 * (docs/EVENTS-policy.md). The kernel sends the bits of the exec rules that
 * matched (numbered as policy_exec_rule numbers them) and what it did; the
 * rule names, reasons and verdicts come from the session's policy. One
 * record per exec names the deciding rule: the strictest outcome, then the
 * first in the file; policy.matched_rules lists every rule that matched. */
#include <string.h>

#include "decode/decode.h"
#include "policy/policy.h"
#include "proctor/abi_policy.h"

#define MAX_ARGS 256

static int outcome_rank(const struct policy_rule *r)
{
	if (r->mode == PR_MODE_AUDIT)
		return 1;
	return r->effect == POLICY_KILL ? 4 : r->effect == POLICY_BLOCK ? 3 : 2;
}

static const char *verdict_of(const struct policy_rule *r)
{
	static const char *const v[] = {"", "would_block", "notified", "blocked", "killed"};

	return v[outcome_rank(r)];
}

static const char *effect_name(enum policy_effect e)
{
	return e == POLICY_KILL ? "kill" : e == POLICY_BLOCK ? "block" : "notify";
}

/* The deciding rule of the matched bits, and every matched rule's name. */
static const struct policy_rule *decide(const struct policy *p, uint64_t matched,
					const char **names, uint32_t *n)
{
	const struct policy_rule *best = NULL;
	int bit, i;

	*n = 0;
	for (bit = 0; bit < PR_POLICY_BITS; bit++) {
		if (!(matched & (1ull << bit)) || (i = policy_exec_rule(p, bit)) < 0)
			continue;
		names[(*n)++] = p->rules[i].name;
		if (!best || outcome_rank(&p->rules[i]) > outcome_rank(best))
			best = &p->rules[i];
	}
	return best;
}

static enum decode_result decode_exec_violation(struct decode_ctx *c, const void *data, size_t len,
						struct record *r)
{
	const struct pr_policy_exec *e = data;
	const struct session *s = session_find(c->sessions, e->hdr.session_key);
	const char *p = e->data, *end, *argv[MAX_ARGS], *names[PR_POLICY_BITS];
	const struct policy_rule *rule;
	uint32_t argc = 0, nnames;

	if ((size_t)e->exe_len + e->script_len + e->args_size > len - sizeof(*e))
		return DECODE_BAD;
	if (!s || !s->policy || !(rule = decide(s->policy, e->matched, names, &nnames)))
		return DECODE_BAD; /* bits of no rule of this session */
	decode_common(c, &e->hdr, "policy.violation", r);
	record_add_str(r, "policy.rule", rule->name);
	record_add_str(r, "policy.reason", rule->reason);
	record_add_str_ref(r, "policy.effect", effect_name(rule->effect));
	record_add_str_ref(r, "policy.verdict", verdict_of(rule));
	record_add_str_ref(r, "policy.mechanism", "exec_kill");
	record_add_str_ref(r, "policy.mode", rule->mode == PR_MODE_AUDIT ? "audit" : "enforce");
	decode_policy_labels(c, &e->hdr, r); /* decode_labels.c */
	record_add_strv(r, "policy.matched_rules", names, nnames);
	record_add_bool(r, "policy.killed", e->hdr.flags & PR_POLICY_KILLED);
	if (e->hdr.flags & (PR_POLICY_PATH_TRUNC | PR_POLICY_ARGS_TRUNC))
		record_add_bool(r, "policy.undecidable", true);
	record_set_str(r, "process.executable.path", decode_str(r, p, e->exe_len));
	p += e->exe_len;
	if (e->hdr.flags & PR_POLICY_SCRIPT)
		record_add_str(r, "file.path", decode_str(r, p, e->script_len));
	p += e->script_len;
	end = p + e->args_size;
	while (p < end && argc < MAX_ARGS) {
		size_t n = strnlen(p, (size_t)(end - p));
		argv[argc++] = record_strndup(r, p, n);
		p += n + 1;
	}
	record_add_strv(r, "process.command_args", argv, argc);
	record_add_str_ref(r, "process.command_line", decode_command_line(r, argv, argc));
	return DECODE_OK;
}

const struct decoder policy_decoders[] = {
	{PR_EV_POLICY_EXEC, "policy.violation", sizeof(struct pr_policy_exec),
	 decode_exec_violation},
	{0},
};
