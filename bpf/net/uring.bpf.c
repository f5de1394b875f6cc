/* uring.bpf.c: io_uring network requests of a tracked process as the
 * network syscalls' records (net.socket, net.accept, net.bind, net.listen,
 * and net.send for a send with a destination, first per process and
 * destination), network.syscall "io_uring", each with its result. Called
 * from the file family's io_uring completion program, which sees every
 * completion once. Semantics: docs/EVENTS-network.md. */
#include "net/net.h"

static __always_inline struct pr_net *uring_net_begin(struct pr_tracked *tr, __u16 type, long res,
						      long fd)
{
	struct pr_net *e = ev_reserve(sizeof(*e), type, tr);

	if (!e)
		return NULL;
	__builtin_memset(&e->ret, 0, sizeof(*e) - sizeof(e->hdr));
	fill_hdr(&e->hdr, bpf_get_current_task_btf(), type, sizeof(*e), tr);
	e->ret = res;
	e->fd = fd;
	e->syscall = PR_NR_io_uring_enter;
	return e;
}

static __always_inline struct socket *file_socket(struct file *f)
{
	if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & PR_S_IFMT) != PR_S_IFSOCK)
		return NULL;
	return BPF_CORE_READ(f, private_data);
}

/* The new socket of SOCKET/ACCEPT: an fd, or (direct descriptors) a slot of
 * the ring's table, which the record does not resolve. */
static __always_inline struct socket *uring_new_socket(long res, __u32 file_slot)
{
	if (res < 0 || file_slot)
		return NULL;
	return fd_socket(bpf_get_current_task_btf(), res);
}

static __always_inline bool uring_is_send(__u32 op)
{
	return op == IOU_NET_SEND || op == IOU_NET_SENDMSG || op == IOU_NET_SEND_ZC ||
	       op == IOU_NET_SENDMSG_ZC;
}

/* At submission the request is prepared: a send's destination (sendto-style
 * SEND with an address, SENDMSG with msg_name) is in the request's async
 * msghdr, which is recycled before the completion, and the cqe's fd field
 * is overwritten by then. Both are kept per request until the completion.
 * A send without a destination (connected socket) keeps nothing: it is the
 * flow's, not a net.send. */
__noinline int net_uring_submit(struct pr_tracked *tr, __u64 reqp, __u32 op)
{
	struct io_kiocb *req = (struct io_kiocb *)reqp;
	struct net_uring_req nr = {};
	struct io_async_msghdr *km;
	void *name = NULL;
	int alen = 0;

	if (!tr || !req || op == IOU_NET_SOCKET)
		return 0;
	if (uring_is_send(op)) {
		km = BPF_CORE_READ(req, async_data);
		if (km) {
			name = BPF_CORE_READ(km, msg.msg_name);
			alen = BPF_CORE_READ(km, msg.msg_namelen);
		}
		if (!name || alen < 2)
			return 0;
		nr.alen = alen > PR_URING_ADDR_CAP ? PR_URING_ADDR_CAP : alen;
		if (bpf_probe_read_kernel(nr.addr, PR_URING_ADDR_CAP, name))
			return 0;
	}
	nr.fd = BPF_CORE_READ(req, cqe.fd);
	bpf_map_update_elem(&net_uring_reqs, &reqp, &nr, BPF_ANY);
	return 0;
}

/* A send with a destination (kept at submission). */
static __always_inline void uring_send(struct pr_tracked *tr, struct net_uring_req *nr,
				       struct socket *so, long res)
{
	struct send_key k = {};
	struct pr_net *e;
	__u8 one = 1;

	if (!(e = uring_net_begin(tr, PR_EV_NET_SEND, res, nr->fd)))
		return;
	if (so)
		sock_info(e, so);
	put_sockaddr(e, nr->addr, nr->alen, true, false);
	e->count = 1;
	k.tgid = e->hdr.pid;
	k.port = e->peer_port;
	k.family = e->family;
	k.ok = res >= 0;
	__builtin_memcpy(k.addr, e->peer, 16);
	if (!(e->hdr.flags & PR_NET_PEER) ||
	    bpf_map_update_elem(&send_seen, &k, &one, BPF_NOEXIST)) {
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return;
	}
	ev_submit(e);
}

__noinline int net_uring_complete(struct pr_tracked *tr, __u64 reqp, __u32 op, long res)
{
	struct io_kiocb *req = (struct io_kiocb *)reqp;
	struct net_uring_req *nr = NULL;
	struct socket *so, *nso;
	struct pr_net *e;
	long fd = -1;

	if (!tr || !req)
		return 0;
	if (op != IOU_NET_SOCKET && (nr = bpf_map_lookup_elem(&net_uring_reqs, &reqp)))
		fd = nr->fd;
	so = file_socket(BPF_CORE_READ(req, file));
	if (uring_is_send(op)) {
		if (nr && nr->alen)
			uring_send(tr, nr, so, res);
		goto out;
	}
	if (op == IOU_NET_SOCKET) {
		struct io_socket *sk = (void *)req;
		if (!(e = uring_net_begin(tr, PR_EV_NET_SOCKET, res, -1)))
			goto out;
		e->family = BPF_CORE_READ(sk, domain);
		e->sotype = BPF_CORE_READ(sk, type) & 0xf;
		e->protocol = BPF_CORE_READ(sk, protocol);
		if ((nso = uring_new_socket(res, BPF_CORE_READ(sk, file_slot))))
			sock_info(e, nso);
	} else if (op == IOU_NET_ACCEPT) {
		struct io_accept *ac = (void *)req;
		if (!(e = uring_net_begin(tr, PR_EV_NET_ACCEPT, res, fd)))
			goto out;
		nso = uring_new_socket(res, BPF_CORE_READ(ac, file_slot));
		if (nso) {
			sock_info(e, nso);
			sk_addrs(e, nso, true);
		} else if (so) {
			sock_info(e, so);
		}
	} else if (op == IOU_NET_BIND || op == IOU_NET_LISTEN) {
		/* the bound address from the socket (a failed bind: none) */
		if (!(e = uring_net_begin(
			      tr, op == IOU_NET_BIND ? PR_EV_NET_BIND : PR_EV_NET_LISTEN, res, fd)))
			goto out;
		if (so) {
			sock_info(e, so);
			if (op == IOU_NET_LISTEN || res == 0)
				sk_addrs(e, so, false);
		}
	} else {
		goto out;
	}
	ev_submit(e);
out:
	if (nr)
		bpf_map_delete_elem(&net_uring_reqs, &reqp);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
