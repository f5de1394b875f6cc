/* labels.c: the label rules this build enforces (labels.h). */
#include "policy/labels.h"

#include <stdio.h>

bool policy_label_enforced(const struct policy_rule *r)
{
	if (r->kind == RULE_DECLASSIFY)
		return r->object.argv.elem.n == 1 && r->object.argv.rest;
	return r->kind == RULE_CONDITIONAL && r->label >= 0 && !r->has_unless &&
	       r->object.op == OP_CONNECT;
}

int policy_label_connect_rule(const struct policy *p, int k)
{
	int i;

	for (i = 0; i < p->nrules; i++)
		if (p->rules[i].kind == RULE_CONDITIONAL && policy_label_enforced(&p->rules[i]) &&
		    k-- == 0)
			return i;
	return -1;
}

const struct policy_rule *policy_label_unenforced(const struct policy *p, char *why, size_t len)
{
	int i, nconnect = 0, nexcept = 0;

	for (i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];
		if (r->kind != RULE_DECLASSIFY && r->kind != RULE_CONDITIONAL)
			continue;
		if (!policy_label_enforced(r)) {
			snprintf(why, len, "%s",
				 r->kind == RULE_DECLASSIFY ? "a declassify matches the program "
							      "only (one argv element, "
							      "then \"**\")"
				 : r->has_unless
					 ? "rules with unless (history) are not enforced yet"
				 : r->label < 0
					 ? "only rules with if: {label} are enforced yet"
					 : "of label rules only deny: connect is enforced yet");
			return r;
		}
		if (r->kind == RULE_CONDITIONAL) {
			nconnect++;
			nexcept += r->nexcept;
		}
		if (nconnect > POLICY_LABEL_CONNECT_RULES || nexcept > POLICY_LABEL_EXCEPTS) {
			snprintf(why, len,
				 "at most %d label rules with deny: connect and %d except "
				 "destinations in all",
				 POLICY_LABEL_CONNECT_RULES, POLICY_LABEL_EXCEPTS);
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
