/* network.bpf.c: the network family.
 * - syscall tails (sys_exit): socket, connect, bind, listen, accept/accept4,
 *   and connectionless sends (sendto/sendmsg/sendmmsg with an address, the
 *   first per process and destination), each with its result;
 * - cgroup programs attached to each session cgroup (src/sensor/egress.c):
 *   connect4/6 and sendmsg4/6 decide the egress verdict and open a flow,
 *   sock_create denies raw/packet sockets, sock_ops closes TCP flows with
 *   the kernel's own byte counters, cgroup_skb counts UDP payload bytes and
 *   copies DNS packets (port 53, UDP and TCP) to the ring buffer; responses
 *   are parsed here too so that the IP -> domain map is filled before the
 *   resolver's recvmsg returns. */
#include "network.bpf.h"

/* ======================= syscall records =============================== */

static __always_inline struct socket *fd_socket(long fd)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fdtable *fdt;
	struct file **fds, *f = NULL;
	umode_t mode;

	if (fd < 0)
		return NULL;
	fdt = BPF_CORE_READ(t, files, fdt);
	if ((__u64)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	if (!f)
		return NULL;
	mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & PR_S_IFMT) != PR_S_IFSOCK)
		return NULL;
	return BPF_CORE_READ(f, private_data);
}

static __always_inline struct pr_net *net_begin(struct pr_tracked *tr, __u16 type, long ret,
						long fd, struct pt_regs *regs)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct pr_net *e = ev_reserve(sizeof(*e), type, tr);

	if (!e)
		return NULL;
	__builtin_memset(&e->ret, 0, sizeof(*e) - sizeof(e->hdr));
	fill_hdr(&e->hdr, t, type, sizeof(*e), tr);
	e->ret = ret;
	e->fd = fd;
	e->syscall = PR_SYSCALL_NR(regs);
	return e;
}

static __always_inline void sock_info(struct pr_net *e, struct socket *so)
{
	struct sock *sk = BPF_CORE_READ(so, sk);

	if (!sk)
		return;
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->sotype = BPF_CORE_READ(sk, sk_type);
	e->protocol = BPF_CORE_READ(sk, sk_protocol);
}

/* UNIX socket's own bound path (unix_sock->addr). */
static __always_inline void unix_path(struct pr_net *e, struct sock *sk)
{
	struct unix_sock *u = container_of(sk, struct unix_sock, sk);
	struct unix_address *a = BPF_CORE_READ(u, addr);
	int len;
	__u32 n;

	if (!a)
		return;
	len = BPF_CORE_READ(a, len) - 2; /* minus sun_family */
	if (len <= 0)
		return;
	n = len;
	if (n > PR_NET_PATH_CAP) {
		n = PR_NET_PATH_CAP;
		e->hdr.flags |= PR_NET_PATH_TRUNC;
	}
	if (bpf_probe_read_kernel(e->path, PR_NET_PATH_CAP,
				  (void *)a + bpf_core_field_offset(struct unix_address, name) + 2))
		return;
	e->path_len = n;
	if (!e->path[0])
		e->hdr.flags |= PR_NET_ABSTRACT;
}

/* Local (and peer, when connected) addresses from the kernel socket. */
static __always_inline void sk_addrs(struct pr_net *e, struct socket *so, bool peer)
{
	struct sock *sk = BPF_CORE_READ(so, sk);
	__u16 fam;

	if (!sk)
		return;
	fam = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (fam == PR_AF_INET) {
		addr_v4(e->local, BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr));
		e->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
		e->hdr.flags |= PR_NET_LOCAL;
		if (peer) {
			addr_v4(e->peer, BPF_CORE_READ(sk, __sk_common.skc_daddr));
			e->peer_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
			e->hdr.flags |= PR_NET_PEER;
		}
	} else if (fam == PR_AF_INET6) {
		BPF_CORE_READ_INTO(&e->local, sk, __sk_common.skc_v6_rcv_saddr);
		e->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
		e->hdr.flags |= PR_NET_LOCAL;
		if (peer) {
			BPF_CORE_READ_INTO(&e->peer, sk, __sk_common.skc_v6_daddr);
			e->peer_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
			e->hdr.flags |= PR_NET_PEER;
		}
	} else if (fam == PR_AF_UNIX) {
		unix_path(e, sk);
	}
}

/* A user sockaddr into the peer (or local) slot. */
static __always_inline void read_uaddr(struct pr_net *e, const void *ua, __u64 alen, bool peer)
{
	__u16 fam = 0;
	__u8 *addr = peer ? e->peer : e->local;
	__u16 *port = peer ? &e->peer_port : &e->local_port;
	__u32 n;

	if (!ua || alen < 2 || bpf_probe_read_user(&fam, 2, ua))
		return;
	if (!e->family)
		e->family = fam;
	if (fam == PR_AF_INET && alen >= 8) {
		struct sockaddr_in sin = {};
		bpf_probe_read_user(&sin, sizeof(sin), ua);
		addr_v4(addr, sin.sin_addr.s_addr);
		*port = bpf_ntohs(sin.sin_port);
	} else if (fam == PR_AF_INET6 && alen >= 24) {
		struct sockaddr_in6 sin6 = {};
		bpf_probe_read_user(&sin6, sizeof(sin6), ua);
		__builtin_memcpy(addr, &sin6.sin6_addr, 16);
		*port = bpf_ntohs(sin6.sin6_port);
	} else if (fam == PR_AF_UNIX) {
		/* fixed-size read (the verifier wants a constant); the decoder
		 * uses only path_len bytes */
		n = alen - 2;
		if (n > PR_NET_PATH_CAP) {
			n = PR_NET_PATH_CAP;
			e->hdr.flags |= PR_NET_PATH_TRUNC;
		}
		if (!n || bpf_probe_read_user(e->path, PR_NET_PATH_CAP, ua + 2))
			return;
		e->path_len = n;
		if (!e->path[0])
			e->hdr.flags |= PR_NET_ABSTRACT;
	} else {
		return;
	}
	e->hdr.flags |= peer ? PR_NET_PEER : PR_NET_LOCAL;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_net_socket, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = tracked_current();
	struct socket *so;
	struct pr_net *e;

	if (!tr)
		return 0;
	if (!(e = net_begin(tr, PR_EV_NET_SOCKET, ret, -1, regs)))
		return 0;
	e->family = PR_ARG1(regs);
	e->sotype = PR_ARG2(regs) & 0xf;
	e->protocol = PR_ARG3(regs);
	if (ret >= 0 && (so = fd_socket(ret)))
		sock_info(e, so);
	ev_submit(e);
	return 0;
}

/* A connect that failed before the TCP machinery ran (ENETUNREACH,
 * EADDRNOTAVAIL, ...) gets no close callback: end its flow here. The socket
 * cookie was generated by the connect hook, so it can be read back; only a
 * socket left in CLOSE qualifies (EISCONN/EALREADY leave the live flow). */
static __always_inline void flush_failed_connect(struct socket *so, struct pr_net *e, long ret,
						 struct pr_tracked *tr)
{
	struct sock *sk = BPF_CORE_READ(so, sk);
	struct pr_flow_key k = {};
	struct pr_flow *f;

	if (!sk || BPF_CORE_READ(sk, __sk_common.skc_state) != BPF_TCP_CLOSE ||
	    !(e->hdr.flags & PR_NET_PEER))
		return;
	k.cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	__builtin_memcpy(k.peer, e->peer, 16);
	k.peer_port = e->peer_port;
	k.protocol = e->protocol;
	if (!k.cookie || !(f = bpf_map_lookup_elem(&flows, &k)))
		return;
	f->err = ret;
	f->hdr.ts_ns = bpf_ktime_get_boot_ns();
	if (bpf_ringbuf_output(&events, f, sizeof(*f), wakeup_flags()))
		count_drop(PR_EV_NET_FLOW, tr->session_key);
	bpf_map_delete_elem(&flows, &k);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_net_connect, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = tracked_current();
	long fd = PR_ARG1(regs);
	struct socket *so;
	struct pr_net *e;

	if (!tr)
		return 0;
	if (!(e = net_begin(tr, PR_EV_NET_CONNECT, ret, fd, regs)))
		return 0;
	so = fd_socket(fd);
	if (so)
		sock_info(e, so);
	read_uaddr(e, (void *)PR_ARG2(regs), PR_ARG3(regs), true);
	if (so && (ret == 0 || ret == -PR_EINPROGRESS) && e->family != PR_AF_UNIX) {
		struct sock *sk = BPF_CORE_READ(so, sk);
		__u16 fam = sk ? BPF_CORE_READ(sk, __sk_common.skc_family) : 0;
		if (fam == PR_AF_INET) {
			addr_v4(e->local, BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr));
			e->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
			e->hdr.flags |= PR_NET_LOCAL;
		} else if (fam == PR_AF_INET6) {
			BPF_CORE_READ_INTO(&e->local, sk, __sk_common.skc_v6_rcv_saddr);
			e->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
			e->hdr.flags |= PR_NET_LOCAL;
		}
	}
	if (so && ret < 0 && ret != -PR_EINPROGRESS && e->family != PR_AF_UNIX)
		flush_failed_connect(so, e, ret, tr);
	ev_submit(e);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_net_bind, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = tracked_current();
	long fd = PR_ARG1(regs);
	struct socket *so;
	struct pr_net *e;

	if (!tr)
		return 0;
	if (!(e = net_begin(tr, PR_EV_NET_BIND, ret, fd, regs)))
		return 0;
	if ((so = fd_socket(fd)))
		sock_info(e, so);
	read_uaddr(e, (void *)PR_ARG2(regs), PR_ARG3(regs), false);
	/* port 0: the kernel chose one */
	if (ret == 0 && so && !e->local_port && e->family != PR_AF_UNIX) {
		struct sock *sk = BPF_CORE_READ(so, sk);
		if (sk)
			e->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	}
	ev_submit(e);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_net_listen, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = tracked_current();
	long fd = PR_ARG1(regs);
	struct socket *so;
	struct pr_net *e;

	if (!tr)
		return 0;
	if (!(e = net_begin(tr, PR_EV_NET_LISTEN, ret, fd, regs)))
		return 0;
	if ((so = fd_socket(fd))) {
		sock_info(e, so);
		sk_addrs(e, so, false);
	}
	ev_submit(e);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_net_accept, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = tracked_current();
	long fd = PR_ARG1(regs);
	struct socket *so;
	struct pr_net *e;

	if (!tr)
		return 0;
	if (!(e = net_begin(tr, PR_EV_NET_ACCEPT, ret, fd, regs)))
		return 0;
	so = fd_socket(ret >= 0 ? ret : fd);
	if (so) {
		sock_info(e, so);
		if (ret >= 0)
			sk_addrs(e, so, true);
	}
	ev_submit(e);
	return 0;
}

static __always_inline __u64 path_hash(const char *p, __u32 n)
{
	__u64 h = PR_FNV_OFFSET;
	__u32 i;

	for (i = 0; i < PR_NET_PATH_CAP && i < n; i++) {
		h ^= (__u8)p[i];
		h *= PR_FNV_PRIME;
	}
	return h;
}

/* Emit a net.send for one destination unless this process already sent
 * there with the same outcome. */
static __always_inline void send_one(struct pr_tracked *tr, struct pt_regs *regs, long ret, long fd,
				     struct socket *so, const void *ua, __u64 alen, __u16 count)
{
	struct send_key k = {};
	struct pr_net *e;
	__u8 one = 1;

	if (!ua)
		return;
	if (!(e = net_begin(tr, PR_EV_NET_SEND, ret, fd, regs)))
		return;
	if (so)
		sock_info(e, so);
	read_uaddr(e, ua, alen, true);
	e->count = count;
	k.tgid = e->hdr.pid;
	k.port = e->peer_port;
	k.family = e->family;
	k.ok = ret >= 0;
	__builtin_memcpy(k.addr, e->peer, 16);
	if (e->path_len)
		k.path_hash = path_hash(e->path, e->path_len);
	if (!(e->hdr.flags & PR_NET_PEER) ||
	    bpf_map_update_elem(&send_seen, &k, &one, BPF_NOEXIST)) {
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return;
	}
	ev_submit(e);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_net_sendto, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = tracked_current();
	long fd = PR_ARG1(regs);
	void *ua;

	if (!tr)
		return 0;
	ua = (void *)PR_ARG5(regs);
	if (!ua)
		return 0;
	send_one(tr, regs, ret, fd, fd_socket(fd), ua, PR_ARG6(regs), 1);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_net_sendmsg, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = tracked_current();
	long fd = PR_ARG1(regs);
	struct user_msghdr m = {};

	if (!tr)
		return 0;
	if (bpf_probe_read_user(&m, sizeof(m), (void *)PR_ARG2(regs)) || !m.msg_name)
		return 0;
	send_one(tr, regs, ret, fd, fd_socket(fd), m.msg_name, m.msg_namelen, 1);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_net_sendmmsg, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = tracked_current();
	long fd = PR_ARG1(regs);
	struct mmsghdr *vec = (void *)PR_ARG2(regs);
	__u32 vlen = PR_ARG3(regs), i;
	struct socket *so;
	struct user_msghdr m;

	if (!tr)
		return 0;
	so = fd_socket(fd);
	/* ret < 0: the call failed, reported once with the first destination;
	 * else messages [0, ret) were sent, each with its msg_len. */
	for (i = 0; i < PR_MMSG_SCAN && i < vlen; i++) {
		__u32 sent = 0;

		if (ret < 0 ? i > 0 : (long)i >= ret)
			break;
		if (bpf_probe_read_user(&m, sizeof(m), &vec[i].msg_hdr) || !m.msg_name)
			continue;
		if (ret >= 0)
			bpf_probe_read_user(&sent, sizeof(sent), &vec[i].msg_len);
		send_one(tr, regs, ret < 0 ? ret : sent, fd, so, m.msg_name, m.msg_namelen, vlen);
	}
	return 0;
}

/* ======================= egress policy ================================= */

struct decision {
	__u8 verdict, audit;
	__s16 rule;
};

static __always_inline bool port_ok(const struct pr_egress_rule *r, __u16 port)
{
	__u32 j;

	if (!r->nports)
		return true;
	for (j = 0; j < PR_RULE_PORTS; j++)
		if (j < r->nports && port >= r->port_lo[j] && port <= r->port_hi[j])
			return true;
	return false;
}

struct rule_walk {
	struct pr_egress_policy *p;
	__u64 hi, lo, dns_rules;
	__u16 port;
	__u8 tbit;
	int deny, allow;
};

static long rule_cb(__u64 i, void *arg)
{
	struct rule_walk *w = arg;
	struct pr_egress_policy *p = w->p;
	const struct pr_egress_rule *r;

	if (!p || i >= p->nrules || i >= PR_EGRESS_RULES)
		return 1;
	r = &p->rules[i];
	if (r->transport && !(r->transport & w->tbit))
		return 0;
	if (r->kind == PR_RULE_CIDR) {
		if ((w->hi & r->mask_hi) != r->net_hi || (w->lo & r->mask_lo) != r->net_lo)
			return 0;
	} else if (!(w->dns_rules & (1ULL << i))) {
		return 0;
	}
	if (!port_ok(r, w->port))
		return 0;
	if (r->action == PR_RULE_DENY) {
		w->deny = i;
		return 1;
	}
	if (w->allow < 0)
		w->allow = i;
	return 0;
}

/* Evaluate the session policy for a destination. Deny rules win over allow
 * rules; among rules of one kind the first listed is reported. */
static __always_inline struct decision decide(__u64 session_key, const __u8 *addr, __u16 port,
					      __u8 tbit, __u64 dns_rules, bool raw)
{
	struct decision d = {.verdict = PR_VERDICT_ALLOWED, .rule = PR_RULE_NONE};
	struct pr_egress_policy *p = bpf_map_lookup_elem(&egress_policy, &session_key);
	struct rule_walk w = {
		.port = port, .tbit = tbit, .dns_rules = dns_rules, .deny = -1, .allow = -1};
	bool denied;

	if (!p)
		return d;
	if (raw) {
		d.rule = PR_RULE_RAW;
		denied = p->raw_deny;
	} else {
		w.p = p;
		__builtin_memcpy(&w.hi, addr, 8);
		__builtin_memcpy(&w.lo, addr + 8, 8);
		bpf_loop(PR_EGRESS_RULES, rule_cb, &w, 0);
		if (w.deny >= 0) {
			d.rule = w.deny;
			denied = true;
		} else if (w.allow >= 0) {
			d.rule = w.allow;
			denied = false;
		} else {
			d.rule = PR_RULE_DEFAULT;
			denied = p->default_deny;
		}
	}
	if (!denied)
		return d;
	if (p->mode == PR_MODE_AUDIT) {
		d.verdict = PR_VERDICT_BYPASSED;
		d.audit = 1;
	} else if (p->bypass_until_ns && bpf_ktime_get_boot_ns() < p->bypass_until_ns) {
		d.verdict = PR_VERDICT_BYPASSED;
		d.audit = 2;
	} else {
		d.verdict = PR_VERDICT_DENIED;
	}
	return d;
}

/* fill_hdr() for cgroup programs: they have no BTF task pointer, so the
 * task is read with CO-RE probe reads and the current-task helpers. */
static __always_inline void flow_hdr(struct pr_flow *f, struct pr_tracked *tr)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct pr_hdr *h = &f->hdr;
	__u64 id = bpf_get_current_pid_tgid();

	h->type = PR_EV_NET_FLOW;
	h->flags = 0;
	h->size = sizeof(*f);
	h->ts_ns = bpf_ktime_get_boot_ns();
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->session_key = tr->session_key;
	h->pid = id >> 32;
	h->tid = (__u32)id;
	h->ppid = BPF_CORE_READ(t, real_parent, tgid);
	h->uid = BPF_CORE_READ(t, cred, euid.val);
	h->gid = BPF_CORE_READ(t, cred, egid.val);
	h->_pad = 0;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

static __always_inline void flow_emit(struct pr_flow *f, struct pr_tracked *tr)
{
	f->hdr.ts_ns = bpf_ktime_get_boot_ns();
	if (bpf_ringbuf_output(&events, f, sizeof(*f), wakeup_flags()))
		count_drop(PR_EV_NET_FLOW, tr->session_key);
}

static __always_inline __u8 transport_bit(__u8 proto)
{
	if (proto == IPPROTO_TCP)
		return PR_TRANSPORT_TCP;
	if (proto == IPPROTO_UDP)
		return PR_TRANSPORT_UDP;
	return 0;
}

/* connect4/6 and sendmsg4/6: verdict, flow. Returns 1 allow, 0 deny. */
static __always_inline int on_egress(struct bpf_sock_addr *ctx, bool v6, bool send)
{
	struct pr_tracked *tr = tracked_current();
	struct net_scratch *ns;
	struct pr_flow *f, *old;
	struct pr_flow_key k = {};
	struct pr_ip_key ik = {};
	struct pr_ip_domain *ipd;
	struct decision d;
	__u64 rules = 0, now;
	__u32 ip6[4];

	if (!tr || !(ns = net_scratch_get()))
		return 1;
	k.cookie = bpf_get_socket_cookie(ctx);
	k.protocol = ctx->protocol;
	if (v6) {
		ip6[0] = ctx->user_ip6[0];
		ip6[1] = ctx->user_ip6[1];
		ip6[2] = ctx->user_ip6[2];
		ip6[3] = ctx->user_ip6[3];
		__builtin_memcpy(k.peer, ip6, 16);
	} else {
		addr_v4(k.peer, ctx->user_ip4);
	}
	k.peer_port = bpf_ntohs(ctx->user_port);
	/* Connectionless sends: decided at the first send to a peer. A denied
	 * peer is decided again (a bypass may have started since). */
	old = send ? bpf_map_lookup_elem(&flows, &k) : NULL;
	if (old && old->verdict != PR_VERDICT_DENIED)
		return 1;

	now = bpf_ktime_get_boot_ns();
	f = &ns->flow;
	__builtin_memset(f, 0, sizeof(*f));
	flow_hdr(f, tr);
	f->start_ns = now;
	f->last_ns = now;
	f->cookie = k.cookie;
	__builtin_memcpy(f->peer, k.peer, 16);
	f->peer_port = k.peer_port;
	f->family = v6 ? 6 : 4;
	f->protocol = k.protocol;

	ik.session_key = tr->session_key;
	__builtin_memcpy(ik.addr, k.peer, 16);
	if ((ipd = bpf_map_lookup_elem(&dns_ips, &ik))) {
		__builtin_memcpy(f->domain, ipd->name, PR_DOMAIN_CAP);
		if (ipd->trunc)
			f->fflags |= PR_FLOW_DOMAIN_TRUNC;
		if (now < ipd->expires_ns)
			rules = ipd->rules;
	}
	d = decide(tr->session_key, k.peer, k.peer_port, transport_bit(k.protocol), rules, false);
	f->verdict = d.verdict;
	f->audit = d.audit;
	f->rule = d.rule;
	if (d.verdict == PR_VERDICT_DENIED && !send) {
		flow_emit(f, tr); /* the attempt is the whole flow */
		return 0;
	}
	if (old) {
		if (d.verdict == PR_VERDICT_DENIED)
			return 0;   /* still denied: the pending record covers it */
		flow_emit(old, tr); /* the denied part ends here */
	}
	/* A reconnect to the same peer replaces the entry; a connectionless
	 * denial is kept (once) so that repeated sends make one record. */
	if (bpf_map_update_elem(&flows, &k, f, BPF_ANY))
		count_drop(PR_EV_NET_FLOW, tr->session_key);
	return d.verdict != PR_VERDICT_DENIED;
}

SEC("cgroup/connect4")
int net_connect4(struct bpf_sock_addr *ctx)
{
	return on_egress(ctx, false, false);
}

SEC("cgroup/connect6")
int net_connect6(struct bpf_sock_addr *ctx)
{
	return on_egress(ctx, true, false);
}

SEC("cgroup/sendmsg4")
int net_sendmsg4(struct bpf_sock_addr *ctx)
{
	return on_egress(ctx, false, true);
}

SEC("cgroup/sendmsg6")
int net_sendmsg6(struct bpf_sock_addr *ctx)
{
	return on_egress(ctx, true, true);
}

/* Raw (any family), packet and ICMP datagram sockets: a flow record at
 * creation, denied when the policy denies raw sockets. */
SEC("cgroup/sock_create")
int net_sock_create(struct bpf_sock *ctx)
{
	struct pr_tracked *tr;
	struct net_scratch *ns;
	struct pr_flow *f;
	struct decision d;
	__u8 none[16] = {};

	/* ICMP datagram ("ping") sockets reach any host without a port: they
	 * are treated as raw sockets. */
	if (ctx->type != PR_SOCK_RAW && ctx->family != PR_AF_PACKET &&
	    !(ctx->type == PR_SOCK_DGRAM &&
	      (ctx->protocol == IPPROTO_ICMP || ctx->protocol == 58 /* ICMPv6 */)))
		return 1;
	if (!(tr = tracked_current()) || !(ns = net_scratch_get()))
		return 1;
	if (!bpf_map_lookup_elem(&egress_policy, &tr->session_key))
		return 1; /* no policy: net.socket records it */
	d = decide(tr->session_key, none, 0, 0, 0, true);
	f = &ns->flow;
	__builtin_memset(f, 0, sizeof(*f));
	flow_hdr(f, tr);
	f->start_ns = f->hdr.ts_ns;
	f->family = ctx->family == PR_AF_INET6 ? 6 : ctx->family == PR_AF_INET ? 4 : 0;
	f->protocol = ctx->family == PR_AF_PACKET ? 255 : ctx->protocol;
	f->verdict = d.verdict;
	f->audit = d.audit;
	f->rule = d.rule;
	f->err = ctx->family;	   /* raw-socket flows: the socket family */
	f->local_port = ctx->type; /* and the socket type */
	flow_emit(f, tr);
	return d.verdict != PR_VERDICT_DENIED;
}

/* ======================= TCP lifetime ================================== */

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

SEC("sockops")
int net_sockops(struct bpf_sock_ops *skops)
{
	struct pr_flow_key k = {};
	struct pr_flow *f;
	struct pr_tracked tr = {};
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
		 * order or dropped. tcp_fin() sets RCV_SHUTDOWN when it does. */
		bsk = skops->sk;
		tp = bsk ? bpf_skc_to_tcp_sock(bsk) : NULL;
		if ((f->fflags & PR_FLOW_FIN_IN) && in &&
		    (!tp || (tp->inet_conn.icsk_inet.sk.sk_shutdown & PR_RCV_SHUTDOWN)))
			in--;
		f->bytes_out = out;
		f->bytes_in = in;
		/* why it closed: ECONNREFUSED, ETIMEDOUT, ECONNRESET, or 0 */
		if (tp)
			f->err = -(int)tp->inet_conn.icsk_inet.sk.sk_err;
		if (!f->local_port)
			skops_local(skops, f);
		tr.session_key = f->hdr.session_key;
		flow_emit(f, &tr);
		bpf_map_delete_elem(&flows, &k);
		break;
	}
	return 1;
}

/* ======================= packets: UDP bytes, DNS ======================= */

struct pkt {
	__u8 peer[16], local[16];
	__u16 peer_port, local_port;
	__u8 proto;
	__u32 l4off;  /* transport header offset */
	__u32 payoff; /* payload offset */
	__u32 paylen;
	__u8 tcpflags;
};

static __always_inline bool parse_pkt(struct __sk_buff *skb, bool in, struct pkt *p)
{
	__u16 ports[2];
	__u8 doff;

	if (skb->protocol == bpf_htons(PR_ETH_P_IP)) {
		struct iphdr ip;
		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)))
			return false;
		if (ip.frag_off & bpf_htons(0x1fff))
			return false; /* not the first fragment */
		p->proto = ip.protocol;
		p->l4off = ip.ihl * 4;
		addr_v4(in ? p->peer : p->local, ip.saddr);
		addr_v4(in ? p->local : p->peer, ip.daddr);
	} else if (skb->protocol == bpf_htons(PR_ETH_P_IPV6)) {
		struct ipv6hdr ip6;
		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)))
			return false;
		p->proto = ip6.nexthdr; /* extension headers: not followed */
		p->l4off = sizeof(ip6);
		__builtin_memcpy(in ? p->peer : p->local, &ip6.saddr, 16);
		__builtin_memcpy(in ? p->local : p->peer, &ip6.daddr, 16);
	} else {
		return false;
	}
	if (p->proto != IPPROTO_UDP && p->proto != IPPROTO_TCP)
		return false;
	if (bpf_skb_load_bytes(skb, p->l4off, ports, sizeof(ports)))
		return false;
	p->peer_port = bpf_ntohs(in ? ports[0] : ports[1]);
	p->local_port = bpf_ntohs(in ? ports[1] : ports[0]);
	if (p->proto == IPPROTO_UDP) {
		p->payoff = p->l4off + 8;
	} else {
		if (bpf_skb_load_bytes(skb, p->l4off + 12, &doff, 1) ||
		    bpf_skb_load_bytes(skb, p->l4off + 13, &p->tcpflags, 1))
			return false;
		p->payoff = p->l4off + (doff >> 4) * 4;
	}
	p->paylen = skb->len > p->payoff ? skb->len - p->payoff : 0;
	return true;
}

/* ---- in-kernel DNS response walk (for the IP -> domain map) ---------- */

static __always_inline __u8 dns_byte(struct pr_scratch *s, struct dns_walk *w, __u32 pos)
{
	return s->buf[(w->base + pos) & SCRATCH_MASK];
}

/* Question name, wire format -> dotted lower case in ns->name. */
static long dns_name_cb(__u64 i, void *arg)
{
	struct pr_scratch *s = scratch_get();
	struct net_scratch *ns = net_scratch_get();
	struct dns_walk *w;
	__u8 c;

	if (!s || !ns)
		return 1;
	w = &ns->w;
	if (w->pos >= w->len || w->out >= 254)
		return 1;
	c = dns_byte(s, w, w->pos);
	w->pos++;
	if (!w->left) {
		if (!c) {
			w->done = 1;
			return 1;
		}
		if (c & 0xc0)
			return 1; /* compression in a question: give up */
		w->left = c;
		if (w->out)
			ns->name[w->out++ & 255] = '.';
		return 0;
	}
	if (c >= 'A' && c <= 'Z')
		c += 32;
	ns->name[w->out++ & 255] = c;
	w->left--;
	return 0;
}

/* Backward FNV-1a over the name; at each dot, the suffix after it. */
static long dns_hash_cb(__u64 i, void *arg)
{
	struct net_scratch *ns = net_scratch_get();
	struct pr_domain_key dk;
	struct pr_domain_rules *dr;
	struct dns_walk *w;
	__u8 c;

	if (!ns)
		return 1;
	w = &ns->w;
	if (i >= w->out)
		return 1;
	c = ns->name[(w->out - 1 - i) & 255];
	if (c == '.') {
		dk.session_key = w->session_key;
		dk.hash = w->hash;
		if ((dr = bpf_map_lookup_elem(&egress_domains, &dk)))
			w->wildcard |= dr->wildcard;
	}
	w->hash ^= c;
	w->hash *= PR_FNV_PRIME;
	return 0;
}

/* Answer records, one step per call: a step skips one label of an owner
 * name, or reads a record's fixed part (A/AAAA -> dns_ips). */
static long dns_answer_cb(__u64 i, void *arg)
{
	struct pr_scratch *s = scratch_get();
	struct net_scratch *ns = net_scratch_get();
	struct pr_ip_key k = {};
	struct pr_ip_domain *old;
	struct dns_walk *w;
	__u64 now, keep, keep_until;
	__u32 ttl;
	__u16 type, rdlen;
	__u8 c;

	if (!s || !ns)
		return 1;
	w = &ns->w;
	if (w->left == 0 || w->pos >= w->len)
		return 1;
	if (!w->done) { /* in the owner name */
		c = dns_byte(s, w, w->pos);
		if ((c & 0xc0) == 0xc0) {
			w->pos += 2;
			w->done = 1;
		} else {
			w->pos += 1 + c;
			w->done = !c;
		}
		return 0;
	}
	w->done = 0;
	w->left--;
	if (w->pos + 10 > w->len)
		return 1;
	type = (__u16)dns_byte(s, w, w->pos) << 8 | dns_byte(s, w, w->pos + 1);
	ttl = (__u32)dns_byte(s, w, w->pos + 4) << 24 | (__u32)dns_byte(s, w, w->pos + 5) << 16 |
	      (__u32)dns_byte(s, w, w->pos + 6) << 8 | dns_byte(s, w, w->pos + 7);
	rdlen = (__u16)dns_byte(s, w, w->pos + 8) << 8 | dns_byte(s, w, w->pos + 9);
	w->pos += 10;
	if (w->pos + rdlen > w->len)
		return 1;
	if ((type == 1 && rdlen == 4) || (type == 28 && rdlen == 16)) {
		k.session_key = w->session_key;
		if (type == 1) {
			k.addr[10] = 0xff;
			k.addr[11] = 0xff;
			bpf_probe_read_kernel(&k.addr[12], 4,
					      &s->buf[(w->base + w->pos) & SCRATCH_MASK]);
		} else {
			bpf_probe_read_kernel(k.addr, 16,
					      &s->buf[(w->base + w->pos) & SCRATCH_MASK]);
		}
		ns->ipd.ttl = ttl;
		if (ttl < PR_DNS_MIN_TTL)
			ttl = PR_DNS_MIN_TTL;
		now = bpf_ktime_get_boot_ns();
		ns->ipd.expires_ns = now + (__u64)ttl * 1000000000ull;
		/* One address, several names (CDNs, shared hosts): the latest name
		 * is shown, the rules of every name still fresh keep applying. */
		old = bpf_map_lookup_elem(&dns_ips, &k);
		keep = old && now < old->expires_ns ? old->rules : 0;
		keep_until = old ? old->expires_ns : 0;
		bpf_map_update_elem(&dns_ips, &k, &ns->ipd, BPF_ANY);
		if (keep && (old = bpf_map_lookup_elem(&dns_ips, &k))) {
			old->rules |= keep;
			if (keep_until > old->expires_ns)
				old->expires_ns = keep_until;
		}
	}
	w->pos += rdlen;
	return 0;
}

/* Walk a response held in scratch->buf[base, base+len). */
static __always_inline void dns_learn(struct pr_scratch *s, struct net_scratch *ns, __u32 base,
				      __u32 len, __u64 session_key)
{
	struct dns_walk *w = &ns->w;
	struct pr_domain_key dk;
	struct pr_domain_rules *dr;
	__u16 ancount;
	__u8 fl;

	if (len < 12)
		return;
	fl = s->buf[(base + 2) & SCRATCH_MASK];
	if (!(fl & 0x80) || (fl & 0x78)) /* a standard-query response */
		return;
	if ((s->buf[(base + 3) & SCRATCH_MASK] & 0xf) != 0) /* rcode */
		return;
	if (s->buf[(base + 4) & SCRATCH_MASK] || s->buf[(base + 5) & SCRATCH_MASK] != 1)
		return;
	ancount = (__u16)s->buf[(base + 6) & SCRATCH_MASK] << 8 | s->buf[(base + 7) & SCRATCH_MASK];
	/* The walk state lives in the map value: the verifier then treats it
	 * as unknown and checks each callback once. */
	__builtin_memset(w, 0, sizeof(*w));
	w->base = base;
	w->len = len;
	w->pos = 12;
	w->session_key = session_key;
	bpf_loop(256, dns_name_cb, NULL, 0);
	if (!w->done || !w->out)
		return;
	w->pos += 4; /* qtype, qclass */
	if (bpf_map_lookup_elem(&egress_policy, &session_key)) {
		w->hash = PR_FNV_OFFSET;
		bpf_loop(256, dns_hash_cb, NULL, 0);
		dk.session_key = session_key;
		dk.hash = w->hash;
		if ((dr = bpf_map_lookup_elem(&egress_domains, &dk)))
			w->exact = dr->exact;
	}
	__builtin_memset(&ns->ipd, 0, sizeof(ns->ipd));
	ns->ipd.rules = w->exact | w->wildcard;
	bpf_probe_read_kernel(ns->ipd.name, PR_DOMAIN_CAP - 1, ns->name);
	ns->ipd.name[PR_DOMAIN_CAP - 1] = 0;
	if (w->out >= PR_DOMAIN_CAP)
		ns->ipd.trunc = 1;
	else
		ns->ipd.name[w->out & (PR_DOMAIN_CAP - 1)] = 0;
	if (ancount > PR_DNS_ANSWERS)
		ancount = PR_DNS_ANSWERS;
	w->left = ancount; /* records to go */
	w->done = 0;	   /* 0: in an owner name */
	bpf_loop(PR_DNS_ANSWERS * 12, dns_answer_cb, NULL, 0);
}

/* Whose answers may teach the kernel name -> address mappings: with a
 * policy, only the session's resolvers (else an agent could run its own
 * DNS server and "resolve" an allowed name to any address); without one,
 * anybody (attribution only). */
static __always_inline bool dns_trusted(__u64 session_key, const __u8 *server)
{
	struct pr_ip_key k = {.session_key = session_key};

	if (!bpf_map_lookup_elem(&egress_policy, &session_key))
		return true;
	__builtin_memcpy(k.addr, server, 16);
	return bpf_map_lookup_elem(&dns_resolvers, &k) != NULL;
}

/* Copy one DNS message (for TCP: with its 2-byte length) to the ring
 * buffer, and learn from it when it is a trusted response. */
static __always_inline void dns_message(struct __sk_buff *skb, struct pkt *p, __u32 off, __u32 n,
					bool in, struct pr_tracked *tr, struct pr_flow *fl)
{
	struct pr_scratch *s = scratch_get();
	struct net_scratch *ns = net_scratch_get();
	struct pr_dns_pkt *e;
	__u32 base = sizeof(*e);

	if (!s || !ns || !n)
		return;
	e = (void *)s->buf;
	if (fl) {
		__builtin_memcpy(&e->hdr, &fl->hdr, sizeof(e->hdr));
	} else {
		__builtin_memset(&e->hdr, 0, sizeof(e->hdr));
		e->hdr.cgroup_id = bpf_skb_cgroup_id(skb);
		e->hdr.session_key = tr->session_key;
	}
	e->hdr.type = PR_EV_DNS_PACKET;
	e->hdr.ts_ns = bpf_ktime_get_boot_ns();
	e->hdr.flags = (in ? PR_DNS_RESPONSE : 0) | (p->proto == IPPROTO_TCP ? PR_DNS_TCP : 0);
	__builtin_memcpy(e->server, p->peer, 16);
	e->server_port = p->peer_port;
	e->orig_len = n;
	if (n > PR_DNS_CAP) {
		n = PR_DNS_CAP;
		e->hdr.flags |= PR_DNS_TRUNC;
	}
	e->len = n;
	/* n is in [1, PR_DNS_CAP]; say so in a form the verifier follows */
	n = ((n - 1) & (PR_DNS_CAP - 1)) + 1;
	if (bpf_skb_load_bytes(skb, off, &s->buf[base], n))
		return;
	e->hdr.size = base + n;
	if (in && dns_trusted(tr->session_key, p->peer)) {
		if (p->proto == IPPROTO_TCP)
			dns_learn(s, ns, base + 2, n - 2 > n ? 0 : n - 2, tr->session_key);
		else
			dns_learn(s, ns, base, n, tr->session_key);
	}
	ev_output(s, base + n, PR_EV_DNS_PACKET, tr);
}

/* A UDP datagram is one message. A TCP segment may carry several (glibc
 * "use-vc" writes the A and AAAA queries at once): each message that starts
 * in the segment is a record, up to PR_DNS_TCP_MSGS. */
static __always_inline void dns_packet(struct __sk_buff *skb, struct pkt *p, bool in,
				       struct pr_tracked *tr, struct pr_flow *fl)
{
	__u32 off = p->payoff, end = p->payoff + p->paylen, i;
	__u16 mlen;

	if (p->proto != IPPROTO_TCP) {
		dns_message(skb, p, off, p->paylen, in, tr, fl);
		return;
	}
	for (i = 0; i < PR_DNS_TCP_MSGS; i++) {
		if (off + 2 > end || bpf_skb_load_bytes(skb, off, &mlen, 2))
			break;
		mlen = bpf_ntohs(mlen);
		dns_message(skb, p, off, end - off < 2u + mlen ? end - off : 2u + mlen, in, tr, fl);
		off += 2u + mlen;
	}
}

static __always_inline int on_skb(struct __sk_buff *skb, bool in)
{
	__u64 cg = bpf_skb_cgroup_id(skb);
	struct pr_tracked *tr = bpf_map_lookup_elem(&tracked_cgroups, &cg);
	struct pr_flow_key k = {};
	struct pr_flow *f;
	struct pkt p = {};

	if (!tr || !parse_pkt(skb, in, &p))
		return 1;
	k.cookie = bpf_get_socket_cookie(skb);
	__builtin_memcpy(k.peer, p.peer, 16);
	k.peer_port = p.peer_port;
	k.protocol = p.proto;
	f = bpf_map_lookup_elem(&flows, &k);
	/* UDP: payload bytes. TCP: segment payload as a fallback for flows
	 * still open at the end; the close callback replaces it with the
	 * kernel's exact bytes_acked / bytes_received. */
	if (f) {
		if (in)
			__sync_fetch_and_add(&f->bytes_in, p.paylen);
		else
			__sync_fetch_and_add(&f->bytes_out, p.paylen);
		f->last_ns = bpf_ktime_get_boot_ns();
		if (in && (p.tcpflags & 0x01)) /* FIN */
			f->fflags |= PR_FLOW_FIN_IN;
		if (!f->local_port) {
			__builtin_memcpy(f->local, p.local, 16);
			f->local_port = p.local_port;
		}
	}
	if (p.peer_port == 53)
		dns_packet(skb, &p, in, tr, f);
	return 1;
}

SEC("cgroup_skb/egress")
int net_skb_egress(struct __sk_buff *skb)
{
	return on_skb(skb, false);
}

SEC("cgroup_skb/ingress")
int net_skb_ingress(struct __sk_buff *skb)
{
	return on_skb(skb, true);
}

char LICENSE[] SEC("license") = "GPL";
