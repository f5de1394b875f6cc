/* temporal.c: compiling the temporal rules (temporal.h). Rule k's deny
 * pattern is its exec rule bit, and that same bit names it everywhere in
 * the kernel: in deny_of[k], in the after DFA's accept sets, in satisfied. */
#include "enforce/temporal.h"

#include <stdio.h>
#include <string.h>

#include "policy/temporal.h"

static void add_after(const struct policy *p, const struct policy_rule *r, uint64_t bit,
		      struct pr_temporal_policy *out, struct dfa_glob *g, size_t *n)
{
	const struct policy_object *a = &r->after;
	int i;

	if (a->op == OP_WRITE)
		out->after_write |= bit;
	else if (a->op == OP_OPEN)
		out->after_open |= bit;
	else if (a->op == OP_EXEC && a->paths.n)
		out->after_exec |= bit;
	for (i = 0; a->op != OP_NONE && i < a->paths.n && *n < POLICY_MAX_GLOBS; i++)
		g[(*n)++] = (struct dfa_glob){p->globs[a->paths.first + i].expanded, true, bit};
}

int temporal_compile(const struct policy *p, struct dfa_table *t, struct pr_temporal_policy *out,
		     bool *any, char *err, size_t errlen)
{
	static struct dfa_glob g[POLICY_MAX_GLOBS];
	size_t n = 0;
	uint32_t start;
	int i, k = 0;

	memset(out, 0, sizeof(*out));
	*any = false;
	for (i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];
		uint64_t deny;
		int wbit;
		if (!policy_rule_temporal(r))
			continue;
		if (k == PR_TEMPORAL_RULES) {
			snprintf(err, errlen, "%s:%d:%d: more than %d temporal rules", p->file,
				 r->line, r->col, PR_TEMPORAL_RULES);
			return -1;
		}
		deny = 1ull << policy_exec_rule_bit(p, i);
		wbit = policy_temporal_watch_bit(p, k);
		out->deny_of[k] = deny;
		out->watch_of[k] = 1ull << wbit;
		out->deny |= deny;
		out->watch |= 1ull << wbit;
		add_after(p, r, deny, out, g, &n);
		if ((wbit = policy_temporal_after_bit(p, k)) >= 0) {
			out->after_argv_of[k] = 1ull << wbit;
			out->after_argv |= 1ull << wbit;
		}
		k++;
	}
	if (!k)
		return 0;
	if (dfa_compile(t, g, n, &start, err, errlen))
		return -1;
	out->after_start = (uint16_t)start;
	*any = true;
	return 0;
}
