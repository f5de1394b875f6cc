/* net.h: what the network family's programs (bpf/net/) share: the cgroup
 * programs' per-CPU work area and the emission of a finished flow. */
#ifndef PROCTOR_BPF_NET_H
#define PROCTOR_BPF_NET_H

#include "lib/addr.h"
#include "lib/emit.h"
#include "proctor/syscalls.h"

static __always_inline struct net_scratch *net_scratch_get(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&net_scratch, &zero);
}

/* A flow record is done (closed, failed or denied): put it on the ring. */
static __always_inline void flow_emit(struct pr_flow *f, __u64 session_key)
{
	f->hdr.ts_ns = bpf_ktime_get_boot_ns();
	ev_copy(f, sizeof(*f), PR_EV_NET_FLOW, session_key);
}

#endif /* PROCTOR_BPF_NET_H */
