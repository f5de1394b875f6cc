/* temporal.c: the temporal rules of a policy (temporal.h). */
#include "policy/temporal.h"

bool policy_rule_temporal(const struct policy_rule *r)
{
	const struct policy_object *a = &r->after;

	if (r->kind != RULE_CONDITIONAL || !r->has_unless || r->label >= 0 || r->nexcept)
		return false;
	if (r->object.op == OP_EXEC
		    ? !r->object.argv.elem.n && !r->object.paths.n
		    : (r->object.op != OP_WRITE && r->object.op != OP_OPEN) || !r->object.paths.n)
		return false;
	if (!r->succeeded.elem.n)
		return false;
	return a->op == OP_NONE || ((a->op == OP_WRITE || a->op == OP_OPEN) && a->paths.n) ||
	       (a->op == OP_EXEC && a->paths.n && !a->argv.elem.n);
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

bool policy_rule_temporal_file(const struct policy_rule *r)
{
	return policy_rule_temporal(r) && r->object.op != OP_EXEC;
}
