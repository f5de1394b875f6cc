/* temporal.bpf.c: the kernel side of the temporal rules ("tests before
 * commit", docs/POLICY.md "rules: temporal"). Every transition of a rule's
 * satisfied bit happens here, in the context of the task that causes it,
 * so it is ordered with what user space and other processes can observe:
 *   - set at the exit (status 0) of a process whose image matched the
 *     succeeded pattern, in sched_process_exit, before exit_notify: the
 *     parent's wait() returns after the bit is set;
 *   - cleared by an open for writing (or any open, or an exec) whose
 *     resolved path matches after, before that syscall returns;
 *   - read by the exec-kill hook at the exec of a denied command.
 * No transition waits for user space, so no commit can slip between a test
 * run's exit and proctor reading its record. */
#include "lib/path.h"
#include "policy/policy.h"
#include "policy/temporal.h"

#define OPEN_WALK_OFF 8192u /* scratch above the open record's header */

struct after_walk {
	__u32 off, len, st;
};

static long after_step(__u64 i, void *arg)
{
	struct after_walk *w = arg;
	struct pr_scratch *s = scratch_get();
	__u8 c;

	if (!s || i >= w->len)
		return 1;
	c = s->buf[(w->off + i) & SCRATCH_MASK];
	if (!c)
		return 1;
	w->st = dfa_next(w->st, c);
	return w->st == PR_DFA_NO_STATE;
}

/* Clear the bits of kinds whose after glob accepts the path in scratch. */
static __always_inline void after_reset(struct pr_temporal_policy *tp, __u64 kinds, __u32 off,
					__u32 len)
{
	struct after_walk w = {.off = off, .len = len, .st = tp->after_start};
	__u64 hit;

	if (!(tp->satisfied & kinds))
		return;
	bpf_loop(PR_PATH_CAP, after_step, &w, 0);
	hit = dfa_accept(w.st) & kinds;
	if (hit)
		__sync_fetch_and_and(&tp->satisfied, ~hit);
}

static __always_inline __u64 satisfies_of(struct pr_temporal_policy *tp, __u64 watched)
{
	__u64 m = 0;
	int k;

	for (k = 0; k < PR_TEMPORAL_RULES; k++)
		if (watched & tp->watch_of[k])
			m |= tp->deny_of[k];
	return m;
}

__noinline __u64 policy_temporal_exec(__u64 session_key, __u64 matched, __u32 exe_off,
				      __u32 exe_len)
{
	struct pr_temporal_policy *tp = bpf_map_lookup_elem(&policy_temporal, &session_key);
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct pr_temporal_proc pr = {.session_key = session_key};

	if (!tp)
		return matched;
	/* an after {exec: {argv}} resets its rule first: a denied command that
	 * is also the reset is judged after it */
	if (matched & tp->after_argv) {
		int k;
		for (k = 0; k < PR_TEMPORAL_RULES; k++)
			if (matched & tp->after_argv_of[k])
				__sync_fetch_and_and(&tp->satisfied, ~tp->deny_of[k]);
		matched &= ~tp->after_argv;
	}
	/* this image decides what the process's exit satisfies */
	pr.satisfies = satisfies_of(tp, matched & tp->watch);
	if (pr.satisfies)
		bpf_map_update_elem(&policy_temporal_proc, &tgid, &pr, BPF_ANY);
	else
		bpf_map_delete_elem(&policy_temporal_proc, &tgid);
	matched &= ~tp->watch;
	matched &= ~(matched & tp->deny & tp->satisfied);
	if (exe_off < PR_SCRATCH_SIZE - PR_PATH_CAP)
		after_reset(tp, tp->after_exec, exe_off, exe_len);
	return matched;
}

#define ACCMODE 3 /* O_ACCMODE; O_RDONLY is 0 */

__noinline int policy_temporal_open(struct pr_tracked *tr, __u64 file, __u32 flags)
{
	struct pr_temporal_policy *tp;
	__u64 kinds;
	int r;

	if (!tr || !file)
		return 0;
	tp = bpf_map_lookup_elem(&policy_temporal, &tr->session_key);
	if (!tp)
		return 0;
	kinds = tp->after_open;
	if ((flags & ACCMODE) || (flags & (PR_O_CREAT | PR_O_TRUNC)))
		kinds |= tp->after_write;
	if (!(tp->satisfied & kinds))
		return 0; /* nothing to reset: no path walk */
	r = path_put_global((__u64) & ((struct file *)file)->f_path, OPEN_WALK_OFF);
	if (r & 0x10000) { /* too deep to decide: it may be under the tree */
		__sync_fetch_and_and(&tp->satisfied, ~kinds);
		return 0;
	}
	after_reset(tp, kinds, OPEN_WALK_OFF, r & 0x1fff);
	return 0;
}

__noinline int policy_temporal_exit(struct pr_tracked *tr, __u32 exit_code)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct pr_temporal_policy *tp;
	struct pr_temporal_proc *pr;
	__u64 key, bits;

	if (!tr)
		return 0;
	pr = bpf_map_lookup_elem(&policy_temporal_proc, &tgid);
	if (!pr)
		return 0;
	key = pr->session_key;
	bits = pr->satisfies;
	bpf_map_delete_elem(&policy_temporal_proc, &tgid);
	if (exit_code != 0 || key != tr->session_key)
		return 0;
	tp = bpf_map_lookup_elem(&policy_temporal, &key);
	if (tp)
		__sync_fetch_and_or(&tp->satisfied, bits);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
