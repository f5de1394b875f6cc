/* exec_rules.h: a policy's exec rules (exec.deny, exec.allow_only) compiled
 * for the exec-kill hook (bpf/policy/exec.bpf.c): one bit per rule, in the
 * policy's order (policy_exec_rule), the DFAs of their globs, and the
 * inodes of the literal paths they deny. */
#ifndef PROCTOR_ENFORCE_EXEC_RULES_H
#define PROCTOR_ENFORCE_EXEC_RULES_H
#include <stdbool.h>
#include <stdint.h>

#include "enforce/dfa.h"
#include "policy/policy.h"

#define EXEC_RULES_INODES 256

struct exec_inode {
	uint64_t ino;
	uint32_t dev; /* the kernel's dev_t */
	uint64_t bits;
};

struct exec_rules {
	int nbits; /* 0: the policy has no exec rules */
	struct pr_exec_policy kpol;
	int ninodes;
	struct exec_inode inodes[EXEC_RULES_INODES];
};

/* Compile p's exec rules, appending their DFAs to t. 0, or -1 with err
 * (too many rules, the DFA table full). */
int exec_rules_compile(const struct policy *p, struct dfa_table *t, struct exec_rules *out,
		       char *err, size_t errlen);

#endif
