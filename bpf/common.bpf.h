/* common.bpf.h: what every hook family shares: the maps (declared __weak so
 * each bpf/ family object can include them and the static linker merges them
 * into one), the tracked-cgroup filter, header filling, ring-buffer emission
 * with batched wake-ups and per-type drop counting, and the in-kernel path
 * walker. Keep it small: every line here is on somebody's hot path. */
#ifndef PROCTOR_COMMON_BPF_H
#define PROCTOR_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "proctor/abi.h"

#define PR_MAX_TRACKED 65536

/* Syscall number and arguments from the saved user registers. At sys_exit
 * the argument registers still hold the values passed at entry. */
#if defined(__TARGET_ARCH_x86)
#define PR_SYSCALL_NR(regs)	   BPF_CORE_READ(regs, orig_ax)
#define PR_SYSCALL_NR_DIRECT(regs) ((regs)->orig_ax) /* BTF pointer only */
#define PR_ARG1(regs)		   BPF_CORE_READ(regs, di)
#define PR_ARG2(regs)		   BPF_CORE_READ(regs, si)
#define PR_ARG3(regs)		   BPF_CORE_READ(regs, dx)
#define PR_ARG4(regs)		   BPF_CORE_READ(regs, r10)
#define PR_ARG5(regs)		   BPF_CORE_READ(regs, r8)
#define PR_ARG6(regs)		   BPF_CORE_READ(regs, r9)
#elif defined(__TARGET_ARCH_arm64)
#define PR_SYSCALL_NR(regs)	   BPF_CORE_READ(regs, syscallno)
#define PR_SYSCALL_NR_DIRECT(regs) ((regs)->syscallno) /* BTF pointer only */
#define PR_ARG1(regs)		   BPF_CORE_READ(regs, orig_x0)
#define PR_ARG2(regs)		   BPF_CORE_READ(regs, regs[1])
#define PR_ARG3(regs)		   BPF_CORE_READ(regs, regs[2])
#define PR_ARG4(regs)		   BPF_CORE_READ(regs, regs[3])
#define PR_ARG5(regs)		   BPF_CORE_READ(regs, regs[4])
#define PR_ARG6(regs)		   BPF_CORE_READ(regs, regs[5])
#endif

/* All records go through one ring buffer; user space sizes it before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps") __weak;

/* Reserve/output failures, per CPU and per event type. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PR_EV_MAX);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps") __weak;

/* Lost records per session (for the session summary). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} session_drops SEC(".maps") __weak;

/* cgroup v2 id -> session. Session cgroups and their descendants. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PR_MAX_TRACKED);
	__type(key, __u64);
	__type(value, struct pr_tracked);
} tracked_cgroups SEC(".maps") __weak;

/* Path walking state shared by the two bpf_loop callbacks of read_path().
 * It lives in the per-CPU scratch map value, not on the stack: the verifier
 * treats map contents as unknown, so each callback body is verified once
 * instead of once per iteration. Pointers are kept as plain numbers (they
 * come from, and go back to, bpf_probe_read). */
struct path_walk {
	struct dentry *d, *mnt_root;
	struct mount *mnt;
	__u32 n;   /* components collected (leaf first) */
	__u32 off; /* where the path starts in scratch->buf */
	__u32 pos; /* write position */
	__u32 trunc;
};

/* Second-level routing for syscalls two families hook (e.g. mmap: files
 * count writes through shared mappings, security watches executable memory).
 * A program registered with .chains = true ends with PR_CHAIN_EXIT/ENTER,
 * which tail-calls the next family's program for the same syscall, if any. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, PR_SYSCALL_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} sys_exit_chain SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, PR_SYSCALL_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} sys_enter_chain SEC(".maps") __weak;

#define PR_CHAIN(ctx, map, nr)                                                                     \
	do {                                                                                       \
		__u64 __nr = (nr);                                                                 \
		if (__nr < PR_SYSCALL_SLOTS)                                                       \
			bpf_tail_call(ctx, &map, (__u32)__nr);                                     \
	} while (0)
#define PR_CHAIN_EXIT(ctx, regs) PR_CHAIN(ctx, sys_exit_chain, PR_SYSCALL_NR_DIRECT(regs))
#define PR_CHAIN_ENTER(ctx, id)	 PR_CHAIN(ctx, sys_enter_chain, id)

/* Per-CPU assembly area for variable-size records. */
struct pr_scratch {
	struct path_walk walk;
	char buf[PR_SCRATCH_SIZE + PR_PATH_CAP + 256];
	const unsigned char *names[PR_PATH_DEPTH];
	__u32 lens[PR_PATH_DEPTH];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pr_scratch);
} scratch SEC(".maps") __weak;

const volatile struct pr_config pr_cfg __weak = {
	.wakeup_bytes = 1 << 20,
};

#define SCRATCH_MASK (PR_SCRATCH_SIZE - 1)

static __always_inline struct pr_scratch *scratch_get(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&scratch, &zero);
}

/* Direct BTF loads, not bpf_probe_read: @t must be a BTF pointer the verifier
 * knows (a tp_btf argument or bpf_get_current_task_btf()). This runs for every
 * hooked event of every process, tracked or not, so each hop matters. */
static __always_inline __u64 task_cgroup_id(struct task_struct *t)
{
	return t->cgroups->dfl_cgrp->kn->id;
}

/* Untracked-task filter in front of tracked_cgroups: one byte per slot,
 * indexed by the low bits of the cgroup id (kernfs ids grow by one per node,
 * so live ids rarely share a slot). Nonzero means "maybe tracked: ask the
 * hash"; zero means certainly not tracked. Every writer of tracked_cgroups sets
 * the slot BEFORE inserting the id (user space: sensor_track_cgroup; kernel:
 * the cgroup_mkdir hook), so a tracked id is never filtered out. Slots are
 * never cleared: a stale or shared slot only costs the hash lookup. Bytes, not
 * bits, so that setters need no atomic read-modify-write. It is a global
 * (.bss) array: a load, no helper call. pr_track_filter_mask (rodata, known to
 * the verifier) shrinks the table for tests that force collisions. */
#define PR_TRACK_FILTER_SLOTS (1u << 16)
__u8 pr_track_filter[PR_TRACK_FILTER_SLOTS] __weak SEC(".bss");
const volatile __u32 pr_track_filter_mask __weak = PR_TRACK_FILTER_SLOTS - 1;

static __always_inline __u32 track_filter_slot(__u64 cg)
{
	return (__u32)cg & pr_track_filter_mask & (PR_TRACK_FILTER_SLOTS - 1);
}

static __always_inline bool maybe_tracked_cgroup(__u64 cg)
{
	return pr_track_filter[track_filter_slot(cg)];
}

/* The one check every program makes first. NULL: not ours, return. */
static __always_inline struct pr_tracked *tracked_current(void)
{
	__u64 cg = bpf_get_current_cgroup_id();

	if (!maybe_tracked_cgroup(cg))
		return NULL;
	return bpf_map_lookup_elem(&tracked_cgroups, &cg);
}

static __always_inline struct pr_tracked *tracked_task(struct task_struct *t)
{
	__u64 cg = task_cgroup_id(t);

	if (!maybe_tracked_cgroup(cg))
		return NULL;
	return bpf_map_lookup_elem(&tracked_cgroups, &cg);
}

static __always_inline void count_drop(__u32 type, __u64 session_key)
{
	__u64 *n = bpf_map_lookup_elem(&drops, &type);
	if (n)
		*n += 1;
	n = bpf_map_lookup_elem(&session_drops, &session_key);
	if (n) {
		__sync_fetch_and_add(n, 1);
	} else {
		__u64 one = 1;
		bpf_map_update_elem(&session_drops, &session_key, &one, BPF_NOEXIST);
	}
}

/* Last forced wake-up, per CPU (ns). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} wakeup_last SEC(".maps") __weak;

#define PR_WAKEUP_MIN_GAP_NS 1000000ull /* at most one forced wake-up per ms per CPU */

/* Batched wake-ups: the reader polls on a short timer, so most records are
 * committed without waking it. Once the buffer fills past the threshold the
 * reader is woken, but at most once per millisecond per CPU: it drains all
 * that is pending when it runs, so waking it for every record would only add
 * cost where the load is highest. */
static __always_inline __u64 wakeup_flags(void)
{
	__u32 zero = 0;
	__u64 now, *last;

	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) < pr_cfg.wakeup_bytes)
		return BPF_RB_NO_WAKEUP;
	last = bpf_map_lookup_elem(&wakeup_last, &zero);
	if (!last)
		return BPF_RB_FORCE_WAKEUP;
	now = bpf_ktime_get_ns();
	if (now - *last < PR_WAKEUP_MIN_GAP_NS)
		return BPF_RB_NO_WAKEUP;
	*last = now;
	return BPF_RB_FORCE_WAKEUP;
}

static __always_inline void fill_hdr(struct pr_hdr *h, struct task_struct *t, __u16 type,
				     __u32 size, const struct pr_tracked *tr)
{
	h->type = type;
	h->flags = 0;
	h->size = size;
	h->ts_ns = bpf_ktime_get_boot_ns();
	h->cgroup_id = task_cgroup_id(t);
	h->session_key = tr->session_key;
	h->pid = BPF_CORE_READ(t, tgid);
	h->tid = BPF_CORE_READ(t, pid);
	h->ppid = BPF_CORE_READ(t, real_parent, tgid);
	h->uid = BPF_CORE_READ(t, cred, euid.val);
	h->gid = BPF_CORE_READ(t, cred, egid.val);
	h->_pad = 0;
	bpf_probe_read_kernel_str(h->comm, sizeof(h->comm), t->comm);
}

/* Reserve a fixed-size record; counts the drop on failure. */
static __always_inline void *ev_reserve(__u32 size, __u16 type, const struct pr_tracked *tr)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);
	if (!e)
		count_drop(type, tr->session_key);
	return e;
}

static __always_inline void ev_submit(void *e)
{
	bpf_ringbuf_submit(e, wakeup_flags());
}

/* Copy a record assembled in scratch; size is clamped for the verifier. */
static __always_inline int ev_output(struct pr_scratch *s, __u32 size, __u16 type,
				     const struct pr_tracked *tr)
{
	if (size > PR_SCRATCH_SIZE)
		size = PR_SCRATCH_SIZE;
	if (bpf_ringbuf_output(&events, s->buf, size, wakeup_flags())) {
		count_drop(type, tr->session_key);
		return -1;
	}
	return 0;
}

/* Pass 1: climb from the dentry to the root, crossing mounts, collecting
 * component names leaf first. */
static long path_walk_up(__u64 i, void *arg)
{
	struct pr_scratch *s = scratch_get();
	struct path_walk *w;
	struct dentry *d, *parent;
	struct mount *mnt, *mp;

	if (!s)
		return 1;
	w = &s->walk;
	d = w->d;
	mnt = w->mnt;
	parent = BPF_CORE_READ(d, d_parent);
	if (d == w->mnt_root || d == parent) {
		mp = BPF_CORE_READ(mnt, mnt_parent);
		if (mnt == mp)
			return 1; /* the root of the namespace */
		w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = mp;
		w->mnt_root = BPF_CORE_READ(mp, mnt.mnt_root);
		return 0;
	}
	if (w->n >= PR_PATH_DEPTH) {
		w->trunc = 1;
		return 1;
	}
	s->names[w->n & (PR_PATH_DEPTH - 1)] = BPF_CORE_READ(d, d_name.name);
	w->n++;
	w->d = parent;
	return 0;
}

/* Pass 2: write "/name" for each component, root first. */
static long path_write_down(__u64 i, void *arg)
{
	struct pr_scratch *s = scratch_get();
	struct path_walk *w;
	long r;

	if (!s)
		return 1;
	w = &s->walk;
	if (i >= w->n)
		return 1;
	if (w->pos - w->off > PR_PATH_CAP - 256 - 2) {
		w->trunc = 1;
		return 1;
	}
	s->buf[w->pos & SCRATCH_MASK] = '/';
	w->pos++;
	r = bpf_probe_read_kernel_str(&s->buf[w->pos & SCRATCH_MASK], 256,
				      s->names[(w->n - 1 - i) & (PR_PATH_DEPTH - 1)]);
	if (r > 1)
		w->pos += r - 1;
	return 0;
}

/* Write the absolute path of @path at s->buf[off], NUL-terminated. Walks at
 * most PR_PATH_DEPTH components across mounts; on overflow keeps the leaf
 * components and sets *trunc. Returns bytes written including the NUL. */
static __always_inline int read_path(struct pr_scratch *s, __u32 off, const struct path *path,
				     __u32 *trunc)
{
	struct vfsmount *vfsmnt = BPF_CORE_READ(path, mnt);
	struct path_walk *w = &s->walk;
	__u32 pos;

	w->d = BPF_CORE_READ(path, dentry);
	w->mnt = container_of(vfsmnt, struct mount, mnt);
	w->mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	w->n = 0;
	w->off = off;
	w->pos = off;
	w->trunc = 0;
	bpf_loop(PR_PATH_DEPTH + 16, path_walk_up, NULL, 0);
	bpf_loop(PR_PATH_DEPTH, path_write_down, NULL, 0);
	pos = w->pos;
	if (pos == off) {
		s->buf[pos & SCRATCH_MASK] = '/';
		pos++;
	}
	s->buf[pos & SCRATCH_MASK] = 0;
	*trunc = w->trunc;
	return (pos - off + 1) & (PR_PATH_CAP * 2 - 1);
}

#endif /* PROCTOR_COMMON_BPF_H */
