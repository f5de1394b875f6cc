/* signal.bpf.c: process.signal: kill, tkill, tgkill, rt_sigqueueinfo,
 * rt_tgsigqueueinfo and pidfd_send_signal of a tracked process, at exit (the
 * result known). The target is resolved in the kernel (its host tgid, comm,
 * executable name and whether it is in the sender's session); repeats per
 * sender, syscall, target, signal and result are aggregated like the other
 * security kinds (security/agg.bpf.c). Semantics: docs/EVENTS-security.md. */
#include "security/security.h"

extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

__noinline __u64 sec_pid_session(__u32 pid)
{
	struct task_struct *t = pid ? bpf_task_from_pid(pid) : NULL;
	struct pr_tracked *tr;
	__u64 key = 0;

	if (!t)
		return 0;
	tr = tracked_task(t);
	if (tr)
		key = tr->session_key;
	bpf_task_release(t);
	return key;
}

/* A pid as the caller @t sees it, acquired; NULL if none. Only a caller in
 * the initial pid namespace is resolved (bpf_task_from_vpid, which would
 * resolve the others, is 6.13+): inside a pid namespace the target stays
 * as passed (docs/EVENTS-security.md). */
static __always_inline struct task_struct *task_from_vpid(struct task_struct *t, s32 pid)
{
	if (pid <= 0 || BPF_CORE_READ(t, thread_pid, level) != 0)
		return NULL;
	return bpf_task_from_pid(pid);
}

/* The process a pidfd refers to (host pid), or 0. */
static __always_inline s32 pidfd_host_pid(struct task_struct *t, long fd)
{
	struct file *f = fd_file(t, fd);
	struct pid *pid;

	if (!f || BPF_CORE_READ(f, f_inode, i_sb, s_magic) != PR_PIDFS_MAGIC)
		return 0;
	pid = BPF_CORE_READ(f, f_inode, i_private);
	return BPF_CORE_READ(pid, numbers[0].nr);
}

/* Fill in what the target is: host tgid (and tid for a thread), comm,
 * executable name and its relation to the sender's session. */
static __always_inline void describe_target(struct pr_signal *e, struct task_struct *target,
					    bool thread, const struct pr_tracked *tr)
{
	struct pr_tracked *ttr;
	struct file *exe;

	e->target_pid = target->tgid;
	e->target_tid = thread ? target->pid : 0;
	bpf_probe_read_kernel_str(e->target_comm, sizeof(e->target_comm), target->comm);
	exe = BPF_CORE_READ(target, mm, exe_file);
	if (exe)
		bpf_probe_read_kernel_str(e->target_exe, sizeof(e->target_exe),
					  BPF_CORE_READ(exe, f_path.dentry, d_name.name));
	if (e->target_pid == e->hdr.pid)
		e->relation = PR_SIG_SELF;
	else if ((ttr = tracked_task(target)) && ttr->session_key == tr->session_key)
		e->relation = PR_SIG_SESSION;
	else
		e->relation = PR_SIG_OUTSIDE;
}

/* One signal syscall @a (native numbering; a->abi marks an ia32 call) that
 * returned ret. */
static __always_inline int signal_args(struct pr_tracked *tr, const struct pr_sysargs *a, long ret)
{
	struct task_struct *t, *target = NULL;
	struct pr_signal *e;
	__u32 nr = a->nr;
	__u64 n;
	s32 who, sig;
	bool thread = false;

	t = bpf_get_current_task_btf();
	who = (s32)a->a[0];
	sig = (s32)a->a[1];
	if (nr == PR_NR_tgkill || nr == PR_NR_rt_tgsigqueueinfo) {
		/* (tgid, tid, sig): the thread is the target */
		who = (s32)a->a[1];
		sig = (s32)a->a[2];
	}
	e = ev_reserve(sizeof(*e), PR_EV_PROC_SIGNAL, tr);
	if (!e)
		return 0;
	fill_hdr(&e->hdr, t, PR_EV_PROC_SIGNAL, sizeof(*e), tr);
	e->nr = nr | a->abi;
	e->sig = sig;
	e->target = who;
	e->target_pid = e->target_tid = 0;
	e->ret = ret;
	e->relation = PR_SIG_UNKNOWN;
	__builtin_memset(e->target_comm, 0, sizeof(e->target_comm));
	__builtin_memset(e->target_exe, 0, sizeof(e->target_exe));
	if (nr == PR_NR_pidfd_send_signal) {
		s32 host = pidfd_host_pid(t, who);
		if (host > 0)
			target = bpf_task_from_pid(host);
	} else {
		thread = nr == PR_NR_tkill || nr == PR_NR_tgkill || nr == PR_NR_rt_tgsigqueueinfo;
		target = task_from_vpid(t, who);
	}
	if (target) {
		describe_target(e, target, thread, tr);
		bpf_task_release(target);
	}
	n = agg_hit(e->hdr.pid, PR_AGG_SIGNAL, (__u16)sig, (__s32)ret, e->nr, (__u64)(__u32)who,
		    e->relation | (__u64)e->target_pid << 32, PR_AGG_ANY, PR_AGG_ANY);
	if (n > 1) {
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return 0;
	}
	e->count = 1;
	ev_submit(e);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_signal_exit, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = sec_tracked_syscall();
	struct pr_sysargs a;

	if (!tr)
		return 0;
	sysargs_native(regs, &a);
	return signal_args(tr, &a, ret);
}

/* The same calls through the ia32 ABI (int $0x80): the same arguments. */
SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_signal_ia32_exit, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = tracked_current();
	struct pr_sysargs a;

	if (!tr)
		return 0;
	sysargs_ia32(regs, &a);
	return signal_args(tr, &a, ret);
}

char LICENSE[] SEC("license") = "GPL";
