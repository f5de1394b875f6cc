/* network.bpf.h: network-family helpers: constants missing from vmlinux.h,
 * the 16-byte address form, the family's maps and scratch space. */
#ifndef PROCTOR_NETWORK_BPF_H
#define PROCTOR_NETWORK_BPF_H

#include "common.bpf.h"
#include <bpf/bpf_endian.h>
#include "proctor/abi_net.h"

#define PR_AF_UNIX     1
#define PR_AF_INET     2
#define PR_AF_INET6    10
#define PR_AF_PACKET   17
#define PR_SOCK_STREAM 1
#define PR_SOCK_DGRAM  2
#define PR_SOCK_RAW    3
#define PR_S_IFMT      0170000
#define PR_S_IFSOCK    0140000
#define PR_ETH_P_IP    0x0800
#define PR_ETH_P_IPV6  0x86DD
#define PR_EINPROGRESS 115

#define PR_MAX_FLOWS 65536

/* Live flows: (socket, peer) -> the flow record being accumulated. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PR_MAX_FLOWS);
	__type(key, struct pr_flow_key);
	__type(value, struct pr_flow);
} flows SEC(".maps");

/* First connectionless send per (process, destination, outcome). */
struct send_key {
	__u32 tgid;
	__u16 port;
	__u8 family;
	__u8 ok;
	__u8 addr[16];
	__u64 path_hash;
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct send_key);
	__type(value, __u8);
} send_seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct pr_egress_policy);
} egress_policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct pr_domain_key);
	__type(value, struct pr_domain_rules);
} egress_domains SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct pr_ip_key);
	__type(value, struct pr_ip_domain);
} dns_ips SEC(".maps");

/* State of the in-kernel DNS response walk (bpf/network.bpf.c). */
struct dns_walk {
	__u32 base; /* DNS message start in scratch->buf */
	__u32 len;  /* message bytes available */
	__u32 pos;  /* read position, relative to base */
	__u32 out;  /* name bytes written */
	__u32 left; /* label bytes left (name) / records left (answers) */
	__u32 done;
	__u64 session_key;
	__u64 hash, exact, wildcard;
};

/* (session, resolver address): DNS servers whose answers are learnt. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct pr_ip_key);
	__type(value, __u8);
} dns_resolvers SEC(".maps");

/* Per-CPU work area of the cgroup programs. */
struct net_scratch {
	struct pr_flow flow;
	struct pr_ip_domain ipd;
	struct dns_walk w;
	char name[256]; /* dotted lower-case question name */
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct net_scratch);
} net_scratch SEC(".maps");

static __always_inline struct net_scratch *net_scratch_get(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&net_scratch, &zero);
}

/* IPv4 (network order) -> ::ffff:a.b.c.d */
static __always_inline void addr_v4(__u8 *out, __u32 ip)
{
	__builtin_memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	__builtin_memcpy(out + 12, &ip, 4);
}

#define PR_RCV_SHUTDOWN 1 /* sk_shutdown bit set by tcp_fin() */

#endif
