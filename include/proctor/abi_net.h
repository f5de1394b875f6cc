/* abi_net.h: the network family's part of the kernel <-> user-space ABI:
 * syscall records (net.socket/connect/accept/bind/listen/send), flow records
 * (net.flow), raw DNS packets, and the egress-policy maps user space fills.
 * Included after abi.h. Addresses are kept as 16 bytes: IPv6 as is, IPv4 as
 * the v4-mapped IPv6 address ::ffff:a.b.c.d, so one representation serves
 * both families in keys and rules. Ports are in host byte order. */
#ifndef PROCTOR_ABI_NET_H
#define PROCTOR_ABI_NET_H

#include "proctor/abi.h"

/* ---- bounds (docs/EVENTS-network.md) ---------------------------------- */
#define PR_NET_PATH_CAP 108  /* sun_path of a UNIX socket address */
#define PR_DOMAIN_CAP	128  /* domain attributed to a flow (NUL included) */
#define PR_DNS_CAP	1024 /* DNS payload bytes copied per packet */
#define PR_EGRESS_RULES 64   /* rules per session policy (bit mask width) */
#define PR_RULE_PORTS	8    /* port ranges per rule */

/* ---- syscall records --------------------------------------------------- */

#define PR_NET_PEER	  0x1 /* peer address present */
#define PR_NET_LOCAL	  0x2 /* local address present */
#define PR_NET_ABSTRACT	  0x4 /* UNIX path is abstract (leading NUL -> '@') */
#define PR_NET_PATH_TRUNC 0x8

/* net.socket / net.connect / net.accept / net.bind / net.listen / net.send.
 * hdr.type tells which; hdr.flags carries PR_NET_*. For UNIX sockets the
 * path (peer for connect/send/accept, local for bind/listen) is in path. */
struct pr_net {
	struct pr_hdr hdr;
	__s32 ret;	/* syscall result: fd, 0, bytes, or -errno */
	__s32 fd;	/* socket fd the call used (-1 for socket()) */
	__u16 family;	/* AF_* */
	__u16 sotype;	/* SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, ... */
	__u16 protocol; /* IPPROTO_* (0 when unknown) */
	__u16 syscall;	/* syscall number */
	__u16 peer_port;
	__u16 local_port;
	__u16 path_len; /* bytes of path used (no NUL) */
	__u16 count;	/* sendmmsg: messages in the call */
	__u8 peer[16];
	__u8 local[16];
	char path[PR_NET_PATH_CAP];
	__u32 _pad;
};
_Static_assert(sizeof(struct pr_net) == 240, "pr_net layout");

/* ---- flows -------------------------------------------------------------- */

enum pr_verdict {
	PR_VERDICT_ALLOWED = 0,
	PR_VERDICT_DENIED = 1,
	PR_VERDICT_BYPASSED = 2,
};

/* Rule numbers >= 0 index the session policy; these are the others. */
#define PR_RULE_DEFAULT -1 /* the policy's default */
#define PR_RULE_RAW	-2 /* raw/packet socket creation */
#define PR_RULE_NONE	-3 /* no policy for this session */

#define PR_FLOW_ESTABLISHED  0x1 /* TCP reached ESTABLISHED */
#define PR_FLOW_OPEN	     0x2 /* still open when the session ended */
#define PR_FLOW_IDLE	     0x4 /* UDP flow flushed after the idle timeout */
#define PR_FLOW_DOMAIN_TRUNC 0x8
#define PR_FLOW_FIN_IN	     0x10 /* internal: the peer's FIN arrived */

/* The key of a live flow: one socket talking to one peer. */
struct pr_flow_key {
	__u64 cookie; /* socket cookie */
	__u8 peer[16];
	__u16 peer_port;
	__u8 protocol; /* IPPROTO_TCP, IPPROTO_UDP, ... */
	__u8 _pad[5];
};
_Static_assert(sizeof(struct pr_flow_key) == 32, "pr_flow_key layout");

/* net.flow: emitted once per flow at its end (the kernel for TCP close and
 * denials, user space for idle UDP flows and flows open at session end).
 * The live flow table holds the same struct; hdr describes the process that
 * opened the flow, hdr.ts_ns is rewritten to the end time on emission. */
struct pr_flow {
	struct pr_hdr hdr;
	__u64 start_ns;
	__u64 last_ns;	 /* last packet seen (UDP idle detection) */
	__u64 bytes_out; /* application payload bytes */
	__u64 bytes_in;
	__u64 cookie;
	__u8 peer[16];
	__u8 local[16];
	__u16 peer_port;
	__u16 local_port;
	__u8 family;   /* 4 or 6: the socket's address family */
	__u8 protocol; /* IPPROTO_* */
	__u8 verdict;  /* enum pr_verdict */
	__u8 audit;    /* 1: audit mode, 2: timed bypass (when BYPASSED) */
	__s16 rule;    /* policy rule index or PR_RULE_* */
	__u16 fflags;  /* PR_FLOW_* */
	__s32 err;     /* -errno of a failed connection, 0 otherwise */
	__u32 _pad;
	char domain[PR_DOMAIN_CAP];
};
_Static_assert(sizeof(struct pr_flow) == 296, "pr_flow layout");

/* ---- DNS ---------------------------------------------------------------- */

#define PR_DNS_RESPONSE 0x1 /* ingress (from port 53); else a query */
#define PR_DNS_TCP	0x2 /* payload is a TCP segment (length-prefixed) */
#define PR_DNS_TRUNC	0x4 /* payload longer than PR_DNS_CAP */

/* PR_EV_DNS_PACKET: followed by len bytes of DNS payload. hdr.flags has
 * PR_DNS_*. hdr describes the process that owns the socket when known. */
struct pr_dns_pkt {
	struct pr_hdr hdr;
	__u8 server[16];
	__u16 server_port;
	__u16 len;	/* bytes captured */
	__u32 orig_len; /* payload bytes in the packet */
};
_Static_assert(sizeof(struct pr_dns_pkt) == 96, "pr_dns_pkt layout");

/* ---- egress policy maps (user space writes, kernel reads) -------------- */

#define PR_RULE_ALLOW	 0
#define PR_RULE_DENY	 1
#define PR_RULE_CIDR	 0
#define PR_RULE_DOMAIN	 1
#define PR_TRANSPORT_TCP 0x1
#define PR_TRANSPORT_UDP 0x2

struct pr_egress_rule {
	__u64 net_hi, net_lo;	/* network (16-byte form), already masked */
	__u64 mask_hi, mask_lo; /* prefix mask */
	__u8 kind;		/* PR_RULE_CIDR / PR_RULE_DOMAIN */
	__u8 action;		/* PR_RULE_ALLOW / PR_RULE_DENY */
	__u8 transport;		/* PR_TRANSPORT_* bits; 0 = any */
	__u8 nports;		/* 0 = any port */
	__u32 _pad;
	__u16 port_lo[PR_RULE_PORTS];
	__u16 port_hi[PR_RULE_PORTS];
};
_Static_assert(sizeof(struct pr_egress_rule) == 72, "pr_egress_rule layout");

#define PR_MODE_ENFORCE 0
#define PR_MODE_AUDIT	1

/* egress_policy: session key -> this. No entry: record, never block. */
struct pr_egress_policy {
	__u8 default_deny;
	__u8 mode; /* PR_MODE_* */
	__u8 nrules;
	__u8 raw_deny; /* deny raw/packet sockets */
	__u32 _pad;
	__u64 bypass_until_ns; /* CLOCK_BOOTTIME; 0 = none */
	struct pr_egress_rule rules[PR_EGRESS_RULES];
};
_Static_assert(sizeof(struct pr_egress_policy) == 16 + 72 * PR_EGRESS_RULES,
	       "pr_egress_policy layout");

/* egress_domains: (session, hash of a domain) -> rules naming it. The hash
 * is FNV-1a 64 over the lower-case name's bytes taken from the LAST byte to
 * the first, so the kernel gets every suffix's hash in one backward pass. */
struct pr_domain_key {
	__u64 session_key;
	__u64 hash;
};
struct pr_domain_rules {
	__u64 exact;	/* rules "name" */
	__u64 wildcard; /* rules "*.name": any name strictly below it */
};
_Static_assert(sizeof(struct pr_domain_key) == 16, "pr_domain_key layout");
_Static_assert(sizeof(struct pr_domain_rules) == 16, "pr_domain_rules layout");

/* dns_ips: (session, address) -> the name the session resolved to it. */
struct pr_ip_key {
	__u64 session_key;
	__u8 addr[16];
};
_Static_assert(sizeof(struct pr_ip_key) == 24, "pr_ip_key layout");

#define PR_FNV_OFFSET 0xcbf29ce484222325ULL
#define PR_FNV_PRIME  0x100000001b3ULL

/* Field offsets: a field moved on one side cannot go unnoticed. */
/* clang-format off */
/* pr_net */
PR_ABI_AT(pr_net, hdr, 0);
PR_ABI_AT(pr_net, ret, 72);
PR_ABI_AT(pr_net, fd, 76);
PR_ABI_AT(pr_net, family, 80);
PR_ABI_AT(pr_net, sotype, 82);
PR_ABI_AT(pr_net, protocol, 84);
PR_ABI_AT(pr_net, syscall, 86);
PR_ABI_AT(pr_net, peer_port, 88);
PR_ABI_AT(pr_net, local_port, 90);
PR_ABI_AT(pr_net, path_len, 92);
PR_ABI_AT(pr_net, count, 94);
PR_ABI_AT(pr_net, peer, 96);
PR_ABI_AT(pr_net, local, 112);
PR_ABI_AT(pr_net, path, 128);
/* pr_flow_key */
PR_ABI_AT(pr_flow_key, cookie, 0);
PR_ABI_AT(pr_flow_key, peer, 8);
PR_ABI_AT(pr_flow_key, peer_port, 24);
PR_ABI_AT(pr_flow_key, protocol, 26);
/* pr_flow */
PR_ABI_AT(pr_flow, hdr, 0);
PR_ABI_AT(pr_flow, start_ns, 72);
PR_ABI_AT(pr_flow, last_ns, 80);
PR_ABI_AT(pr_flow, bytes_out, 88);
PR_ABI_AT(pr_flow, bytes_in, 96);
PR_ABI_AT(pr_flow, cookie, 104);
PR_ABI_AT(pr_flow, peer, 112);
PR_ABI_AT(pr_flow, local, 128);
PR_ABI_AT(pr_flow, peer_port, 144);
PR_ABI_AT(pr_flow, local_port, 146);
PR_ABI_AT(pr_flow, family, 148);
PR_ABI_AT(pr_flow, protocol, 149);
PR_ABI_AT(pr_flow, verdict, 150);
PR_ABI_AT(pr_flow, audit, 151);
PR_ABI_AT(pr_flow, rule, 152);
PR_ABI_AT(pr_flow, fflags, 154);
PR_ABI_AT(pr_flow, err, 156);
PR_ABI_AT(pr_flow, domain, 164);
/* pr_dns_pkt */
PR_ABI_AT(pr_dns_pkt, hdr, 0);
PR_ABI_AT(pr_dns_pkt, server, 72);
PR_ABI_AT(pr_dns_pkt, server_port, 88);
PR_ABI_AT(pr_dns_pkt, len, 90);
PR_ABI_AT(pr_dns_pkt, orig_len, 92);
/* pr_egress_rule */
PR_ABI_AT(pr_egress_rule, net_hi, 0);
PR_ABI_AT(pr_egress_rule, net_lo, 8);
PR_ABI_AT(pr_egress_rule, mask_hi, 16);
PR_ABI_AT(pr_egress_rule, mask_lo, 24);
PR_ABI_AT(pr_egress_rule, kind, 32);
PR_ABI_AT(pr_egress_rule, action, 33);
PR_ABI_AT(pr_egress_rule, transport, 34);
PR_ABI_AT(pr_egress_rule, nports, 35);
PR_ABI_AT(pr_egress_rule, port_lo, 40);
PR_ABI_AT(pr_egress_rule, port_hi, 56);
/* pr_egress_policy */
PR_ABI_AT(pr_egress_policy, default_deny, 0);
PR_ABI_AT(pr_egress_policy, mode, 1);
PR_ABI_AT(pr_egress_policy, nrules, 2);
PR_ABI_AT(pr_egress_policy, raw_deny, 3);
PR_ABI_AT(pr_egress_policy, bypass_until_ns, 8);
PR_ABI_AT(pr_egress_policy, rules, 16);
/* pr_domain_key */
PR_ABI_AT(pr_domain_key, session_key, 0);
PR_ABI_AT(pr_domain_key, hash, 8);
/* pr_domain_rules */
PR_ABI_AT(pr_domain_rules, exact, 0);
PR_ABI_AT(pr_domain_rules, wildcard, 8);
/* pr_ip_key */
PR_ABI_AT(pr_ip_key, session_key, 0);
PR_ABI_AT(pr_ip_key, addr, 8);
/* clang-format on */

#endif /* PROCTOR_ABI_NET_H */
