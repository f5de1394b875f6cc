/* addr.h: addresses into struct pr_net (abi_net.h) in the 16-byte form
 * (IPv4 as ::ffff:a.b.c.d): from a sockaddr in user or kernel memory, and
 * from a kernel socket. Used by the network syscalls and io_uring CONNECT. */
#ifndef PROCTOR_BPF_ADDR_H
#define PROCTOR_BPF_ADDR_H

#include "lib/task.h"
#include <bpf/bpf_endian.h>

/* IPv4 (network order) -> ::ffff:a.b.c.d */
static __always_inline void addr_v4(__u8 *out, __u32 ip)
{
	__builtin_memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	__builtin_memcpy(out + 12, &ip, 4);
}

static __always_inline long read_mem(void *dst, __u32 n, const void *src, bool user)
{
	return user ? bpf_probe_read_user(dst, n, src) : bpf_probe_read_kernel(dst, n, src);
}

/* A sockaddr (user memory, or a kernel copy of one) into the peer (or local)
 * slot of e; sets e->family when still unknown. */
static __always_inline void put_sockaddr(struct pr_net *e, const void *sa, __u64 alen, bool peer,
					 bool user)
{
	__u16 fam = 0;
	__u8 *addr = peer ? e->peer : e->local;
	__u16 *port = peer ? &e->peer_port : &e->local_port;
	__u32 n;

	if (!sa || alen < 2 || read_mem(&fam, 2, sa, user))
		return;
	if (!e->family)
		e->family = fam;
	if (fam == PR_AF_INET && alen >= 8) {
		struct sockaddr_in sin = {};
		read_mem(&sin, sizeof(sin), sa, user);
		addr_v4(addr, sin.sin_addr.s_addr);
		*port = bpf_ntohs(sin.sin_port);
	} else if (fam == PR_AF_INET6 && alen >= 24) {
		struct sockaddr_in6 sin6 = {};
		read_mem(&sin6, sizeof(sin6), sa, user);
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
		if (!n || read_mem(e->path, PR_NET_PATH_CAP, sa + 2, user))
			return;
		e->path_len = n;
		if (!e->path[0])
			e->hdr.flags |= PR_NET_ABSTRACT;
	} else {
		return;
	}
	e->hdr.flags |= peer ? PR_NET_PEER : PR_NET_LOCAL;
}

/* Family, type and protocol of a kernel socket. */
static __always_inline void sk_info(struct pr_net *e, struct sock *sk)
{
	if (!sk)
		return;
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->sotype = BPF_CORE_READ(sk, sk_type);
	e->protocol = BPF_CORE_READ(sk, sk_protocol);
}

static __always_inline void sock_info(struct pr_net *e, struct socket *so)
{
	sk_info(e, BPF_CORE_READ(so, sk));
}

/* The local end of an IPv4/IPv6 socket. */
static __always_inline void sk_local_addr(struct pr_net *e, struct sock *sk)
{
	__u16 fam = sk ? BPF_CORE_READ(sk, __sk_common.skc_family) : 0;

	if (fam == PR_AF_INET) {
		addr_v4(e->local, BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr));
	} else if (fam == PR_AF_INET6) {
		BPF_CORE_READ_INTO(&e->local, sk, __sk_common.skc_v6_rcv_saddr);
	} else {
		return;
	}
	e->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->hdr.flags |= PR_NET_LOCAL;
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
	if (fam == PR_AF_UNIX) {
		unix_path(e, sk);
		return;
	}
	sk_local_addr(e, sk);
	if (!peer)
		return;
	if (fam == PR_AF_INET) {
		addr_v4(e->peer, BPF_CORE_READ(sk, __sk_common.skc_daddr));
	} else if (fam == PR_AF_INET6) {
		BPF_CORE_READ_INTO(&e->peer, sk, __sk_common.skc_v6_daddr);
	} else {
		return;
	}
	e->peer_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	e->hdr.flags |= PR_NET_PEER;
}

#endif /* PROCTOR_BPF_ADDR_H */
