/* task.h: what the programs read from a task: syscall number and argument
 * registers, the ia32 check, the cgroup id and the tracked-cgroup filter,
 * credentials, the fd table (fd -> struct file / struct socket), the working
 * directory, the file predicates and the vma at an address. */
#ifndef PROCTOR_BPF_TASK_H
#define PROCTOR_BPF_TASK_H

#include "lib/maps.h"
#include "lib/consts.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

/* ---- syscall registers -------------------------------------------------- */

/* Syscall number and arguments from the saved user registers. At sys_exit
 * the argument registers still hold the values passed at entry. The _DIRECT
 * forms are plain loads: regs must be the tracepoint's BTF pointer. */
#if defined(__TARGET_ARCH_x86)
#define PR_SYSCALL_NR(regs)	   BPF_CORE_READ(regs, orig_ax)
#define PR_SYSCALL_NR_DIRECT(regs) ((regs)->orig_ax)
#define PR_ARG1(regs)		   BPF_CORE_READ(regs, di)
#define PR_ARG2(regs)		   BPF_CORE_READ(regs, si)
#define PR_ARG3(regs)		   BPF_CORE_READ(regs, dx)
#define PR_ARG4(regs)		   BPF_CORE_READ(regs, r10)
#define PR_ARG5(regs)		   BPF_CORE_READ(regs, r8)
#define PR_ARG6(regs)		   BPF_CORE_READ(regs, r9)
#define PR_ARG1_DIRECT(regs)	   ((regs)->di)
#define PR_ARG2_DIRECT(regs)	   ((regs)->si)
#define PR_ARG3_DIRECT(regs)	   ((regs)->dx)
#elif defined(__TARGET_ARCH_arm64)
#define PR_SYSCALL_NR(regs)	   BPF_CORE_READ(regs, syscallno)
#define PR_SYSCALL_NR_DIRECT(regs) ((regs)->syscallno)
#define PR_ARG1(regs)		   BPF_CORE_READ(regs, orig_x0)
#define PR_ARG2(regs)		   BPF_CORE_READ(regs, regs[1])
#define PR_ARG3(regs)		   BPF_CORE_READ(regs, regs[2])
#define PR_ARG4(regs)		   BPF_CORE_READ(regs, regs[3])
#define PR_ARG5(regs)		   BPF_CORE_READ(regs, regs[4])
#define PR_ARG6(regs)		   BPF_CORE_READ(regs, regs[5])
#define PR_ARG1_DIRECT(regs)	   ((regs)->orig_x0)
#define PR_ARG2_DIRECT(regs)	   ((regs)->regs[1])
#define PR_ARG3_DIRECT(regs)	   ((regs)->regs[2])
#endif

/* The current task is in an ia32 syscall (int $0x80 / sysenter, also from
 * 64-bit code): its number and argument registers follow the i386 ABI, so
 * it must never be read as the native syscall of that number. */
static __always_inline bool in_ia32_syscall(void)
{
#if defined(__TARGET_ARCH_x86)
	return bpf_get_current_task_btf()->thread_info.status & PR_TS_COMPAT;
#else
	return false;
#endif
}

/* ---- scoping: the tracked-cgroup check ---------------------------------- */

/* Direct BTF loads, not bpf_probe_read: @t must be a BTF pointer the verifier
 * knows (a tp_btf argument or bpf_get_current_task_btf()). This runs for every
 * hooked event of every process, tracked or not, so each hop matters. */
static __always_inline __u64 task_cgroup_id(struct task_struct *t)
{
	return t->cgroups->dfl_cgrp->kn->id;
}

/* pr_track_filter (lib/maps.h) is indexed by the low bits of the cgroup id
 * (kernfs ids grow by one per node, so live ids rarely share a slot).
 * Nonzero means "maybe tracked: ask the hash"; zero means certainly not
 * tracked. Every writer of tracked_cgroups sets the slot BEFORE inserting the
 * id (user space: sensor_track_cgroup; kernel: the cgroup_mkdir hook), so a
 * tracked id is never filtered out. Slots are never cleared: a stale or
 * shared slot only costs the hash lookup. Bytes, not bits, so that setters
 * need no atomic read-modify-write. */
static __always_inline __u32 track_filter_slot(__u64 cg)
{
	return (__u32)cg & pr_track_filter_mask & (PR_TRACK_FILTER_SLOTS - 1);
}

static __always_inline bool maybe_tracked_cgroup(__u64 cg)
{
	return pr_track_filter[track_filter_slot(cg)];
}

/* The task's lineage entry (lib/maps.h task_lineage), or NULL. @t must be a
 * BTF task pointer. */
static __always_inline struct pr_lineage *task_lineage_of(struct task_struct *t)
{
	return bpf_task_storage_get(&task_lineage, t, 0, 0);
}

/* The session @t belongs to, NULL: not ours. Lineage first (a tracked task
 * keeps its own session wherever it moves), then the cgroup (a task that
 * was in a session cgroup before it ever forked or exec'd there). Both sit
 * behind the filter: every cgroup a tracked task moves to gets its slot set
 * (lifecycle/cgroup.bpf.c), so untracked tasks elsewhere pay one load. */
static __always_inline struct pr_tracked *tracked_task_in(struct task_struct *t, __u64 cg)
{
	struct pr_lineage *l;

	if (!maybe_tracked_cgroup(cg))
		return NULL;
	l = task_lineage_of(t);
	if (l)
		return &l->tr;
	return bpf_map_lookup_elem(&tracked_cgroups, &cg);
}

static __always_inline struct pr_tracked *tracked_task(struct task_struct *t)
{
	return tracked_task_in(t, task_cgroup_id(t));
}

/* The one check every program makes first. NULL: not ours, return. */
static __always_inline struct pr_tracked *tracked_current(void)
{
	return tracked_task(bpf_get_current_task_btf());
}

/* The cgroup-only check, for the cgroup programs (net/egress.bpf.c), which
 * run only in session cgroups and cannot reach task storage. */
static __always_inline struct pr_tracked *tracked_cgroup_current(void)
{
	__u64 cg = bpf_get_current_cgroup_id();

	if (!maybe_tracked_cgroup(cg))
		return NULL;
	return bpf_map_lookup_elem(&tracked_cgroups, &cg);
}

/* Make @t's lineage entry (session @tr, now in cgroup @cg) if it has none:
 * from then on it keeps that session wherever it moves. Returns the entry. */
static __always_inline struct pr_lineage *lineage_ensure(struct task_struct *t,
							 const struct pr_tracked *tr, __u64 cg)
{
	struct pr_lineage *l = task_lineage_of(t);

	if (l)
		return l;
	l = bpf_task_storage_get(&task_lineage, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!l)
		return NULL;
	l->tr = *tr;
	l->cgroup_id = cg;
	return l;
}

/* ---- credentials -------------------------------------------------------- */

static __always_inline const struct cred *task_cred(struct task_struct *t)
{
	return t->cred; /* a BTF pointer: fields then read by direct loads */
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
	s->secbits = c->securebits & PR_CRED_SECBITS;
	__builtin_memset(s->groups, 0, sizeof(s->groups));
	if (n >= PR_SEC_GROUPS_CAP)
		bpf_probe_read_kernel(s->groups, sizeof(s->groups), &gi->gid);
	else if (n)
		bpf_probe_read_kernel(s->groups, (n & (PR_SEC_GROUPS_CAP - 1)) * 4, &gi->gid);
}

/* ---- the fd table ------------------------------------------------------- */

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* A kernel pointer obtained as a number, made directly loadable (loads are
 * fault-safe, like bpf_probe_read, but cost no helper call). */
#define RDONLY(type, p) ((type *)bpf_rdonly_cast((p), bpf_core_type_id_kernel(type)))

/* The struct file behind fd in t's table, or NULL. @t must be a BTF task
 * pointer (tp_btf argument or bpf_get_current_task_btf()). */
static __always_inline struct file *fd_file(struct task_struct *t, long fd)
{
	struct files_struct *files;
	struct fdtable *fdt;
	struct file **arr, *f = NULL;

	if (fd < 0)
		return NULL;
	files = t->files;
	if (!files)
		return NULL;
	fdt = files->fdt;
	if (!fdt || (__u64)fd >= fdt->max_fds)
		return NULL;
	arr = fdt->fd;
	bpf_probe_read_kernel(&f, sizeof(f), &arr[fd]);
	return f;
}

/* The socket behind fd, or NULL when fd is not a socket. */
static __always_inline struct socket *fd_socket(struct task_struct *t, long fd)
{
	struct file *f = fd_file(t, fd);

	if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & PR_S_IFMT) != PR_S_IFSOCK)
		return NULL;
	return BPF_CORE_READ(f, private_data);
}

/* The directory a relative name is resolved against: cwd or dirfd. */
static __always_inline const struct path *dir_of(struct task_struct *t, long dirfd)
{
	struct fs_struct *fs;
	struct file *f;

	if ((int)dirfd == PR_AT_FDCWD) {
		fs = BPF_CORE_READ(t, fs);
		return fs ? &fs->pwd : NULL;
	}
	f = fd_file(t, (int)dirfd);
	return f ? &f->f_path : NULL;
}

/* ---- what a file is ----------------------------------------------------- */

/* d_unlinked(): the file's dentry is no longer (or never was) in the name
 * tree: unlinked while open, O_TMPFILE, memfd and other pseudo files. */
static __always_inline bool file_dentry_unlinked(struct file *f)
{
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);

	return d && !BPF_CORE_READ(d, d_hash.pprev) && BPF_CORE_READ(d, d_parent) != d;
}

/* The file's inode has no links left (no name on any filesystem). */
static __always_inline bool file_nlink_zero(struct file *f)
{
	return BPF_CORE_READ(f, f_path.dentry, d_inode, i_nlink) == 0;
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

/* ---- the vma at an address ---------------------------------------------- */

struct vma_info {
	__u64 file;  /* struct file * of the mapping, 0 = anonymous */
	__u64 flags; /* vm_flags */
	__u32 found;
	__u32 cow;  /* has anonymous pages: a private mapping was written (COW) */
	__u64 size; /* vm_end - vm_start */
};

static long vma_info_cb(struct task_struct *task, struct vm_area_struct *vma, void *arg)
{
	struct vma_info *v = arg;

	v->file = (__u64)BPF_CORE_READ(vma, vm_file); /* a plain number, not a BTF pointer */
	v->flags = vma->vm_flags;
	v->cow = BPF_CORE_READ(vma, anon_vma) != NULL;
	v->size = vma->vm_end - vma->vm_start;
	v->found = 1;
	return 0;
}

/* The mapping of @t that contains addr (v->found = 0 when there is none).
 * @t must be a BTF task pointer. */
static __always_inline void task_vma_at(struct task_struct *t, __u64 addr, struct vma_info *v)
{
	v->file = v->flags = v->size = 0;
	v->found = v->cow = 0;
	bpf_find_vma(t, addr, vma_info_cb, v, 0);
}

#endif /* PROCTOR_BPF_TASK_H */
