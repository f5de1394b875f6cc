/* labels.h: the information-flow labels' parts other objects call
 * (bpf/policy/labels.bpf.c, docs/POLICY.md "labels"): the global functions
 * the file hooks and the lifecycle programs call for a tracked process, and
 * the connect decision of the label rules, inline for the cgroup sock_addr
 * programs (bpf/net/egress.bpf.c). A session without labels pays one
 * label_policy lookup in each. */
#ifndef PROCTOR_BPF_POLICY_LABELS_H
#define PROCTOR_BPF_POLICY_LABELS_H

#include "lib/emit.h"

#define PR_LABEL_IO_READ  0
#define PR_LABEL_IO_WRITE 1

/* After an open: sources, inodes. repeat: the open hook folded it into an
 * earlier open of the same dentry, mount and flags by this process, whose
 * path went through the source DFA then: only the inode's labels are read. */
int label_open(struct pr_tracked *tr, long fd, __u32 flags, bool repeat);
int label_io(struct pr_tracked *tr, long fd, __u32 dir); /* after a read or write of fd */
int label_fork(__u32 parent_tgid, __u32 child_tgid);	 /* a new process: inherit */
int label_exec(struct pr_tracked *tr, __u64 exe);	 /* declassify by the new image */
int label_exit(__u32 tgid);

struct label_verdict {
	int rule; /* index in pr_label_policy.rules, -1: none applies */
	__u8 audit, notify;
};

static __always_inline bool label_except_match(const struct pr_egress_rule *r, __u32 j, __u64 hi,
					       __u64 lo, __u16 port, __u8 tbit, __u64 dns_rules)
{
	__u32 i;

	if (r->transport && !(r->transport & tbit))
		return false;
	if (r->kind == PR_RULE_CIDR) {
		if ((hi & r->mask_hi) != r->net_hi || (lo & r->mask_lo) != r->net_lo)
			return false;
	} else if (!(dns_rules & (1ULL << (63 - j)))) {
		return false;
	}
	if (!r->nports)
		return true;
	for (i = 0; i < PR_RULE_PORTS; i++)
		if (i < r->nports && port >= r->port_lo[i] && port <= r->port_hi[i])
			return true;
	return false;
}

/* The first label rule of the session that denies this destination to a
 * process with labels: its label names one of them and no except matches. */
static __always_inline struct label_verdict label_connect(__u64 session_key, __u16 labels,
							  const __u8 *addr, __u16 port, __u8 tbit,
							  __u64 dns_rules)
{
	struct label_verdict v = {.rule = -1};
	struct pr_label_policy *lp;
	struct pr_ip_key rk = {.session_key = session_key};
	bool resolver;
	__u64 hi, lo;
	__u32 j, k, ex = 0;

	if (!labels || !(lp = bpf_map_lookup_elem(&label_policy, &session_key)) ||
	    !(labels & lp->connect_labels))
		return v;
	__builtin_memcpy(&hi, addr, 8);
	__builtin_memcpy(&lo, addr + 8, 8);
	for (j = 0; j < PR_LABEL_EXCEPTS; j++)
		if (j < lp->nexcept &&
		    label_except_match(&lp->except[j], j, hi, lo, port, tbit, dns_rules))
			ex |= 1u << j;
	__builtin_memcpy(rk.addr, addr, 16);
	resolver = port == 53 && bpf_map_lookup_elem(&dns_resolvers, &rk);
	for (k = 0; k < PR_LABEL_RULES; k++) {
		const struct pr_label_rule *r = &lp->rules[k];
		if (k >= lp->nrules)
			break;
		if (!(r->labels & labels) || (r->except & ex) || (r->resolvers && resolver))
			continue;
		v.rule = k;
		v.audit = r->audit;
		v.notify = r->notify;
		break;
	}
	return v;
}

#endif /* PROCTOR_BPF_POLICY_LABELS_H */
