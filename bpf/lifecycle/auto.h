/* auto.h: auto-adoption of known agents at exec, called by the one exec
 * program (lifecycle/exec.bpf.c) for an untracked task. If the new image
 * is a rule's, the task is tracked at once: a lineage entry under a
 * provisional session key made here (PR_AUTO_KEY_BIT), its cgroup's filter
 * slot set, so everything from this exec on, and every descendant, is
 * recorded. The caller emits its process.exec marked PR_EXEC_AUTO with the
 * rule's index; the daemon creates the session under that key
 * (docs/DAEMON.md). A rule pinned by path matches the file run by its inode
 * (auto_inodes: the file the kernel execs, not a name the caller chose); a
 * rule by name matches the basename of the path execve was given (a #!
 * script such as Claude Code's `claude`, or a symlink to it), else that of
 * the file run. Untracked execs pay one load while no rules are loaded;
 * with rules, a lookup by inode and/or two short string reads and one or
 * two lookups. */
#ifndef PROCTOR_BPF_LIFECYCLE_AUTO_H
#define PROCTOR_BPF_LIFECYCLE_AUTO_H

#include "lib/emit.h"

#define AUTO_PATH_SCAN 256 /* bytes of the execve path searched for its basename */

/* The index of the rule named name, or -1. */
static __always_inline int auto_known(const char *name)
{
	struct pr_auto_key key = {};
	__u32 *rule;

	if (bpf_probe_read_kernel_str(key.name, sizeof(key.name), name) <= 0)
		return -1;
	rule = bpf_map_lookup_elem(&auto_agents, &key);
	return rule ? (int)*rule : -1;
}

/* The index of the rule pinning file f by its inode, or -1. */
static __always_inline int auto_known_inode(struct file *f)
{
	struct pr_auto_inode key = {};
	struct inode *ino = BPF_CORE_READ(f, f_inode);
	__u32 *rule;

	if (!ino)
		return -1;
	key.ino = BPF_CORE_READ(ino, i_ino);
	key.dev = BPF_CORE_READ(ino, i_sb, s_dev);
	rule = bpf_map_lookup_elem(&auto_inodes, &key);
	return rule ? (int)*rule : -1;
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

/* The rule named by the basename of bprm->filename, or -1. */
static __always_inline int auto_known_filename(struct linux_binprm *bprm)
{
	struct pr_scratch *s = scratch_get();
	const char *fn = BPF_CORE_READ(bprm, filename);
	struct auto_scan a = {};
	long n;

	if (!s)
		return -1;
	n = bpf_probe_read_kernel_str(s->buf, AUTO_PATH_SCAN, fn);
	if (n <= 0)
		return -1;
	a.n = (__u32)n;
	bpf_loop(a.n, auto_scan_byte, &a, 0);
	return auto_known(&s->buf[a.base & (AUTO_PATH_SCAN - 1)]);
}

/* The index of the rule the new image matches, or -1. By inode: the file
 * run (an ELF agent; for a #! script its interpreter) or the script itself
 * where the kernel keeps it (bprm->executable). */
static __always_inline int auto_rule(struct linux_binprm *bprm, __u32 enabled)
{
	struct file *f = BPF_CORE_READ(bprm, file), *x = NULL;
	int rule;

	if (enabled & PR_AUTO_BY_INODE) {
		if (bpf_core_field_exists(bprm->executable))
			x = BPF_CORE_READ(bprm, executable);
		if (x && (rule = auto_known_inode(x)) >= 0)
			return rule;
		if ((rule = auto_known_inode(f)) >= 0)
			return rule;
	}
	if (!(enabled & PR_AUTO_BY_NAME))
		return -1;
	if ((rule = auto_known_filename(bprm)) >= 0)
		return rule;
	return auto_known((const char *)BPF_CORE_READ(f, f_path.dentry, d_name.name));
}

/* The new entry's tracked value, or NULL: not an agent (or no memory);
 * *flags gets the exec record's PR_EXEC_AUTO and the rule's index. */
static __always_inline struct pr_tracked *
auto_adopt_exec(struct task_struct *p, struct linux_binprm *bprm, __u64 cg, __u16 *flags)
{
	struct pr_tracked tr = {};
	struct pr_lineage *l;
	__u32 enabled = pr_auto_enabled;
	int rule;

	if (!enabled || p->tgid == pr_cfg.self_tgid)
		return NULL;
	rule = auto_rule(bprm, enabled);
	if (rule < 0 || rule >= PR_AUTO_MAX_RULES)
		return NULL;
	*flags = PR_EXEC_AUTO | (__u16)((rule + 1) << PR_EXEC_AUTO_RULE_SHIFT);
	tr.session_key = PR_AUTO_KEY_BIT | ((__u64)(__u32)p->tgid << 32) |
			 (__sync_fetch_and_add(&pr_auto_seq, 1) & 0xffffffffull);
	pr_track_filter[track_filter_slot(cg)] = 1;
	l = lineage_ensure(p, &tr, cg);
	return l ? &l->tr : NULL;
}

#endif /* PROCTOR_BPF_LIFECYCLE_AUTO_H */
