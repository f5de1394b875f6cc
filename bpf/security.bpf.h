/* security.bpf.h: helpers local to the security family (bpf/security.bpf.c):
 * credential snapshots, file descriptor and memfd lookups, and the
 * per-process aggregation of repetitive events (JIT mprotect, ptrace peeks,
 * bpf map operations). */
#ifndef PROCTOR_SECURITY_BPF_H
#define PROCTOR_SECURITY_BPF_H

#include "common.bpf.h"
#include "proctor/abi_security.h"

/* Direct loads of syscall arguments for the hot filters (mmap/mprotect prot,
 * prctl option, clone flags...): regs is the tracepoint's BTF pointer, so no
 * probe-read helper call is needed (PR_ARGn in common.bpf.h make one). */
#if defined(__TARGET_ARCH_x86)
#define SEC_ARG1(regs) ((regs)->di)
#define SEC_ARG3(regs) ((regs)->dx)
#elif defined(__TARGET_ARCH_arm64)
#define SEC_ARG1(regs) ((regs)->orig_x0)
#define SEC_ARG3(regs) ((regs)->regs[2])
#endif

#define PR_PROT_READ	     0x1
#define PR_PROT_WRITE	     0x2
#define PR_PROT_EXEC	     0x4
#define PR_MAP_ANONYMOUS     0x20
#define PR_READ_IMPLIES_EXEC 0x0400000
#define PR_VM_WRITE	     0x2
#define PR_VM_EXEC	     0x4
#define PR_TMPFS_MAGIC	     0x01021994
#define PR_HUGETLBFS_MAGIC   0x958458f6
#define PR_NSFS_MAGIC	     0x6e736673
#define PR_PIDFS_MAGIC	     0x50494446

/* Credentials before a privilege syscall or an exec, per thread id. LRU: an
 * entry whose exit never came (thread killed mid-call) ages out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct pr_cred_snap);
} sec_cred_stash SEC(".maps");

/* Aggregation slots per process (tgid), flushed at process exit. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct pr_agg);
} sec_agg SEC(".maps");

static const struct pr_agg sec_agg_zero;

/* The dispatcher routes by the raw syscall number; a 32-bit syscall (int
 * 0x80 / sysenter, also from 64-bit code) carries an ia32 number that lands
 * in an unrelated native slot. Such a call must not be decoded as the native
 * syscall of that number. (Seeing compat syscalls needs compat routing in
 * the dispatcher: docs/EVENTS-security.md, Limits.) */
#define PR_TS_COMPAT 0x0002
static __always_inline struct pr_tracked *sec_tracked_syscall(void)
{
	struct pr_tracked *tr = tracked_current();
#if defined(__TARGET_ARCH_x86)
	if (tr && (BPF_CORE_READ(bpf_get_current_task_btf(), thread_info.status) & PR_TS_COMPAT))
		return NULL;
#endif
	return tr;
}

/* @c comes from a BTF task pointer, so its fields are read with direct
 * (fault-safe) loads rather than one probe-read helper call each. */
static __always_inline void cred_snapshot(const struct cred *c, struct pr_cred_snap *s)
{
	struct group_info *gi;
	__u32 n;

	s->uid = c->uid.val;
	s->euid = c->euid.val;
	s->suid = c->suid.val;
	s->fsuid = c->fsuid.val;
	s->gid = c->gid.val;
	s->egid = c->egid.val;
	s->sgid = c->sgid.val;
	s->fsgid = c->fsgid.val;
	/* kernel_cap_t is one u64 since 6.3 (two u32, same bytes, before) */
	s->cap_inh = *(const __u64 *)&c->cap_inheritable;
	s->cap_prm = *(const __u64 *)&c->cap_permitted;
	s->cap_eff = *(const __u64 *)&c->cap_effective;
	s->cap_amb = *(const __u64 *)&c->cap_ambient;
	gi = c->group_info;
	n = gi->ngroups;
	s->ngroups = n;
	s->_pad = 0;
	__builtin_memset(s->groups, 0, sizeof(s->groups));
	if (n >= PR_SEC_GROUPS_CAP)
		bpf_probe_read_kernel(s->groups, sizeof(s->groups), &gi->gid);
	else if (n)
		bpf_probe_read_kernel(s->groups, (n & (PR_SEC_GROUPS_CAP - 1)) * 4, &gi->gid);
}

/* The file behind descriptor fd of the current task, or NULL. */
static __always_inline struct file *fd_file(struct task_struct *t, long fd)
{
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	struct file **fds;
	struct file *f = NULL;

	if (fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* A memfd: an unlinked file on tmpfs/hugetlbfs whose name starts "memfd:". */
static __always_inline bool file_is_memfd(struct file *f)
{
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	unsigned long magic = BPF_CORE_READ(d, d_sb, s_magic);
	char name[6] = {};

	if (magic != PR_TMPFS_MAGIC && magic != PR_HUGETLBFS_MAGIC)
		return false;
	if (BPF_CORE_READ(d, d_inode, i_nlink) != 0)
		return false;
	bpf_probe_read_kernel(name, sizeof(name), BPF_CORE_READ(d, d_name.name));
	return name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 'f' &&
	       name[4] == 'd' && name[5] == ':';
}

static __always_inline bool file_unlinked(struct file *f)
{
	return BPF_CORE_READ(f, f_path.dentry, d_inode, i_nlink) == 0;
}

/* Count one occurrence of a kind in process @tgid. Returns the count
 * including this one (1: first, emit it), or 0 when every slot is taken by
 * other kinds (not aggregated: emit it). Two threads racing on a new kind may
 * both see 1: a duplicate first event, never a lost one. A global function:
 * verified once, so its slot loop does not multiply the callers' states.
 * who = tgid | kind << 32 | op << 48; what = (u32)err | nr << 32. */
__noinline __u64 sec_agg_hit(__u64 who, __u64 what, __u64 a0, __u64 a1)
{
	__u32 tgid = (__u32)who;
	__u16 kind = who >> 32, op = who >> 48;
	__s32 err = (__s32)what;
	__u32 nr = what >> 32;
	struct pr_agg *a = bpf_map_lookup_elem(&sec_agg, &tgid);
	int i, free_slot = -1;

	if (!a) {
		bpf_map_update_elem(&sec_agg, &tgid, &sec_agg_zero, BPF_NOEXIST);
		a = bpf_map_lookup_elem(&sec_agg, &tgid);
		if (!a)
			return 0;
	}
	for (i = 0; i < PR_SEC_AGG_SLOTS; i++) {
		struct pr_agg_slot *s = &a->slot[i];
		if (s->kind == PR_AGG_NONE) {
			if (free_slot < 0)
				free_slot = i;
			continue;
		}
		if (s->kind == kind && s->op == op && s->err == err && s->nr == nr && s->a0 == a0 &&
		    s->a1 == a1)
			return __sync_fetch_and_add(&s->count, 1) + 1;
	}
	/* The last slots are kept for coarse keys (a0 or a1 = PR_AGG_ANY), so
	 * that a process with many distinct kinds still aggregates. */
	if (free_slot < 0 || (free_slot >= PR_SEC_AGG_SLOTS - PR_SEC_AGG_COARSE &&
			      a0 != PR_AGG_ANY && a1 != PR_AGG_ANY))
		return 0;
	{
		struct pr_agg_slot *s = &a->slot[free_slot & (PR_SEC_AGG_SLOTS - 1)];
		s->op = op;
		s->err = err;
		s->nr = nr;
		s->a0 = a0;
		s->a1 = a1;
		s->count = 1;
		s->kind = kind;
	}
	return 1;
}

/* Exact key (a0, a1) first; when the exact slots are used up, the coarse key
 * (c0, c1) that stands for "this kind, other arguments". 0: not aggregated. */
static __always_inline __u64 agg_hit(__u32 tgid, __u16 kind, __u16 op, __s32 err, __u32 nr,
				     __u64 a0, __u64 a1, __u64 c0, __u64 c1)
{
	__u64 who = tgid | (__u64)kind << 32 | (__u64)op << 48;
	__u64 what = (__u32)err | (__u64)nr << 32;
	__u64 n = sec_agg_hit(who, what, a0, a1);

	return n ? n : sec_agg_hit(who, what, c0, c1);
}

#endif /* PROCTOR_SECURITY_BPF_H */
