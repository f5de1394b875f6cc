/* syscalls.bpf.c: the one syscall entry/exit dispatcher. Every syscall runs
 * exactly one program here; it tail-calls by syscall number into the program
 * a hook family registered for it (user space fills the prog arrays from
 * include/proctor/syscalls.h). A syscall no family wants costs an empty-slot
 * tail call and nothing else. Untracked tasks are turned away here, by the
 * tracked-cgroup filter (lib/task.h), before any tail call; the full
 * tracked-cgroup check is still the first thing each tail program does. Tail
 * programs use SEC("tp_btf/sys_enter") or SEC("tp_btf/sys_exit") and are
 * never attached themselves. */
#include "dispatch/dispatch.h"

/* Every syscall of every task on the machine comes through here: an untracked
 * task must leave after the cheapest possible test. The cgroup id is read by
 * direct BTF loads (no helper call) and checked against the filter table (a
 * plain load); only a filter hit pays for tail calls and the hash lookup the
 * tail program then makes. */
static __always_inline bool current_maybe_tracked(void)
{
	return maybe_tracked_cgroup(task_cgroup_id(bpf_get_current_task_btf()));
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter_dispatch, struct pt_regs *regs, long id)
{
	if (!current_maybe_tracked())
		return 0;
	if (in_ia32_syscall()) {
		if ((__u64)id < PR_SYSCALL_SLOTS)
			bpf_tail_call(ctx, &sys_ia32_enter_tails, (__u32)id);
		bpf_tail_call(ctx, &sys_ia32_enter, 0);
		return 0;
	}
	if ((__u64)id < PR_SYSCALL_SLOTS)
		bpf_tail_call(ctx, &sys_enter_tails, (__u32)id);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_dispatch, struct pt_regs *regs, long ret)
{
	__u64 id;

	if (!current_maybe_tracked())
		return 0;
	id = PR_SYSCALL_NR_DIRECT(regs);
	if (in_ia32_syscall()) {
		if (id < PR_SYSCALL_SLOTS)
			bpf_tail_call(ctx, &sys_ia32_exit_tails, (__u32)id);
		return 0;
	}
	if (id < PR_SYSCALL_SLOTS)
		bpf_tail_call(ctx, &sys_exit_tails, (__u32)id);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
