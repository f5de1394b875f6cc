/* temporal.h: a policy's temporal rules compiled for the kernel
 * (struct pr_temporal_policy, bpf/policy/temporal.bpf.c): which exec rule
 * bit each denies, which argv bit is its succeeded pattern, and the DFA of
 * its after globs. The exec rules (exec_rules.c) carry both bits. */
#ifndef PROCTOR_ENFORCE_TEMPORAL_H
#define PROCTOR_ENFORCE_TEMPORAL_H
#include <stdbool.h>
#include <stddef.h>

#include "enforce/dfa.h"
#include "policy/policy.h"

/* Compile p's temporal rules into *out, appending the after DFA to t.
 * 0 with *any false when p has none; -1 with err (more than
 * PR_TEMPORAL_RULES, the DFA table full). */
int temporal_compile(const struct policy *p, struct dfa_table *t, struct pr_temporal_policy *out,
		     bool *any, char *err, size_t errlen);

#endif
