/* auto.h: auto-adoption of known agents at exec, called by the one exec
 * program (lifecycle/exec.bpf.c) for an untracked task. If the new image
 * has a name in auto_agents, the task is tracked at once: a lineage entry
 * under a provisional session key made here (PR_AUTO_KEY_BIT), its
 * cgroup's filter slot set, so everything from this exec on, and every
 * descendant, is recorded. The caller emits its process.exec marked
 * PR_EXEC_AUTO; the daemon creates the session under that key
 * (docs/DAEMON.md). The name is the basename of the path execve was given
 * (a #! script such as Claude Code's `claude`, or a symlink to it), else
 * that of the file run. Untracked execs pay one load while no rules are
 * loaded; with rules, two short string reads and one or two lookups. */
#ifndef PROCTOR_BPF_LIFECYCLE_AUTO_H
#define PROCTOR_BPF_LIFECYCLE_AUTO_H

#include "lib/emit.h"

#define AUTO_PATH_SCAN 256 /* bytes of the execve path searched for its basename */

static __always_inline bool auto_known(const char *name)
{
	struct pr_auto_key key = {};

	if (bpf_probe_read_kernel_str(key.name, sizeof(key.name), name) <= 0)
		return false;
	return bpf_map_lookup_elem(&auto_agents, &key) != NULL;
}

struct auto_scan {
	__u32 n, base;
};

/* bpf_loop body: remember the position after the last '/' (the verifier
 * checks it once, not per byte). */
static long auto_scan_byte(__u32 i, void *ctx)
{
	struct auto_scan *a = ctx;
	struct pr_scratch *s = scratch_get();

	if (!s || i >= a->n)
		return 1;
	if (s->buf[i & (AUTO_PATH_SCAN - 1)] == '/')
		a->base = i + 1;
	return 0;
}

/* The basename of bprm->filename, a known agent's? */
static __always_inline bool auto_known_filename(struct linux_binprm *bprm)
{
	struct pr_scratch *s = scratch_get();
	const char *fn = BPF_CORE_READ(bprm, filename);
	struct auto_scan a = {};
	long n;

	if (!s)
		return false;
	n = bpf_probe_read_kernel_str(s->buf, AUTO_PATH_SCAN, fn);
	if (n <= 0)
		return false;
	a.n = (__u32)n;
	bpf_loop(a.n, auto_scan_byte, &a, 0);
	return auto_known(&s->buf[a.base & (AUTO_PATH_SCAN - 1)]);
}

/* The new entry's tracked value, or NULL: not an agent (or no memory). */
static __always_inline struct pr_tracked *auto_adopt_exec(struct task_struct *p,
							  struct linux_binprm *bprm, __u64 cg)
{
	struct pr_tracked tr = {};
	struct pr_lineage *l;
	struct file *f;

	if (!pr_auto_enabled || p->tgid == pr_cfg.self_tgid)
		return NULL;
	f = BPF_CORE_READ(bprm, file);
	if (!auto_known_filename(bprm) &&
	    !auto_known((const char *)BPF_CORE_READ(f, f_path.dentry, d_name.name)))
		return NULL;
	tr.session_key = PR_AUTO_KEY_BIT | ((__u64)(__u32)p->tgid << 32) |
			 (__sync_fetch_and_add(&pr_auto_seq, 1) & 0xffffffffull);
	pr_track_filter[track_filter_slot(cg)] = 1;
	l = lineage_ensure(p, &tr, cg);
	return l ? &l->tr : NULL;
}

#endif /* PROCTOR_BPF_LIFECYCLE_AUTO_H */
