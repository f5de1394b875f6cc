/* policy.h: what the policy family's objects share: the DFA walk over a
 * string in scratch (the exec globs compiled by src/enforce/exec_rules.c). */
#ifndef PROCTOR_BPF_POLICY_H
#define PROCTOR_BPF_POLICY_H

#include "lib/emit.h"

#define PR_SIGKILL 9

static __always_inline __u32 dfa_next(__u32 st, __u8 c)
{
	struct pr_dfa_state *d;

	if (st == PR_DFA_NO_STATE)
		return PR_DFA_NO_STATE;
	d = bpf_map_lookup_elem(&policy_dfa, &st);
	return d ? d->next[c] : PR_DFA_NO_STATE;
}

static __always_inline __u64 dfa_accept(__u32 st)
{
	struct pr_dfa_state *d;

	if (st == PR_DFA_NO_STATE)
		return 0;
	d = bpf_map_lookup_elem(&policy_dfa, &st);
	return d ? d->accept : 0;
}

#endif /* PROCTOR_BPF_POLICY_H */
