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

/* io_uring network operations (net/uring.bpf.c) that the file family's
 * completion program (file/uring.bpf.c) hands over, as the syscalls' net.*
 * records: SOCKET, ACCEPT, BIND, LISTEN, and SEND/SENDMSG (also zero-copy)
 * with a destination address. CONNECT is the file family's own. */
#define IOU_NET_SENDMSG	   9
#define IOU_NET_ACCEPT	   13
#define IOU_NET_SEND	   26
#define IOU_NET_SOCKET	   45
#define IOU_NET_SEND_ZC	   47
#define IOU_NET_SENDMSG_ZC 48
#define IOU_NET_BIND	   56
#define IOU_NET_LISTEN	   57

static __always_inline bool net_uring_op(__u32 op)
{
	return op == IOU_NET_SENDMSG || op == IOU_NET_ACCEPT || op == IOU_NET_SEND ||
	       op == IOU_NET_SOCKET || op == IOU_NET_SEND_ZC || op == IOU_NET_SENDMSG_ZC ||
	       op == IOU_NET_BIND || op == IOU_NET_LISTEN;
}

/* A submitted io_uring network request (req: struct io_kiocb *, prepared:
 * the kernel has copied the destination of a send or the address of a bind)
 * and a completed one (res: the completion's result). */
__noinline int net_uring_submit(struct pr_tracked *tr, __u64 req, __u32 op);
/* A global function takes no BTF pointer argument (no __arg_trusted with
 * this toolchain): the request is handed over as a number, the tracepoint
 * argument i read as memory. */
#define URING_REQ_ARG(ctx, i)                                                                      \
	({                                                                                         \
		__u64 __r = 0;                                                                     \
		bpf_probe_read_kernel(&__r, sizeof(__r), &(ctx)[i]);                               \
		__r;                                                                               \
	})
__noinline int net_uring_complete(struct pr_tracked *tr, __u64 req, __u32 op, long res);

#endif /* PROCTOR_BPF_NET_H */
