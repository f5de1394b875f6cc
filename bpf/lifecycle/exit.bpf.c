/* exit.bpf.c: the one sched_process_exit program. When the last thread of a
 * process exits it flushes the file family's state (for untracked processes
 * too: their tables are dropped), then the security family's aggregation
 * summaries, then emits process.exit, in that order, so that nothing of the
 * process is recorded after its process.exit. */
#include "lib/emit.h"
#include "lifecycle/lifecycle.h"
#include "policy/temporal.h"

static __always_inline void proc_exit_record(struct task_struct *p, struct pr_tracked *tr)
{
	struct pr_exit *e = ev_reserve(sizeof(*e), PR_EV_PROC_EXIT, tr);

	if (!e)
		return;
	fill_hdr(&e->hdr, p, PR_EV_PROC_EXIT, sizeof(*e), tr);
	e->exit_code = BPF_CORE_READ(p, exit_code);
	e->_pad = 0;
	e->start_ns = BPF_CORE_READ(p, start_boottime);
	ev_submit(e);
}

/* group_dead: signal->live reached 0, this is the process's last thread. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *p, bool group_dead)
{
	struct pr_tracked *tr;

	if (!group_dead)
		return 0;
	tr = tracked_task(p);
	file_flush_exit(tr);
	if (!tr)
		return 0;
	sec_flush_exit(tr);
	policy_temporal_exit(tr, (__u32)BPF_CORE_READ(p, exit_code));
	proc_exit_record(p, tr);
	label_exit(BPF_CORE_READ(p, tgid));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
