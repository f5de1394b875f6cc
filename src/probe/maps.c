/* maps.c: every read and write of the skeleton's maps (see maps.h). Scans
 * of hash maps are bounded: an iteration restarts when the current key is
 * deleted under it, so keys are collected first and deleted after. */
#include "probe/maps.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "probe/probe.h"
#include "proctor.skel.h"
#include "util/util.h"

#define SCAN_BATCH     4096
#define SCAN_MAX_STEPS 200000

int probe_map_route(struct probe *s, bool on_exit, bool chain, uint32_t nr, int prog_fd)
{
	struct bpf_map *m =
		chain ? (on_exit ? s->skel->maps.sys_exit_chain : s->skel->maps.sys_enter_chain)
		      : (on_exit ? s->skel->maps.sys_exit_tails : s->skel->maps.sys_enter_tails);

	return bpf_map__update_elem(m, &nr, sizeof(nr), &prog_fd, sizeof(prog_fd), BPF_ANY);
}

int probe_map_route_ia32(struct probe *s, int prog_fd)
{
	uint32_t key = 0;

	return bpf_map__update_elem(s->skel->maps.sys_ia32_enter, &key, sizeof(key), &prog_fd,
				    sizeof(prog_fd), BPF_ANY);
}

int probe_map_route_ia32_nr(struct probe *s, bool on_exit, uint32_t nr, int prog_fd)
{
	struct bpf_map *m =
		on_exit ? s->skel->maps.sys_ia32_exit_tails : s->skel->maps.sys_ia32_enter_tails;

	return bpf_map__update_elem(m, &nr, sizeof(nr), &prog_fd, sizeof(prog_fd), BPF_ANY);
}

int probe_map_size_ringbuf(struct probe *s, uint32_t bytes)
{
	return bpf_map__set_max_entries(s->skel->maps.events, bytes);
}

uint32_t probe_map_ringbuf_bytes(const struct probe *s)
{
	return bpf_map__max_entries(s->skel->maps.events);
}

int probe_map_ringbuf_fd(const struct probe *s)
{
	return bpf_map__fd(s->skel->maps.events);
}

int probe_track_cgroup(struct probe *s, uint64_t cgroup_id, uint64_t session_key)
{
	struct pr_tracked t = {.session_key = session_key};

	/* The filter slot first: the id must never be tracked yet filtered out. */
	__atomic_store_n(
		&s->skel->bss->pr_track_filter[cgroup_id & s->skel->rodata->pr_track_filter_mask],
		1, __ATOMIC_SEQ_CST);
	return bpf_map__update_elem(s->skel->maps.tracked_cgroups, &cgroup_id, sizeof(cgroup_id),
				    &t, sizeof(t), BPF_ANY);
}

/* One batch of untrack_session: up to SCAN_BATCH cgroups removed. */
static size_t untrack_batch(const struct bpf_map *m, uint64_t session_key)
{
	uint64_t key, next, *prev = NULL, *doomed = malloc(SCAN_BATCH * sizeof(*doomed));
	size_t n = 0, i, steps = 0;
	struct pr_tracked t;

	if (!doomed)
		return 0;
	while (n < SCAN_BATCH && steps++ < SCAN_MAX_STEPS &&
	       !bpf_map__get_next_key(m, prev, &next, sizeof(next))) {
		key = next;
		prev = &key;
		if (!bpf_map__lookup_elem(m, &key, sizeof(key), &t, sizeof(t), 0) &&
		    t.session_key == session_key)
			doomed[n++] = key;
	}
	for (i = 0; i < n; i++)
		bpf_map__delete_elem(m, &doomed[i], sizeof(doomed[i]), 0);
	free(doomed);
	return n;
}

int probe_untrack_session(struct probe *s, uint64_t session_key)
{
	size_t n, total = 0;

	while ((n = untrack_batch(s->skel->maps.tracked_cgroups, session_key)) > 0) {
		total += n;
		if (n < SCAN_BATCH)
			break;
	}
	return (int)total;
}

int probe_tracked_session(struct probe *s, uint64_t cgroup_id, uint64_t *session_key)
{
	struct pr_tracked t;
	int rc = bpf_map__lookup_elem(s->skel->maps.tracked_cgroups, &cgroup_id, sizeof(cgroup_id),
				      &t, sizeof(t), 0);

	if (!rc)
		*session_key = t.session_key;
	return rc;
}

uint64_t probe_drops(struct probe *s, uint64_t per_type[PR_EV_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t total = 0, *vals;
	uint32_t t;
	int c;

	if (ncpu <= 0)
		return 0;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return 0;
	for (t = 0; t < PR_EV_MAX; t++) {
		uint64_t sum = 0;
		if (bpf_map__lookup_elem(s->skel->maps.drops, &t, sizeof(t), vals,
					 sizeof(*vals) * (size_t)ncpu, 0))
			continue;
		for (c = 0; c < ncpu; c++)
			sum += vals[c];
		if (per_type)
			per_type[t] = sum;
		total += sum;
	}
	free(vals);
	return total;
}

uint64_t probe_session_drops(struct probe *s, uint64_t session_key)
{
	uint64_t v = 0;
	bpf_map__lookup_elem(s->skel->maps.session_drops, &session_key, sizeof(session_key), &v,
			     sizeof(v), 0);
	return v;
}

int probe_tls_budget(struct probe *s, uint64_t session_key, struct pr_tls_budget *out)
{
	memset(out, 0, sizeof(*out));
	return bpf_map__lookup_elem(s->skel->maps.tls_budget, &session_key, sizeof(session_key),
				    out, sizeof(*out), 0);
}

void probe_tls_budget_forget(struct probe *s, uint64_t session_key)
{
	bpf_map__delete_elem(s->skel->maps.tls_budget, &session_key, sizeof(session_key), 0);
}

void probe_session_drops_forget(struct probe *s, uint64_t session_key)
{
	bpf_map__delete_elem(s->skel->maps.session_drops, &session_key, sizeof(session_key), 0);
}

int probe_egress_set_policy(struct probe *s, uint64_t session_key,
			    const struct pr_egress_policy *kp)
{
	return bpf_map__update_elem(s->skel->maps.egress_policy, &session_key, sizeof(session_key),
				    kp, sizeof(*kp), BPF_ANY);
}

int probe_egress_bypass(struct probe *s, uint64_t session_key, uint64_t until_ns)
{
	const struct bpf_map *m = s->skel->maps.egress_policy;
	struct pr_egress_policy *kp = calloc(1, sizeof(*kp));
	int rc;

	if (!kp)
		return -ENOMEM;
	rc = bpf_map__lookup_elem(m, &session_key, sizeof(session_key), kp, sizeof(*kp), 0);
	if (!rc) {
		kp->bypass_until_ns = until_ns;
		rc = bpf_map__update_elem(m, &session_key, sizeof(session_key), kp, sizeof(*kp),
					  BPF_EXIST);
	}
	free(kp);
	return rc;
}

int probe_egress_add_domain(struct probe *s, uint64_t session_key, uint64_t hash, int rule,
			    bool wildcard)
{
	const struct bpf_map *m = s->skel->maps.egress_domains;
	struct pr_domain_key k = {.session_key = session_key, .hash = hash};
	struct pr_domain_rules v = {0};

	bpf_map__lookup_elem(m, &k, sizeof(k), &v, sizeof(v), 0);
	if (wildcard)
		v.wildcard |= 1ull << rule;
	else
		v.exact |= 1ull << rule;
	return bpf_map__update_elem(m, &k, sizeof(k), &v, sizeof(v), BPF_ANY);
}

int probe_egress_add_resolver(struct probe *s, uint64_t session_key, const uint8_t addr[16])
{
	struct pr_ip_key k = {.session_key = session_key};
	uint8_t one = 1;

	memcpy(k.addr, addr, 16);
	return bpf_map__update_elem(s->skel->maps.dns_resolvers, &k, sizeof(k), &one, 1, BPF_ANY);
}

/* Remove up to SCAN_BATCH of the session's entries from a map keyed by
 * something starting with the session key; returns how many. */
static size_t forget_batch(const struct bpf_map *m, size_t ksz, uint64_t session_key)
{
	int fd = bpf_map__fd(m);
	uint8_t key[64], next[64], *prev = NULL;
	uint8_t(*doomed)[64] = malloc(SCAN_BATCH * 64);
	size_t n = 0, i, steps = 0;
	uint64_t sk;

	if (!doomed)
		return 0;
	while (n < SCAN_BATCH && steps++ < SCAN_MAX_STEPS &&
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

static void forget(const struct bpf_map *m, size_t ksz, uint64_t session_key)
{
	int rounds = 0;

	while (forget_batch(m, ksz, session_key) == SCAN_BATCH && ++rounds < 64)
		;
}

void probe_egress_forget(struct probe *s, uint64_t session_key)
{
	bpf_map__delete_elem(s->skel->maps.egress_policy, &session_key, sizeof(session_key), 0);
	forget(s->skel->maps.egress_domains, sizeof(struct pr_domain_key), session_key);
	forget(s->skel->maps.dns_ips, sizeof(struct pr_ip_key), session_key);
	forget(s->skel->maps.dns_resolvers, sizeof(struct pr_ip_key), session_key);
}

int probe_policy_write_dfa(struct probe *s, uint32_t first, uint32_t n,
			   const struct pr_dfa_state *states)
{
	uint32_t i;
	int rc;

	for (i = 0; i < n; i++) {
		uint32_t k = first + i;
		rc = bpf_map__update_elem(s->skel->maps.policy_dfa, &k, sizeof(k), &states[i],
					  sizeof(states[i]), BPF_ANY);
		if (rc)
			return rc;
	}
	return 0;
}

int probe_policy_add_inode(struct probe *s, uint64_t session_key, uint64_t ino, uint32_t dev,
			   uint64_t bits)
{
	struct pr_inode_key k = {.session_key = session_key, .ino = ino, .dev = dev};

	return bpf_map__update_elem(s->skel->maps.policy_exec_inode, &k, sizeof(k), &bits,
				    sizeof(bits), BPF_ANY);
}

int probe_policy_set_exec(struct probe *s, uint64_t session_key, const struct pr_exec_policy *kp)
{
	return bpf_map__update_elem(s->skel->maps.policy_exec, &session_key, sizeof(session_key),
				    kp, sizeof(*kp), BPF_ANY);
}

int probe_label_set_policy(struct probe *s, uint64_t session_key, const struct pr_label_policy *kp)
{
	return bpf_map__update_elem(s->skel->maps.label_policy, &session_key, sizeof(session_key),
				    kp, sizeof(*kp), BPF_ANY);
}

int probe_label_add_inode(struct probe *s, uint64_t session_key, uint64_t ino, uint32_t dev,
			  uint16_t labels)
{
	struct pr_inode_key k = {.session_key = session_key, .ino = ino, .dev = dev};

	return bpf_map__update_elem(s->skel->maps.label_inodes, &k, sizeof(k), &labels,
				    sizeof(labels), BPF_ANY);
}

uint16_t probe_label_of(struct probe *s, uint64_t session_key, uint32_t tgid)
{
	struct pr_label_proc v;

	if (bpf_map__lookup_elem(s->skel->maps.label_procs, &tgid, sizeof(tgid), &v, sizeof(v),
				 0) ||
	    v.session_key != session_key)
		return 0;
	return (uint16_t)v.labels;
}

/* label_procs is keyed by tgid: its entries of a session by their value. */
static void forget_label_procs(struct probe *s, uint64_t session_key)
{
	int fd = bpf_map__fd(s->skel->maps.label_procs);
	uint32_t key, next, *prev = NULL, gone[SCAN_BATCH];
	struct pr_label_proc v;
	size_t n, i, steps = 0;

	do {
		n = 0;
		prev = NULL;
		while (n < SCAN_BATCH && steps++ < SCAN_MAX_STEPS &&
		       !bpf_map_get_next_key(fd, prev, &next)) {
			key = next;
			prev = &key;
			if (!bpf_map_lookup_elem(fd, &key, &v) && v.session_key == session_key)
				gone[n++] = key;
		}
		for (i = 0; i < n; i++)
			bpf_map_delete_elem(fd, &gone[i]);
	} while (n == SCAN_BATCH);
}

void probe_label_forget(struct probe *s, uint64_t session_key)
{
	bpf_map__delete_elem(s->skel->maps.label_policy, &session_key, sizeof(session_key), 0);
	forget(s->skel->maps.label_inodes, sizeof(struct pr_inode_key), session_key);
	forget_label_procs(s, session_key);
}

int probe_policy_set_temporal(struct probe *s, uint64_t session_key,
			      const struct pr_temporal_policy *tp)
{
	return bpf_map__update_elem(s->skel->maps.policy_temporal, &session_key,
				    sizeof(session_key), tp, sizeof(*tp), BPF_ANY);
}

uint64_t probe_policy_temporal_satisfied(struct probe *s, uint64_t session_key)
{
	struct pr_temporal_policy tp;

	if (bpf_map__lookup_elem(s->skel->maps.policy_temporal, &session_key, sizeof(session_key),
				 &tp, sizeof(tp), 0))
		return 0;
	return tp.satisfied;
}

void probe_policy_forget(struct probe *s, uint64_t session_key)
{
	bpf_map__delete_elem(s->skel->maps.policy_exec, &session_key, sizeof(session_key), 0);
	bpf_map__delete_elem(s->skel->maps.policy_temporal, &session_key, sizeof(session_key), 0);
	forget(s->skel->maps.policy_exec_inode, sizeof(struct pr_inode_key), session_key);
}

size_t probe_flows_take(struct probe *s, uint64_t session_key,
			bool (*due)(const struct pr_flow *f, void *ctx), void *ctx,
			struct pr_flow *out, size_t max, bool *more)
{
	int fd = bpf_map__fd(s->skel->maps.flows);
	struct pr_flow_key *keys, key, next, *prev = NULL;
	struct pr_flow f;
	size_t n = 0, i, taken = 0, steps = 0;

	if (!(keys = malloc(max * sizeof(*keys))))
		return 0;
	while (n < max && steps++ < SCAN_MAX_STEPS && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &f) || f.hdr.session_key != session_key)
			continue;
		if (due(&f, ctx))
			keys[n++] = key;
	}
	for (i = 0; i < n; i++)
		if (!bpf_map_lookup_and_delete_elem(fd, &keys[i], &out[taken]))
			taken++;
	free(keys);
	*more = n == max;
	return taken;
}

int probe_flows_count(struct probe *s, uint64_t session_key, uint8_t protocol)
{
	int fd = bpf_map__fd(s->skel->maps.flows), n = 0;
	struct pr_flow_key key, next, *prev = NULL;
	struct pr_flow f;
	size_t steps = 0;

	while (steps++ < SCAN_MAX_STEPS && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &key, &f) && f.hdr.session_key == session_key &&
		    f.protocol == protocol)
			n++;
	}
	return n;
}

static void clear_map(const struct bpf_map *m, void *key, void *next, size_t size)
{
	while (!bpf_map__get_next_key(m, NULL, next, size)) {
		memcpy(key, next, size);
		bpf_map__delete_elem(m, key, size, 0); /* restart: the current key is gone */
	}
}

/* Old rules out, new ones in: rule i is names[i] (a basename) or, when
 * names[i] is "", inodes[i]. The exec check runs only while some are set. */
int probe_auto_set_rules(struct probe *s, const char *const *names,
			 const struct pr_auto_inode *inodes, size_t n)
{
	const struct bpf_map *m = s->skel->maps.auto_agents, *mi = s->skel->maps.auto_inodes;
	struct pr_auto_key key, next;
	struct pr_auto_inode ik, inext;
	uint32_t i, enabled = 0;
	int rc;

	if (n > PR_AUTO_MAX_RULES)
		return -E2BIG;
	__atomic_store_n(&s->skel->bss->pr_auto_enabled, 0, __ATOMIC_SEQ_CST);
	clear_map(m, &key, &next, sizeof(key));
	clear_map(mi, &ik, &inext, sizeof(ik));
	for (i = 0; i < n; i++) {
		if (!*names[i]) {
			if ((rc = bpf_map__update_elem(mi, &inodes[i], sizeof(inodes[i]), &i,
						       sizeof(i), BPF_ANY)))
				return rc;
			enabled |= PR_AUTO_BY_INODE;
			continue;
		}
		memset(&key, 0, sizeof(key));
		if (strlen(names[i]) >= sizeof(key.name))
			return -ENAMETOOLONG;
		memcpy(key.name, names[i], strlen(names[i]));
		if ((rc = bpf_map__update_elem(m, &key, sizeof(key), &i, sizeof(i), BPF_ANY)))
			return rc;
		enabled |= PR_AUTO_BY_NAME;
	}
	__atomic_store_n(&s->skel->bss->pr_auto_enabled, enabled, __ATOMIC_SEQ_CST);
	return 0;
}

/* Rule `rule`'s file is now `now` (a new file at its path). */
int probe_auto_move_inode(struct probe *s, uint32_t rule, const struct pr_auto_inode *old,
			  const struct pr_auto_inode *now)
{
	const struct bpf_map *mi = s->skel->maps.auto_inodes;
	int rc = bpf_map__update_elem(mi, now, sizeof(*now), &rule, sizeof(rule), BPF_ANY);

	if (!rc)
		bpf_map__delete_elem(mi, old, sizeof(*old), 0);
	return rc;
}

int probe_task_session(struct probe *s, pid_t pid, uint64_t *session_key)
{
	const struct bpf_map *m = s->skel->maps.task_lineage;
	/* the value (bpf/lib/types.h pr_lineage) starts with its pr_tracked */
	uint8_t val[64];
	struct pr_tracked tr;
	size_t vs = bpf_map__value_size(m);
	int fd = (int)syscall(SYS_pidfd_open, pid, 0), rc;

	if (fd < 0)
		return -errno;
	if (vs > sizeof(val) || vs < sizeof(tr)) {
		close(fd);
		return -EINVAL;
	}
	rc = bpf_map__lookup_elem(m, &fd, sizeof(fd), val, vs, 0);
	close(fd);
	if (rc)
		return rc;
	memcpy(&tr, val, sizeof(tr));
	*session_key = tr.session_key;
	return 0;
}
