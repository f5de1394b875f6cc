/* session.c: per-session network control (see session.h): cgroup program
 * attachment, policy -> kernel maps (through the probe's maps.c), the
 * timed bypass and flow flushing. */
#include "egress/session.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "probe/probe.h"
#include "util/util.h"

#define SWEEP_INTERVAL_NS 250000000ull
#define SWEEP_BATCH	  4096

int egress_attach(struct egress_session *es, struct probe *probe, egress_emit_fn emit, void *ctx,
		  const char *cg_abs, struct session *s, char *err, size_t errlen)
{
	int fd, rc;

	memset(es, 0, sizeof(*es));
	es->probe = probe;
	es->emit = emit;
	es->emit_ctx = ctx;
	es->session = s;
	es->session_key = s->key;
	es->ctl_fd = -1;
	es->udp_idle_ns = 5000000000ull;
	snprintf(es->session_id, sizeof(es->session_id), "%s", s->id);
	if ((fd = open(cg_abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "cannot open cgroup %s: %s", cg_abs, strerror(errno));
		return -1;
	}
	rc = probe_attach_cgroup_net(probe, fd, cg_abs, es->links, EGRESS_MAX_LINKS, err, errlen);
	close(fd);
	if (rc < 0) {
		egress_detach(es);
		return -1;
	}
	es->nlinks = rc;
	return 0;
}

static void fill_masks(struct pr_egress_rule *k, const struct egress_rule *r)
{
	uint8_t mask[16] = {0};
	uint8_t net[16];

	for (int i = 0; i < 16; i++) {
		int keep = r->prefix - i * 8;
		mask[i] = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
		net[i] = r->net[i] & mask[i];
	}
	memcpy(&k->mask_hi, mask, 8);
	memcpy(&k->mask_lo, mask + 8, 8);
	memcpy(&k->net_hi, net, 8);
	memcpy(&k->net_lo, net + 8, 8);
}

/* Nameservers of /etc/resolv.conf become implicit resolver rules. */
static void system_resolvers(struct egress_policy *p)
{
	char buf[8192], *line, *save = NULL, addr[128];

	if (read_small_file("/etc/resolv.conf", buf, sizeof(buf)) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, " nameserver %127s", addr) == 1)
			egress_add_resolver(p, addr);
}

static int load_domains(struct egress_session *es, char *err, size_t errlen)
{
	int i, rc;

	for (i = 0; i < es->policy.nrules; i++) {
		const struct egress_rule *r = &es->policy.rules[i];

		if (r->resolver &&
		    (rc = probe_egress_add_resolver(es->probe, es->session_key, r->net))) {
			snprintf(err, errlen, "loading resolver %s: %s", r->domain, strerror(-rc));
			return -1;
		}
		if (r->kind != PR_RULE_DOMAIN)
			continue;
		if ((rc = probe_egress_add_domain(es->probe, es->session_key,
						  egress_domain_hash(r->domain), i, r->wildcard))) {
			snprintf(err, errlen, "loading domain rule '%s': %s", r->name,
				 strerror(-rc));
			return -1;
		}
	}
	return 0;
}

void egress_kernel_rule(struct pr_egress_rule *k, const struct egress_rule *r)
{
	k->kind = (uint8_t)r->kind;
	k->action = (uint8_t)r->action;
	k->transport = (uint8_t)r->transport;
	k->nports = (uint8_t)r->nports;
	memcpy(k->port_lo, r->port_lo, sizeof(k->port_lo));
	memcpy(k->port_hi, r->port_hi, sizeof(k->port_hi));
	if (r->kind == PR_RULE_CIDR)
		fill_masks(k, r);
}

int egress_set_policy(struct egress_session *es, const struct egress_policy *p, int mode, char *err,
		      size_t errlen)
{
	struct pr_egress_policy *kp;
	int i, rc;

	if (!p || !p->present)
		return 0;
	es->policy = *p;
	es->has_policy = true;
	es->session->egress_policy = &es->policy;
	if (mode >= 0)
		es->policy.mode = mode;
	if (!es->policy.resolvers_set)
		system_resolvers(&es->policy);
	if (!(kp = calloc(1, sizeof(*kp)))) {
		snprintf(err, errlen, "loading the egress policy: out of memory");
		return -1;
	}
	kp->default_deny = es->policy.default_deny;
	kp->mode = (uint8_t)es->policy.mode;
	kp->raw_deny = es->policy.raw_deny;
	kp->nrules = (uint8_t)es->policy.nrules;
	for (i = 0; i < es->policy.nrules; i++)
		egress_kernel_rule(&kp->rules[i], &es->policy.rules[i]);
	if (load_domains(es, err, errlen)) {
		free(kp);
		return -1;
	}
	rc = probe_egress_set_policy(es->probe, es->session_key, kp);
	free(kp);
	if (rc) {
		snprintf(err, errlen, "loading the egress policy: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

int egress_bypass(struct egress_session *es, uint64_t dur_ns)
{
	uint64_t until = now_boottime_ns() + dur_ns;
	int rc;

	if (!es->has_policy)
		return -ENOENT;
	if (!(rc = probe_egress_bypass(es->probe, es->session_key, until)))
		es->bypass_until_ns = until;
	return rc;
}

struct sweep_when {
	bool final;
	uint64_t now, udp_idle_ns;
};

/* All flows at the end; before it, UDP (and other non-TCP) flows gone idle. */
static bool flow_due(const struct pr_flow *f, void *ctx)
{
	const struct sweep_when *w = ctx;

	return w->final || (f->protocol != IPPROTO_TCP && w->now > f->last_ns + w->udp_idle_ns);
}

/* Hand the session's due flows to emit, as the kernel would have sent them;
 * *more when there may be more (call again). */
static void sweep(struct egress_session *es, bool final, bool *more)
{
	struct sweep_when w = {
		.final = final, .now = now_boottime_ns(), .udp_idle_ns = es->udp_idle_ns};
	struct pr_flow *flows = malloc(SWEEP_BATCH * sizeof(*flows));
	size_t n, i;

	*more = false;
	if (!flows)
		return;
	n = probe_flows_take(es->probe, es->session_key, flow_due, &w, flows, SWEEP_BATCH, more);
	for (i = 0; i < n; i++) {
		struct pr_flow *f = &flows[i];
		f->fflags |= final ? PR_FLOW_OPEN : PR_FLOW_IDLE;
		f->hdr.ts_ns = now_boottime_ns();
		f->hdr.type = PR_EV_NET_FLOW;
		f->hdr.size = sizeof(*f);
		es->emit(es->emit_ctx, f, sizeof(*f));
	}
	free(flows);
}

void egress_tick(struct egress_session *es, bool final)
{
	uint64_t now = now_monotonic_ns();
	bool more;

	if (!es->nlinks)
		return;
	if (es->ctl_fd >= 0)
		egress_ctl_serve(es);
	if (!final && now - es->last_sweep_ns < SWEEP_INTERVAL_NS)
		return;
	es->last_sweep_ns = now;
	do
		sweep(es, final, &more);
	while (more && final);
}

int egress_pending_tcp(struct egress_session *es)
{
	return es->nlinks ? probe_flows_count(es->probe, es->session_key, IPPROTO_TCP) : 0;
}

void egress_detach(struct egress_session *es)
{
	int i;

	for (i = 0; i < es->nlinks; i++)
		bpf_link__destroy(es->links[i]);
	es->nlinks = 0;
	if (es->probe && es->probe->skel)
		probe_egress_forget(es->probe, es->session_key);
	if (es->ctl_fd >= 0) {
		close(es->ctl_fd);
		unlink(es->ctl_path);
		es->ctl_fd = -1;
	}
	if (es->session && es->session->egress_policy == &es->policy)
		es->session->egress_policy = NULL;
}
