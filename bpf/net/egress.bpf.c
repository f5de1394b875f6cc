/* egress.bpf.c: the cgroup programs attached to each session cgroup that
 * decide egress (src/sensor/egress.c attaches them): connect4/6 and
 * sendmsg4/6 evaluate the session policy and open a flow, sock_create
 * records (and may deny) raw, packet and ICMP sockets. */
#include "net/net.h"
#include "policy/labels.h"

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
	h->labels = proc_labels(h->pid);
	h->_pad = 0;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
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
	struct pr_tracked *tr = tracked_cgroup_current();
	struct net_scratch *ns;
	struct pr_flow *f, *old;
	struct pr_flow_key k = {};
	struct pr_ip_key ik = {};
	struct pr_ip_domain *ipd;
	struct label_verdict lv;
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
	/* a label rule (rules: if label, deny connect) decides what egress allows */
	lv = label_connect(tr->session_key, f->hdr.labels, k.peer, k.peer_port,
			   transport_bit(k.protocol), rules);
	if (lv.rule >= 0 && d.verdict == PR_VERDICT_ALLOWED && !lv.notify) {
		d.rule = PR_RULE_LABEL - lv.rule;
		d.verdict = lv.audit ? PR_VERDICT_BYPASSED : PR_VERDICT_DENIED;
		d.audit = lv.audit;
	}
	f->verdict = d.verdict;
	f->audit = d.audit;
	f->rule = d.rule;
	if (lv.rule >= 0 && (d.verdict != PR_VERDICT_DENIED || d.rule == PR_RULE_LABEL - lv.rule)) {
		f->hdr.type = PR_EV_POLICY_NET; /* the violation: this flow, rule k */
		f->rule = PR_RULE_LABEL - lv.rule;
		ev_copy(f, sizeof(*f), PR_EV_POLICY_NET, tr->session_key);
		f->hdr.type = PR_EV_NET_FLOW;
		f->rule = d.rule;
	}
	if (d.verdict == PR_VERDICT_DENIED && !send) {
		flow_emit(f, tr->session_key); /* the attempt is the whole flow */
		return 0;
	}
	if (old) {
		if (d.verdict == PR_VERDICT_DENIED)
			return 0;		 /* still denied: the pending record covers it */
		flow_emit(old, tr->session_key); /* the denied part ends here */
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
	      (ctx->protocol == IPPROTO_ICMP || ctx->protocol == PR_IPPROTO_ICMPV6)))
		return 1;
	if (!(tr = tracked_cgroup_current()) || !(ns = net_scratch_get()))
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
	flow_emit(f, tr->session_key);
	return d.verdict != PR_VERDICT_DENIED;
}

char LICENSE[] SEC("license") = "GPL";
