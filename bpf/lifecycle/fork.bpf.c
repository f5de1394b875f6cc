/* fork.bpf.c: process.fork for every new task of a tracked process
 * (threads told apart), with the clone flags of the parent's syscall, and
 * the lineage: the child inherits its parent's session (lib/task.h), so it
 * stays in it wherever either of them moves. */
#include "lib/emit.h"
#include "policy/labels.h"
#include "proctor/syscalls.h"

/* The child's session: its parent's (lineage, else the parent's cgroup),
 * or, for an untracked parent that cloned it into a session cgroup
 * (CLONE_INTO_CGROUP), that cgroup's. Both get a lineage entry; a child
 * cloned into a cgroup outside the session gets its filter slot set. */
static __always_inline struct pr_tracked *fork_lineage(struct task_struct *parent,
						       struct task_struct *child)
{
	__u64 pcg = task_cgroup_id(parent), ccg = task_cgroup_id(child);
	struct pr_tracked *tr = tracked_task_in(parent, pcg);
	struct pr_lineage *l;

	if (tr) {
		if (!lineage_ensure(parent, tr, pcg))
			return tr;
	} else if (!(tr = tracked_task_in(child, ccg))) {
		return NULL;
	}
	if (ccg != pcg)
		pr_track_filter[track_filter_slot(ccg)] = 1;
	l = lineage_ensure(child, tr, ccg);
	return l ? &l->tr : tr;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	struct pr_tracked *tr = fork_lineage(parent, child);
	struct pr_fork *e;
	struct pt_regs *regs;
	__u64 nr;

	if (!tr)
		return 0;
	label_fork(BPF_CORE_READ(parent, tgid), BPF_CORE_READ(child, tgid));
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
		if (nr == PR_NR_clone)
			e->clone_flags = PR_ARG1(regs);
		else if (nr == PR_NR_clone3)
			bpf_probe_read_user(&e->clone_flags, sizeof(__u64), (void *)PR_ARG1(regs));
	}
	ev_submit(e);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
