/* temporal.c: the temporal rules of a policy (temporal.h). */
#include "policy/temporal.h"

bool policy_rule_temporal(const struct policy_rule *r)
{
	const struct policy_object *a = &r->after;

	if (r->kind != RULE_CONDITIONAL || !r->has_unless || r->nexcept)
		return false;
	if (r->object.op == OP_EXEC
		    ? !r->object.argv.elem.n && !r->object.paths.n
		    : (r->object.op != OP_WRITE && r->object.op != OP_OPEN) || !r->object.paths.n)
		return false;
	if (!r->succeeded.elem.n)
		return false;
	return a->op == OP_NONE || ((a->op == OP_WRITE || a->op == OP_OPEN) && a->paths.n) ||
	       (a->op == OP_EXEC && (a->paths.n > 0) != (a->argv.elem.n > 0));
}

int policy_temporal_count(const struct policy *p)
{
	int i, n = 0;

	for (i = 0; i < p->nrules; i++)
		n += policy_rule_temporal(&p->rules[i]);
	return n;
}

int policy_temporal_watch_bit(const struct policy *p, int k)
{
	int i, n = 0;

	for (i = 0; i < p->nrules; i++)
		n += policy_exec_rule_bit(p, i) >= 0;
	return n + k;
}

int policy_temporal_after_bit(const struct policy *p, int k)
{
	int i, j = 0;

	for (i = 0; i < p->nrules; i++) {
		if (!policy_rule_temporal(&p->rules[i]))
			continue;
		if (j++ == k)
			return p->rules[i].after.op == OP_EXEC && p->rules[i].after.argv.elem.n
				       ? policy_temporal_watch_bit(p, policy_temporal_count(p) + k)
				       : -1;
	}
	return -1;
}

bool policy_rule_temporal_file(const struct policy_rule *r)
{
	return policy_rule_temporal(r) && r->object.op != OP_EXEC;
}
