/* labels.c: the label rules this build enforces (labels.h). */
#include "policy/labels.h"

#include <stdio.h>

#include "policy/temporal.h"

bool policy_label_enforced(const struct policy_rule *r)
{
	if (r->kind == RULE_DECLASSIFY)
		return r->object.argv.elem.n == 1 && r->object.argv.rest;
	return r->kind == RULE_CONDITIONAL && r->label >= 0 && !r->has_unless &&
	       (r->object.op == OP_CONNECT ||
		(r->object.op == OP_EXEC && !r->object.argv.elem.n && r->object.paths.n <= 1) ||
		policy_label_file_rule(r) || policy_label_argv_rule(r));
}

bool policy_label_argv_rule(const struct policy_rule *r)
{
	return r->kind == RULE_CONDITIONAL && r->label >= 0 && !r->has_unless && !r->nexcept &&
	       r->object.op == OP_EXEC && r->object.argv.elem.n > 0;
}

bool policy_label_file_rule(const struct policy_rule *r)
{
	return r->kind == RULE_CONDITIONAL && r->label >= 0 && !r->has_unless &&
	       (r->object.op == OP_OPEN || r->object.op == OP_WRITE);
}

/* The index in p->rules of the k-th enforced label rule denying op, or -1
 * (exec: by path or any; argv rules are exec rule bits, policy_exec_rule_bit). */
static int nth_rule(const struct policy *p, enum policy_op op, int k)
{
	int i;

	for (i = 0; i < p->nrules; i++)
		if (p->rules[i].kind == RULE_CONDITIONAL && p->rules[i].object.op == op &&
		    policy_label_enforced(&p->rules[i]) && !policy_label_argv_rule(&p->rules[i]) &&
		    k-- == 0)
			return i;
	return -1;
}

int policy_label_exec_rule(const struct policy *p, int k)
{
	return nth_rule(p, OP_EXEC, k);
}

int policy_label_connect_rule(const struct policy *p, int k)
{
	return nth_rule(p, OP_CONNECT, k);
}

static const char *unenforced_why(const struct policy_rule *r)
{
	if (r->kind == RULE_DECLASSIFY)
		return "a declassify matches the program only (one argv element, then \"**\")";
	if (r->has_unless)
		return "of rules with unless (history) only deny: {exec: ...}, {open: GLOB} or "
		       "{write: GLOB} are enforced yet (not deny: connect, not except)";
	if (r->label < 0)
		return "only rules with if: {label} are enforced yet";
	return "of label rules only deny: connect (with except), deny: exec, deny: {exec: "
	       "{path|argv}} and deny: {open|write: GLOB} are enforced yet";
}

const struct policy_rule *policy_label_unenforced(const struct policy *p, char *why, size_t len)
{
	int i, nconnect = 0, nexcept = 0, nexec = 0, nfile = 0;

	for (i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];
		if (r->kind != RULE_DECLASSIFY && r->kind != RULE_CONDITIONAL)
			continue;
		if (policy_rule_temporal(r)) /* enforced by src/enforce/temporal.c */
			continue;
		if (!policy_label_enforced(r)) {
			snprintf(why, len, "%s", unenforced_why(r));
			return r;
		}
		if (r->kind == RULE_CONDITIONAL && r->object.op == OP_CONNECT) {
			nconnect++;
			nexcept += r->nexcept;
		}
		nexec += r->kind == RULE_CONDITIONAL && r->object.op == OP_EXEC &&
			 !policy_label_argv_rule(r);
		nfile += policy_label_file_rule(r);
		if (nconnect > POLICY_LABEL_CONNECT_RULES || nexcept > POLICY_LABEL_EXCEPTS ||
		    nexec > POLICY_LABEL_EXEC_RULES || nfile > POLICY_LABEL_FILE_RULES) {
			snprintf(
				why, len,
				"at most %d label rules with deny: connect, %d except destinations "
				"in all, %d label rules with deny: exec and %d with deny: open or "
				"write",
				POLICY_LABEL_CONNECT_RULES, POLICY_LABEL_EXCEPTS,
				POLICY_LABEL_EXEC_RULES, POLICY_LABEL_FILE_RULES);
			return r;
		}
	}
	return NULL;
}

const char *policy_label_names(const struct policy *p, unsigned bits, const char **names, int *n)
{
	int i;

	*n = 0;
	for (i = 0; i < p->nlabels && i < 16; i++)
		if (bits & (1u << i))
			names[(*n)++] = p->labels[i].name;
	return *n ? names[0] : NULL;
}
