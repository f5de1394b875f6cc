/* security.h: what the security family's programs (bpf/security/) share:
 * the tracked check of their syscall tails, the memexec record builder (the
 * memexec hooks, exec and the exit summaries use it) and the per-process
 * aggregation of repetitive events (security/agg.bpf.c). */
#ifndef PROCTOR_BPF_SECURITY_H
#define PROCTOR_BPF_SECURITY_H

#include "lib/emit.h"
#include "proctor/syscalls.h"

/* The session key of the process with host pid @pid (signal.bpf.c, which
 * holds the family's task-by-pid kfuncs: an extern kfunc links into one
 * object only). 0: no such process, or not tracked. */
__u64 sec_pid_session(__u32 pid);

/* The dispatcher never routes an ia32 syscall (its number is from another
 * table) to a native tail; the tails check it once more, with the one ia32
 * check (lib/task.h), since a misread one would be a false escape. */
static __always_inline struct pr_tracked *sec_tracked_syscall(void)
{
	struct pr_tracked *tr = tracked_current();

	if (tr && in_ia32_syscall())
		return NULL;
	return tr;
}

/* Build and send a memexec record; f (may be NULL) is the backing file. */
static __always_inline void mem_emit(struct task_struct *t, struct pr_tracked *tr, __u16 op,
				     __u16 prot, __u32 mflags, __u32 map_flags, __s32 err,
				     __u64 addr, __u64 len, __u64 count, const char *name,
				     __u16 hflags)
{
	struct pr_scratch *s = scratch_get();
	struct pr_sec_memexec *e;
	__u32 size = sizeof(*e);
	long n = 0;

	if (!s)
		return;
	e = (void *)s->buf;
	/* The file's name (its last path component; a memfd's "memfd:NAME").
	 * The full path walk (read_path) does not verify inside these
	 * programs: its bpf_loop never converges against their states. */
	if (name) {
		n = bpf_probe_read_kernel_str(&s->buf[sizeof(*e)], PR_SEC_STR_CAP, name);
		if (n > 0)
			mflags |= PR_MEM_FILE;
		else
			n = 0;
		if (n == PR_SEC_STR_CAP)
			mflags |= PR_MEM_PATH_TRUNC;
		size += n & (2 * PR_SEC_STR_CAP - 1);
	}
	e->path_len = n;
	fill_hdr(&e->hdr, t, PR_EV_SEC_MEMEXEC, size, tr);
	e->hdr.flags = hflags;
	e->op = op;
	e->prot = prot;
	e->mem_flags = mflags;
	e->map_flags = map_flags;
	e->err = err;
	e->addr = addr;
	e->len = len;
	e->count = count;
	e->_pad = 0;
	ev_output(s, size, PR_EV_SEC_MEMEXEC, tr);
}

/* Count one occurrence of a kind in process tgid (security/agg.bpf.c):
 * the count including this one (1: first, emit it), or 0 when it is not
 * aggregated. who = tgid | kind << 32 | op << 48; what = (u32)err | nr << 32. */
__u64 sec_agg_hit(__u64 who, __u64 what, __u64 a0, __u64 a1);

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

#endif /* PROCTOR_BPF_SECURITY_H */
