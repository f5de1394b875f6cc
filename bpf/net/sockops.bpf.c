/* sockops.bpf.c: TCP lifetime of a flow: established (local end), and
 * closed, with the kernel's own byte counters and the close reason. */
#include "net/net.h"

static __always_inline void skops_key(struct bpf_sock_ops *skops, struct pr_flow_key *k)
{
	__u32 ip6[4];

	k->cookie = bpf_get_socket_cookie(skops);
	k->protocol = IPPROTO_TCP;
	if (skops->family == PR_AF_INET6) {
		ip6[0] = skops->remote_ip6[0];
		ip6[1] = skops->remote_ip6[1];
		ip6[2] = skops->remote_ip6[2];
		ip6[3] = skops->remote_ip6[3];
		__builtin_memcpy(k->peer, ip6, 16);
	} else {
		addr_v4(k->peer, skops->remote_ip4);
	}
	k->peer_port = bpf_ntohl(skops->remote_port);
}

static __always_inline void skops_local(struct bpf_sock_ops *skops, struct pr_flow *f)
{
	__u32 ip6[4];

	if (skops->family == PR_AF_INET6) {
		ip6[0] = skops->local_ip6[0];
		ip6[1] = skops->local_ip6[1];
		ip6[2] = skops->local_ip6[2];
		ip6[3] = skops->local_ip6[3];
		__builtin_memcpy(f->local, ip6, 16);
	} else {
		addr_v4(f->local, skops->local_ip4);
	}
	f->local_port = skops->local_port;
}

/* tcp_fin() ran: the peer's FIN took a byte of bytes_received. */
static __always_inline bool tcp_fin_processed(struct tcp_sock *tp)
{
	unsigned long flags = tp->inet_conn.icsk_inet.sk.__sk_common.skc_flags;

	return flags & (1UL << bpf_core_enum_value(enum sock_flags, SOCK_DONE));
}

SEC("sockops")
int net_sockops(struct bpf_sock_ops *skops)
{
	struct pr_flow_key k = {};
	struct pr_flow *f;
	__u64 out, in;
	__u32 old_state;
	struct tcp_sock *tp;
	struct bpf_sock *bsk;

	switch (skops->op) {
	case BPF_SOCK_OPS_TCP_CONNECT_CB:
		bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags |
							 BPF_SOCK_OPS_STATE_CB_FLAG);
		break;
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
		skops_key(skops, &k);
		if ((f = bpf_map_lookup_elem(&flows, &k))) {
			f->fflags |= PR_FLOW_ESTABLISHED;
			skops_local(skops, f);
		}
		break;
	case BPF_SOCK_OPS_STATE_CB:
		if (skops->args[1] != BPF_TCP_CLOSE)
			break;
		skops_key(skops, &k);
		if (!(f = bpf_map_lookup_elem(&flows, &k)))
			break;
		/* The kernel counts sequence space: the SYN and our FIN are in
		 * bytes_acked, the peer's FIN in bytes_received. Our FIN was
		 * acknowledged when the socket closes from FIN_WAIT2, CLOSING or
		 * LAST_ACK; the peer's FIN was seen by cgroup_skb ingress. */
		old_state = skops->args[0];
		out = skops->bytes_acked;
		in = skops->bytes_received;
		if ((f->fflags & PR_FLOW_ESTABLISHED) && out)
			out--;
		if ((old_state == BPF_TCP_FIN_WAIT2 || old_state == BPF_TCP_CLOSING ||
		     old_state == BPF_TCP_LAST_ACK) &&
		    out)
			out--;
		/* The peer's FIN is in bytes_received only if TCP processed it:
		 * ingress may have seen a FIN segment that was queued out of
		 * order, dropped, or left in the backlog while close() moved the
		 * socket to CLOSE. Only tcp_fin() sets SOCK_DONE; RCV_SHUTDOWN is
		 * no proof, since close() sets it too. */
		bsk = skops->sk;
		tp = bsk ? bpf_skc_to_tcp_sock(bsk) : NULL;
		if ((f->fflags & PR_FLOW_FIN_IN) && in && (!tp || tcp_fin_processed(tp)))
			in--;
		f->bytes_out = out;
		f->bytes_in = in;
		/* why it closed: ECONNREFUSED, ETIMEDOUT, ECONNRESET, or 0 */
		if (tp)
			f->err = -(int)tp->inet_conn.icsk_inet.sk.sk_err;
		if (!f->local_port)
			skops_local(skops, f);
		flow_emit(f, f->hdr.session_key);
		bpf_map_delete_elem(&flows, &k);
		break;
	}
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
