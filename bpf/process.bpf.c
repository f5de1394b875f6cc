/* process.bpf.c: the process family: exec, fork/clone (threads told apart),
 * exit, and cgroup creation under a tracked cgroup (so that descendants stay
 * tracked). BTF tracepoints only: no tracefs, no kprobes. */
#include "common.bpf.h"

#if defined(__TARGET_ARCH_x86)
#define NR_CLONE 56
#elif defined(__TARGET_ARCH_arm64)
#define NR_CLONE 220
#endif
#define NR_CLONE3 435

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct pr_tracked *tr = tracked_task(p);
	struct pr_scratch *s;
	struct pr_exec *e;
	struct file *file;
	struct fs_struct *fs;
	struct mm_struct *mm;
	__u32 off, trunc = 0, flags = 0;
	__u64 start, end, len;
	int n;

	if (!tr)
		return 0;
	s = scratch_get();
	if (!s)
		return 0;
	e = (void *)s->buf;
	off = sizeof(*e);

	file = BPF_CORE_READ(bprm, file);
	n = read_path(s, off, &file->f_path, &trunc);
	if (trunc)
		flags |= PR_EXEC_EXE_TRUNC;
	e->exe_len = n;
	off += n;

	trunc = 0;
	fs = BPF_CORE_READ(p, fs);
	n = read_path(s, off, &fs->pwd, &trunc);
	if (trunc)
		flags |= PR_EXEC_CWD_TRUNC;
	e->cwd_len = n;
	off += n;

	mm = BPF_CORE_READ(p, mm);
	start = BPF_CORE_READ(mm, arg_start);
	end = BPF_CORE_READ(mm, arg_end);
	len = end > start ? end - start : 0;
	e->args_total = len;
	if (len > PR_ARGV_CAP) {
		len = PR_ARGV_CAP;
		flags |= PR_EXEC_ARGS_TRUNC;
	}
	off &= SCRATCH_MASK;
	if (bpf_probe_read_user(&s->buf[off], len, (void *)start))
		len = 0;
	e->args_size = len;
	off += len;

	e->old_tid = old_pid;
	e->ruid = BPF_CORE_READ(p, cred, uid.val);
	e->_pad = 0;
	fill_hdr(&e->hdr, p, PR_EV_PROC_EXEC, off, tr);
	e->hdr.flags = flags;
	ev_output(s, off, PR_EV_PROC_EXEC, tr);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	struct pr_tracked *tr = tracked_task(child);
	struct pr_fork *e;
	struct pt_regs *regs;
	__u64 nr;

	if (!tr)
		return 0;
	e = ev_reserve(sizeof(*e), PR_EV_PROC_FORK, tr);
	if (!e)
		return 0;
	fill_hdr(&e->hdr, child, PR_EV_PROC_FORK, sizeof(*e), tr);
	if (e->hdr.pid != e->hdr.tid)
		e->hdr.flags |= PR_FORK_THREAD;
	if (BPF_CORE_READ(child, vfork_done))
		e->hdr.flags |= PR_FORK_VFORK;
	e->parent_tid = BPF_CORE_READ(parent, pid);
	e->clone_flags = 0;
	e->syscall_nr = (__u32)-1;
	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	if (regs) {
		nr = PR_SYSCALL_NR(regs);
		e->syscall_nr = nr;
		if (nr == NR_CLONE)
			e->clone_flags = PR_ARG1(regs);
		else if (nr == NR_CLONE3)
			bpf_probe_read_user(&e->clone_flags, sizeof(__u64), (void *)PR_ARG1(regs));
	}
	ev_submit(e);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *p)
{
	struct pr_tracked *tr = tracked_task(p);
	struct pr_exit *e;

	if (!tr)
		return 0;
	/* signal->live is decremented before this tracepoint: 0 = last thread. */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	e = ev_reserve(sizeof(*e), PR_EV_PROC_EXIT, tr);
	if (!e)
		return 0;
	fill_hdr(&e->hdr, p, PR_EV_PROC_EXIT, sizeof(*e), tr);
	e->exit_code = BPF_CORE_READ(p, exit_code);
	e->_pad = 0;
	e->start_ns = BPF_CORE_READ(p, start_boottime);
	ev_submit(e);
	return 0;
}

/* A cgroup made under a tracked one (an agent or container runtime nesting)
 * joins the same session. Only the v2 hierarchy (hierarchy_id 0) counts. */
SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(handle_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	struct cgroup_subsys_state *pcss;
	struct pr_tracked *ptr, child;
	struct pr_cgroup_add *e;
	struct cgroup *pcg;
	__u64 pid, id;

	if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0)
		return 0;
	pcss = BPF_CORE_READ(cgrp, self.parent);
	if (!pcss)
		return 0;
	pcg = container_of(pcss, struct cgroup, self);
	pid = BPF_CORE_READ(pcg, kn, id);
	ptr = bpf_map_lookup_elem(&tracked_cgroups, &pid);
	if (!ptr)
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	child.session_key = ptr->session_key;
	child.depth = ptr->depth + 1;
	child.flags = ptr->flags;
	pr_track_filter[track_filter_slot(id)] = 1; /* before the id becomes tracked */
	bpf_map_update_elem(&tracked_cgroups, &id, &child, BPF_ANY);

	e = ev_reserve(sizeof(*e), PR_EV_CGROUP_ADD, ptr);
	if (!e)
		return 0;
	fill_hdr(&e->hdr, bpf_get_current_task_btf(), PR_EV_CGROUP_ADD, sizeof(*e), ptr);
	e->new_cgroup_id = id;
	e->parent_cgroup_id = pid;
	ev_submit(e);
	return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(handle_cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	__u64 id;

	if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0)
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	bpf_map_delete_elem(&tracked_cgroups, &id);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
