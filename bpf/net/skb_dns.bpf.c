/* skb_dns.bpf.c: cgroup_skb ingress/egress: UDP payload bytes of flows (and
 * TCP bytes as a fallback), DNS packets (port 53, UDP and TCP) copied to the
 * ring buffer, and responses parsed in the kernel so that the IP -> domain
 * map is filled before the resolver's recvmsg returns. */
#include "net/net.h"

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
