/* decode_network.c: net.socket/connect/accept/bind/listen/send, net.flow
 * and dns.query/dns.response (from raw DNS packets, parsed by net/dns.c). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "net/dns.h"
#include "proctor/abi_net.h"
#include "decode/decode.h"
#include "proctor/abi_labels.h"
#include "model/paths.h"
#include "policy/policy.h"
#include "probe/syscall_table.h"
#include "util/util.h"

static const char *family_name(unsigned fam)
{
	switch (fam) {
	case AF_INET: return "ipv4";
	case AF_INET6: return "ipv6";
	case AF_UNIX: return "unix";
	case AF_PACKET: return "packet";
	case AF_NETLINK: return "netlink";
	case AF_VSOCK: return "vsock";
	case AF_BLUETOOTH: return "bluetooth";
	case AF_ALG: return "alg";
	case AF_CAN: return "can";
	case AF_XDP: return "xdp";
	}
	return "other";
}

static const char *transport_name(unsigned fam, unsigned type, unsigned proto)
{
	if (fam == AF_UNIX)
		return "unix";
	if (fam == AF_PACKET)
		return "packet";
	if (type == SOCK_RAW)
		return "raw";
	if (proto == 132)
		return "sctp";
	if (proto == 262)
		return "mptcp";
	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6)
		return "icmp";
	if (type == SOCK_STREAM && (proto == 0 || proto == IPPROTO_TCP))
		return "tcp";
	if (type == SOCK_DGRAM && (proto == 0 || proto == IPPROTO_UDP))
		return "udp";
	if (proto == IPPROTO_UDPLITE)
		return "udplite";
	return "other";
}

static const char *proto_transport(unsigned proto)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: return "icmp";
	}
	return "raw";
}

/* 16-byte address text; IPv4-mapped shown as IPv4 when v4 is set. */
static void addr_text(const uint8_t a[16], bool v4, char *buf, size_t len)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (v4 || !memcmp(a, mapped, 12))
		inet_ntop(AF_INET, a + 12, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, a, buf, (socklen_t)len);
}

/* UNIX path: abstract names start with '@'; bytes outside printable ASCII
 * are escaped as \xHH. */
static const char *unix_text(struct record *r, const struct pr_net *e)
{
	char buf[PR_NET_PATH_CAP * 4 + 2];
	size_t n = e->path_len > PR_NET_PATH_CAP ? PR_NET_PATH_CAP : e->path_len, o = 0, i = 0;
	bool abstract = e->hdr.flags & PR_NET_ABSTRACT;

	if (abstract) {
		buf[o++] = '@';
		i = 1;
	} else {
		n = strnlen(e->path, n);
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)e->path[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\\x%02x", c);
	}
	buf[o] = 0;
	return record_strdup(r, buf);
}

static void add_outcome(struct record *r, long ret)
{
	const char *en;

	if (ret >= 0) {
		record_add_str_ref(r, "event.outcome", "success");
		return;
	}
	/* a non-blocking connect in progress is neither success nor failure */
	record_add_str_ref(r, "event.outcome", ret == -115 ? "unknown" : "failure");
	en = errno_name_of(ret);
	record_add_str(r, "error.code", en ? en : "EUNKNOWN");
}

/* The syscall of a network record; io_uring CONNECT (the file family's
 * hooks) carries io_uring_enter. */
static const char *net_syscall_name(unsigned nr)
{
	return nr == PR_NR_io_uring_enter ? "io_uring" : syscall_name(nr);
}

static void add_endpoint(struct record *r, const struct pr_net *e, bool peer)
{
	char buf[INET6_ADDRSTRLEN];
	const char *akey = peer ? "network.peer.address" : "network.local.address";
	const char *pkey = peer ? "network.peer.port" : "network.local.port";

	if (e->family == AF_UNIX) {
		record_add_str_ref(r, akey, e->path_len ? unix_text(r, e) : "");
		return;
	}
	if (!(e->hdr.flags & (peer ? PR_NET_PEER : PR_NET_LOCAL)))
		return;
	addr_text(peer ? e->peer : e->local, e->family == AF_INET, buf, sizeof(buf));
	record_add_str(r, akey, buf);
	record_add_int(r, pkey, peer ? e->peer_port : e->local_port);
}

/* A connect (even a failed one) to a container runtime's API socket
 * (docker, containerd, podman, CRI) is the classic container escape: marked
 * as the file decoder marks an open of the same path, and the Escape stage
 * derives the security.escape. */
static void add_runtime_socket(struct record *r)
{
	const char *peer = record_get_str(r, "network.peer.address");
	const char *cat;

	if (!peer || peer[0] == '@')
		return;
	cat = escape_path_category(peer, NULL, false);
	if (cat && !strcmp(cat, "container"))
		record_add_str_ref(r, "network.sensitive_category", "container");
}

static enum decode_result decode_net(struct decode_ctx *c, const void *data, size_t len,
				     struct record *r)
{
	const struct pr_net *e = data;
	const struct decoder *d = decoder_for(e->hdr.type);
	unsigned nr = e->syscall & ~PR_SYSCALL_IA32;
	const char *sc = net_syscall_name(nr);
	uint16_t t = e->hdr.type;

	(void)len;
	decode_common(c, &e->hdr, d->name, r);
	add_outcome(r, e->ret);
	record_add_str_ref(r, "network.type", family_name(e->family));
	record_add_str_ref(r, "network.transport",
			   transport_name(e->family, e->sotype, e->protocol));
	if (t == PR_EV_NET_CONNECT || t == PR_EV_NET_SEND || t == PR_EV_NET_ACCEPT)
		add_endpoint(r, e, true);
	if (t == PR_EV_NET_BIND || t == PR_EV_NET_LISTEN || t == PR_EV_NET_ACCEPT ||
	    (t == PR_EV_NET_CONNECT && e->family != AF_UNIX))
		add_endpoint(r, e, false);
	if (t == PR_EV_NET_CONNECT && e->family == AF_UNIX)
		add_runtime_socket(r);
	if (t == PR_EV_NET_ACCEPT && e->family == AF_UNIX) {
		/* the accepted connection came through the listener's path */
		const struct field *f = record_get(r, "network.local.address");
		if (f && f->kind == FIELD_STR)
			record_set_str(r, "network.peer.address", f->s);
	}
	if (e->fd >= 0)
		record_add_int(r, "network.socket.fd", e->fd);
	if (t == PR_EV_NET_SOCKET || t == PR_EV_NET_ACCEPT)
		if (e->ret >= 0)
			record_add_int(r, "network.socket.new_fd", e->ret);
	if (t == PR_EV_NET_SEND) {
		if (e->ret >= 0)
			record_add_int(r, "network.bytes", e->ret);
		if (nr == SYS_sendmmsg)
			record_add_int(r, "network.messages", e->count);
	}
	if (sc)
		record_add_str_ref(r, "network.syscall", sc);
	if (e->syscall & PR_SYSCALL_IA32)
		record_add_str_ref(r, "network.syscall_abi", "ia32");
	if (e->hdr.flags & PR_NET_PATH_TRUNC)
		record_add_bool(r, "network.address_truncated", true);
	return DECODE_OK;
}

static const char *verdict_name(uint8_t v)
{
	switch (v) {
	case PR_VERDICT_ALLOWED: return "ALLOWED";
	case PR_VERDICT_DENIED: return "DENIED";
	case PR_VERDICT_BYPASSED: return "BYPASSED";
	}
	return "UNKNOWN";
}

static enum decode_result decode_flow(struct decode_ctx *c, const void *data, size_t len,
				      struct record *r)
{
	const struct pr_flow *f = data;
	char peer[INET6_ADDRSTRLEN], local[INET6_ADDRSTRLEN], dom[PR_DOMAIN_CAP];
	bool raw = f->rule == PR_RULE_RAW;
	uint64_t dur = f->hdr.ts_ns > f->start_ns ? f->hdr.ts_ns - f->start_ns : 0;

	(void)len;
	decode_common(c, &f->hdr, "net.flow", r);
	if (f->verdict == PR_VERDICT_DENIED) {
		record_add_str_ref(r, "event.outcome", "failure");
		record_add_str_ref(r, "error.code", "EPERM");
	} else if (f->err < 0 && !raw) {
		const char *en = errno_name_of(f->err);
		record_add_str_ref(r, "event.outcome", "failure");
		record_add_str(r, "error.code", en ? en : "EUNKNOWN");
	} else {
		record_add_str_ref(r, "event.outcome", "success");
	}
	snprintf(dom, sizeof(dom), "%.*s", (int)sizeof(f->domain) - 1, f->domain);
	if (raw) {
		record_add_str_ref(r, "network.type", family_name((unsigned)f->err));
		record_add_str_ref(r, "network.transport",
				   (unsigned)f->err == AF_PACKET ? "packet"
				   : f->local_port == SOCK_DGRAM ? "icmp"
								 : "raw");
		record_add_int(r, "network.protocol.number", f->protocol);
	} else {
		record_add_str_ref(r, "network.type", f->family == 6 ? "ipv6" : "ipv4");
		record_add_str_ref(r, "network.transport", proto_transport(f->protocol));
		addr_text(f->peer, f->family == 4, peer, sizeof(peer));
		record_add_str(r, "network.peer.address", peer);
		record_add_int(r, "network.peer.port", f->peer_port);
		if (f->local_port) {
			addr_text(f->local, f->family == 4, local, sizeof(local));
			record_add_str(r, "network.local.address", local);
			record_add_int(r, "network.local.port", f->local_port);
		}
	}
	record_add_str(r, "server.address", dom);
	record_add_int(r, "flow.bytes_out", (int64_t)f->bytes_out);
	record_add_int(r, "flow.bytes_in", (int64_t)f->bytes_in);
	record_add_int(r, "flow.duration_ms", (int64_t)(dur / 1000000));
	record_add_str_ref(r, "verdict", verdict_name(f->verdict));
	record_add_str(r, "policy.rule",
		       f->rule <= PR_RULE_LABEL
			       ? decode_label_rule_name(c, &f->hdr, f->rule)
			       : policy_rule_name(decode_egress_policy(c, &f->hdr), f->rule));
	if (f->verdict == PR_VERDICT_BYPASSED)
		record_add_str_ref(r, "policy.bypass", f->audit == 2 ? "timed" : "audit");
	if (f->protocol == IPPROTO_TCP && !raw)
		record_add_bool(r, "flow.established", f->fflags & PR_FLOW_ESTABLISHED);
	record_add_str_ref(r, "flow.end",
			   f->fflags & PR_FLOW_OPEN	     ? "session_end"
			   : f->fflags & PR_FLOW_IDLE	     ? "idle"
			   : raw			     ? "socket"
			   : f->verdict == PR_VERDICT_DENIED ? "denied"
							     : "closed");
	if (f->fflags & PR_FLOW_DOMAIN_TRUNC)
		record_add_bool(r, "server.address_truncated", true);
	return DECODE_OK;
}

static enum decode_result decode_dns(struct decode_ctx *c, const void *data, size_t len,
				     struct record *r)
{
	const struct pr_dns_pkt *e = data;
	const uint8_t *p = (const uint8_t *)(e + 1);
	size_t n = len - sizeof(*e);
	bool resp = e->hdr.flags & PR_DNS_RESPONSE, tcp = e->hdr.flags & PR_DNS_TCP;
	struct dns_msg *m = &c->dns;
	const char *answers[DNS_MAX_ANSWERS];
	char server[INET6_ADDRSTRLEN], tbuf[16], rbuf[16];
	uint32_t i;
	int rc;

	if (e->len < n)
		n = e->len;
	if (tcp) {
		/* one message per segment, after its 2-byte length */
		size_t want;
		if (n < 2)
			return DECODE_INTERNAL;
		want = (size_t)(p[0] << 8 | p[1]);
		p += 2;
		n -= 2;
		if (want < n)
			n = want;
	}
	rc = dns_parse(p, n, m);
	if (tcp && rc)
		return DECODE_INTERNAL; /* a continuation segment, not a message */
	decode_common(c, &e->hdr, resp ? "dns.response" : "dns.query", r);
	record_add_str_ref(r, "event.outcome", "success");
	record_add_str_ref(r, "network.transport", tcp ? "tcp" : "udp");
	addr_text(e->server, false, server, sizeof(server));
	record_add_str(r, "network.peer.address", server);
	record_add_int(r, "network.peer.port", e->server_port);
	if (rc) {
		record_add_str_ref(r, "dns.question.name", "");
		record_add_str_ref(r, "dns.question.name_normalized", "");
		record_add_bool(r, "dns.malformed", true);
		return DECODE_OK;
	}
	record_add_str(r, "dns.question.name", m->qname);
	record_add_str(r, "dns.question.name_normalized", m->qname_normalized);
	record_add_str(r, "dns.question.type", dns_type_name(m->qtype, tbuf, sizeof(tbuf)));
	record_add_int(r, "dns.id", m->id);
	if (resp) {
		record_add_str(r, "dns.response_code",
			       dns_rcode_name(m->rcode, rbuf, sizeof(rbuf)));
		for (i = 0; i < m->nanswers; i++)
			answers[i] = m->answers[i].data;
		record_add_strv(r, "dns.answers", answers, m->nanswers);
	}
	if (m->truncated || (e->hdr.flags & PR_DNS_TRUNC))
		record_add_bool(r, "dns.truncated", true);
	return DECODE_OK;
}

const struct decoder network_decoders[] = {
	{PR_EV_NET_SOCKET, "net.socket", sizeof(struct pr_net), decode_net},
	{PR_EV_NET_CONNECT, "net.connect", sizeof(struct pr_net), decode_net},
	{PR_EV_NET_ACCEPT, "net.accept", sizeof(struct pr_net), decode_net},
	{PR_EV_NET_BIND, "net.bind", sizeof(struct pr_net), decode_net},
	{PR_EV_NET_LISTEN, "net.listen", sizeof(struct pr_net), decode_net},
	{PR_EV_NET_SEND, "net.send", sizeof(struct pr_net), decode_net},
	{PR_EV_NET_FLOW, "net.flow", sizeof(struct pr_flow), decode_flow},
	{PR_EV_DNS_PACKET, "dns.packet", sizeof(struct pr_dns_pkt), decode_dns},
	{0},
};
