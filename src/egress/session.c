/* session.c: per-session network control (see session.h): cgroup program
 * attachment, policy -> kernel maps, flow flushing, timed bypass and its
 * control socket, flow statistics. */
#include "egress/session.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "proctor.skel.h"
#include "probe/cgroup.h"
#include "app/app.h"
#include "util/util.h"

#define SWEEP_INTERVAL_NS 250000000ull
#define SWEEP_BATCH	  4096
#define SWEEP_MAX_STEPS	  200000

int egress_attach(struct egress_session *es, struct app *rec, const char *cg_abs,
		  uint64_t session_key, const char *session_id, char *err, size_t errlen)
{
	struct proctor_bpf *skel = rec->probe.skel;
	struct bpf_program *progs[] = {
		skel->progs.net_connect4,   skel->progs.net_connect6,	 skel->progs.net_sendmsg4,
		skel->progs.net_sendmsg6,   skel->progs.net_sock_create, skel->progs.net_sockops,
		skel->progs.net_skb_egress, skel->progs.net_skb_ingress,
	};
	int fd, i;

	memset(es, 0, sizeof(*es));
	es->session_key = session_key;
	es->ctl_fd = -1;
	es->udp_idle_ns = 5000000000ull;
	snprintf(es->session_id, sizeof(es->session_id), "%s", session_id);
	if ((fd = open(cg_abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "cannot open cgroup %s: %s", cg_abs, strerror(errno));
		return -1;
	}
	for (i = 0; i < (int)ARRAY_SIZE(progs); i++) {
		struct bpf_link *l = bpf_program__attach_cgroup(progs[i], fd);
		if (!l) {
			snprintf(err, errlen, "attaching %s to cgroup %s: %s",
				 bpf_program__name(progs[i]), cg_abs, strerror(errno));
			close(fd);
			egress_detach(es, rec);
			return -1;
		}
		es->links[es->nlinks++] = l;
	}
	close(fd);
	egress_register(es);
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

static int load_domains(struct egress_session *es, struct app *rec, char *err, size_t errlen)
{
	const struct bpf_map *m = rec->probe.skel->maps.egress_domains;
	int i, rc;

	for (i = 0; i < es->policy.nrules; i++) {
		const struct egress_rule *r = &es->policy.rules[i];
		struct pr_domain_key k = {.session_key = es->session_key};
		struct pr_domain_rules v = {0};

		if (r->resolver) {
			struct pr_ip_key rk = {.session_key = es->session_key};
			uint8_t one = 1;
			memcpy(rk.addr, r->net, 16);
			if ((rc = bpf_map__update_elem(rec->probe.skel->maps.dns_resolvers, &rk,
						       sizeof(rk), &one, 1, BPF_ANY))) {
				snprintf(err, errlen, "loading resolver %s: %s", r->domain,
					 strerror(-rc));
				return -1;
			}
		}
		if (r->kind != PR_RULE_DOMAIN)
			continue;
		k.hash = egress_domain_hash(r->domain);
		bpf_map__lookup_elem(m, &k, sizeof(k), &v, sizeof(v), 0);
		if (r->wildcard)
			v.wildcard |= 1ull << i;
		else
			v.exact |= 1ull << i;
		if ((rc = bpf_map__update_elem(m, &k, sizeof(k), &v, sizeof(v), BPF_ANY))) {
			snprintf(err, errlen, "loading domain rule '%s': %s", r->name,
				 strerror(-rc));
			return -1;
		}
	}
	return 0;
}

int egress_set_policy(struct egress_session *es, struct app *rec,
		      const struct egress_policy *p, int mode, char *err, size_t errlen)
{
	struct pr_egress_policy *kp;
	int i, rc;

	if (!p || !p->present)
		return 0;
	es->policy = *p;
	es->has_policy = true;
	if (mode >= 0)
		es->policy.mode = mode;
	if (!es->policy.resolvers_set)
		system_resolvers(&es->policy);
	if (!(kp = calloc(1, sizeof(*kp))))
		return -1;
	kp->default_deny = es->policy.default_deny;
	kp->mode = (uint8_t)es->policy.mode;
	kp->raw_deny = es->policy.raw_deny;
	kp->nrules = (uint8_t)es->policy.nrules;
	for (i = 0; i < es->policy.nrules; i++) {
		const struct egress_rule *r = &es->policy.rules[i];
		struct pr_egress_rule *k = &kp->rules[i];
		k->kind = (uint8_t)r->kind;
		k->action = (uint8_t)r->action;
		k->transport = (uint8_t)r->transport;
		k->nports = (uint8_t)r->nports;
		memcpy(k->port_lo, r->port_lo, sizeof(k->port_lo));
		memcpy(k->port_hi, r->port_hi, sizeof(k->port_hi));
		if (r->kind == PR_RULE_CIDR)
			fill_masks(k, r);
	}
	if (load_domains(es, rec, err, errlen)) {
		free(kp);
		return -1;
	}
	rc = bpf_map__update_elem(rec->probe.skel->maps.egress_policy, &es->session_key,
				  sizeof(es->session_key), kp, sizeof(*kp), BPF_ANY);
	free(kp);
	if (rc) {
		snprintf(err, errlen, "loading the egress policy: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

int egress_bypass(struct egress_session *es, struct app *rec, uint64_t dur_ns)
{
	const struct bpf_map *m = rec->probe.skel->maps.egress_policy;
	struct pr_egress_policy *kp;
	int rc;

	if (!es->has_policy)
		return -ENOENT;
	if (!(kp = calloc(1, sizeof(*kp))))
		return -ENOMEM;
	rc = bpf_map__lookup_elem(m, &es->session_key, sizeof(es->session_key), kp, sizeof(*kp), 0);
	if (!rc) {
		kp->bypass_until_ns = now_boottime_ns() + dur_ns;
		es->bypass_until_ns = kp->bypass_until_ns;
		rc = bpf_map__update_elem(m, &es->session_key, sizeof(es->session_key), kp,
					  sizeof(*kp), BPF_EXIST);
	}
	free(kp);
	return rc;
}

/* Emit a flow taken out of the kernel table through the normal decoder. */
static void emit_flow(struct app *rec, struct pr_flow *f)
{
	struct record *r = pipeline_record(&rec->pipeline);

	f->hdr.ts_ns = now_boottime_ns();
	f->hdr.type = PR_EV_NET_FLOW;
	f->hdr.size = sizeof(*f);
	if (decode_event(&rec->dctx, f, sizeof(*f), r) == DECODE_OK)
		pipeline_commit(&rec->pipeline, r);
	else
		record_reset(r);
}

/* Flush the session's flows that are due (all when final); returns how many
 * were taken (SWEEP_BATCH at most: call again). The scan is bounded: a hash
 * map restarts its iteration when the current key is deleted under it. */
static size_t sweep(struct egress_session *es, struct app *rec, bool final)
{
	const struct bpf_map *m = rec->probe.skel->maps.flows;
	int fd = bpf_map__fd(m);
	struct pr_flow_key *keys, key, next, *prev = NULL;
	struct pr_flow f;
	uint64_t now = now_boottime_ns();
	size_t n = 0, i, steps = 0;

	if (!(keys = malloc(SWEEP_BATCH * sizeof(*keys))))
		return 0;
	while (n < SWEEP_BATCH && steps++ < SWEEP_MAX_STEPS &&
	       !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &f) || f.hdr.session_key != es->session_key)
			continue;
		if (final || (f.protocol != IPPROTO_TCP && now > f.last_ns + es->udp_idle_ns))
			keys[n++] = key;
	}
	for (i = 0; i < n; i++) {
		if (bpf_map_lookup_and_delete_elem(fd, &keys[i], &f))
			continue;
		f.fflags |= final ? PR_FLOW_OPEN : PR_FLOW_IDLE;
		emit_flow(rec, &f);
	}
	free(keys);
	return n;
}

/* Is the process at the other end of c inside this session (its cgroup, or
 * one below it)? Such requests are refused: the agent must not be able to
 * lift its own policy. Unknown counts as inside. */
static bool peer_in_session(struct egress_session *es, struct app *rec, int c)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	char path[64], buf[4096], mnt[1024], err[256], cg[5200], *p;
	struct pr_tracked t;
	uint64_t id;

	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &len) || cr.pid <= 0)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)cr.pid);
	if (read_small_file(path, buf, sizeof(buf)) < 0 || !(p = strstr(buf, "0::")))
		return true;
	p += 3;
	p[strcspn(p, "\n")] = 0;
	if (cgroup2_mount(mnt, sizeof(mnt), err, sizeof(err)))
		return true;
	snprintf(cg, sizeof(cg), "%s%s", mnt, p);
	if (cgroup_id(cg, &id))
		return true;
	return !bpf_map__lookup_elem(rec->probe.skel->maps.tracked_cgroups, &id, sizeof(id), &t,
				     sizeof(t), 0) &&
	       t.session_key == es->session_key;
}

static void ctl_serve(struct egress_session *es, struct app *rec)
{
	struct timeval tv = {.tv_usec = 200000};
	char req[256], reply[256], id[64], until[40];
	unsigned long long ns;
	ssize_t n;
	int c, rc;

	while ((c = accept4(es->ctl_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		n = read(c, req, sizeof(req) - 1);
		req[n > 0 ? n : 0] = 0;
		if (peer_in_session(es, rec, c)) {
			snprintf(reply, sizeof(reply),
				 "error refused: the request comes from "
				 "inside the session\n");
		} else if (sscanf(req, "bypass %63s %llu", id, &ns) != 2) {
			snprintf(reply, sizeof(reply), "error unknown request\n");
		} else if (strcmp(id, es->session_id)) {
			snprintf(reply, sizeof(reply), "error not session %s\n", id);
		} else if ((rc = egress_bypass(es, rec, ns))) {
			snprintf(reply, sizeof(reply), "error %s\n",
				 rc == -ENOENT ? "the session has no egress policy"
					       : strerror(-rc));
		} else {
			fmt_rfc3339(now_realtime_ns() + ns, until, sizeof(until));
			snprintf(reply, sizeof(reply), "ok %s\n", until);
			fprintf(stderr, "proctor: egress bypass until %s\n", until);
		}
		(void)!write(c, reply, strlen(reply));
		close(c);
	}
}

void egress_tick(struct egress_session *es, struct app *rec, bool final)
{
	uint64_t now = now_monotonic_ns();

	if (!es->nlinks)
		return;
	if (es->ctl_fd >= 0)
		ctl_serve(es, rec);
	if (!final && now - es->last_sweep_ns < SWEEP_INTERVAL_NS)
		return;
	es->last_sweep_ns = now;
	while (sweep(es, rec, final) == SWEEP_BATCH && final)
		;
}

/* Remove up to SWEEP_BATCH of the session's entries from a map keyed by
 * something starting with the session key; returns how many. */
static size_t forget_batch(const struct bpf_map *m, size_t ksz, uint64_t session_key)
{
	int fd = bpf_map__fd(m);
	uint8_t key[64], next[64], *prev = NULL;
	uint8_t(*doomed)[64] = malloc(SWEEP_BATCH * 64);
	size_t n = 0, i, steps = 0;
	uint64_t sk;

	if (!doomed)
		return 0;
	while (n < SWEEP_BATCH && steps++ < SWEEP_MAX_STEPS &&
	       !bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, ksz);
		prev = key;
		memcpy(&sk, key, sizeof(sk));
		if (sk == session_key)
			memcpy(doomed[n++], key, ksz);
	}
	for (i = 0; i < n; i++)
		bpf_map_delete_elem(fd, doomed[i]);
	free(doomed);
	return n;
}

/* Remove every entry of the session from a map keyed by the session key
 * first. */
static void forget(const struct bpf_map *m, size_t ksz, uint64_t session_key)
{
	int rounds = 0;

	while (forget_batch(m, ksz, session_key) == SWEEP_BATCH && ++rounds < 64)
		;
}

int egress_pending_tcp(struct egress_session *es, struct app *rec)
{
	int fd = bpf_map__fd(rec->probe.skel->maps.flows), n = 0;
	struct pr_flow_key key, next, *prev = NULL;
	struct pr_flow f;
	size_t steps = 0;

	if (!es->nlinks)
		return 0;
	while (steps++ < SWEEP_MAX_STEPS && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &key, &f) && f.hdr.session_key == es->session_key &&
		    f.protocol == IPPROTO_TCP)
			n++;
	}
	return n;
}

void egress_detach(struct egress_session *es, struct app *rec)
{
	struct proctor_bpf *skel = rec->probe.skel;
	int i;

	for (i = 0; i < es->nlinks; i++)
		bpf_link__destroy(es->links[i]);
	es->nlinks = 0;
	if (skel) {
		bpf_map__delete_elem(skel->maps.egress_policy, &es->session_key,
				     sizeof(es->session_key), 0);
		forget(skel->maps.egress_domains, sizeof(struct pr_domain_key), es->session_key);
		forget(skel->maps.dns_ips, sizeof(struct pr_ip_key), es->session_key);
		forget(skel->maps.dns_resolvers, sizeof(struct pr_ip_key), es->session_key);
	}
	if (es->ctl_fd >= 0) {
		close(es->ctl_fd);
		unlink(es->ctl_path);
		es->ctl_fd = -1;
	}
	egress_unregister(es);
}

static void print_bytes(FILE *out, uint64_t b)
{
	if (b >= 10ull << 20)
		fprintf(out, "%.1f MiB", (double)b / (1 << 20));
	else if (b >= 10ull << 10)
		fprintf(out, "%.1f KiB", (double)b / 1024);
	else
		fprintf(out, "%" PRIu64 " B", b);
}

void egress_print_summary(const struct egress_session *es, FILE *out)
{
	const struct egress_stats *st = &es->stats;
	uint32_t i;

	if (!st->flows && !es->has_policy)
		return; /* nothing to say */

	fprintf(out,
		"proctor: egress: %" PRIu64 " flows, %u destinations, %" PRIu64 " denied, %" PRIu64
		" bypassed, out ",
		st->flows, st->ndest, st->denied, st->bypassed);
	print_bytes(out, st->bytes_out);
	fputs(", in ", out);
	print_bytes(out, st->bytes_in);
	fprintf(out, "%s\n",
		es->has_policy ? (es->policy.mode == PR_MODE_AUDIT ? " (audit mode)" : "")
			       : " (no policy)");
	for (i = 0; i < st->ndest; i++) {
		const struct egress_dest *d = &st->dest[i];
		fprintf(out, "proctor:   %-40s %" PRIu64 " flows, out ", d->name, d->flows);
		print_bytes(out, d->bytes_out);
		fputs(", in ", out);
		print_bytes(out, d->bytes_in);
		if (d->denied)
			fprintf(out, ", %" PRIu64 " DENIED", d->denied);
		if (d->bypassed)
			fprintf(out, ", %" PRIu64 " BYPASSED", d->bypassed);
		fputc('\n', out);
	}
	for (i = 0; i < st->nrefusals; i++) {
		const struct egress_refusal *x = &st->refusals[i];
		fprintf(out, "proctor:   %s %s",
			x->verdict == PR_VERDICT_DENIED ? "DENIED" : "BYPASSED", x->line);
		if (x->count > 1)
			fprintf(out, " x%" PRIu64, x->count);
		fputc('\n', out);
	}
	if (st->dest_dropped)
		fprintf(out, "proctor:   (%" PRIu64 " more flows to other destinations)\n",
			st->dest_dropped);
}

int egress_ctl_listen(struct egress_session *es, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (mkdir_p(PROCTOR_CTL_DIR, 0700)) {
		snprintf(err, errlen, "cannot create %s: %s", PROCTOR_CTL_DIR, strerror(errno));
		return -1;
	}
	snprintf(es->ctl_path, sizeof(es->ctl_path), "%s/%s.sock", PROCTOR_CTL_DIR, es->session_id);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", es->ctl_path);
	unlink(es->ctl_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(es->ctl_path, 0600) ||
	    listen(fd, 8)) {
		snprintf(err, errlen, "control socket %s: %s", es->ctl_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	es->ctl_fd = fd;
	return 0;
}

int egress_ctl_request(const char *session_id, const char *line, char *reply, size_t len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	ssize_t n;
	size_t got = 0;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s.sock", PROCTOR_CTL_DIR, session_id);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;
		close(fd);
		return -e;
	}
	if (write(fd, line, strlen(line)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	while (got + 1 < len && (n = read(fd, reply + got, len - 1 - got)) > 0)
		got += (size_t)n;
	reply[got] = 0;
	close(fd);
	return 0;
}
