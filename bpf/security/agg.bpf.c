/* agg.bpf.c: the security family's per-process aggregation of repetitive
 * events (JIT mprotect, ptrace peeks, bpf map operations): slot counting,
 * and the summaries emitted at exit_group() entry and, from the exit
 * lifecycle program, at process exit. */
#include "security/security.h"
#include "lifecycle/lifecycle.h"

static const struct pr_agg sec_agg_zero;

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

/* ---- aggregation summaries at process exit ----------------------------- */

struct flush_ctx {
	__u64 task;
	__u64 session_key;
	__u32 tgid;
};

/* The summary of a signal slot (security/signal.bpf.c): the key holds the
 * target and relation; the target's names were in the first record. */
static __always_inline void signal_summary(struct task_struct *t, struct pr_tracked *tr,
					   const struct pr_agg_slot *sl)
{
	struct pr_signal *e = ev_reserve(sizeof(*e), PR_EV_PROC_SIGNAL, tr);

	if (!e)
		return;
	fill_hdr(&e->hdr, t, PR_EV_PROC_SIGNAL, sizeof(*e), tr);
	e->hdr.flags = PR_SEC_SUMMARY;
	e->nr = sl->nr;
	e->sig = (__s16)sl->op;
	e->ret = sl->err;
	e->count = sl->count;
	e->target_tid = 0;
	if (sl->a0 == PR_AGG_ANY) {
		e->hdr.flags |= PR_SIG_OTHER_TARGETS;
		e->target = 0;
		e->target_pid = 0;
		e->relation = PR_SIG_UNKNOWN;
	} else {
		e->target = (__s32)sl->a0;
		e->target_pid = sl->a1 >> 32;
		e->relation = (__u32)sl->a1;
	}
	__builtin_memset(e->target_comm, 0, sizeof(e->target_comm));
	__builtin_memset(e->target_exe, 0, sizeof(e->target_exe));
	ev_submit(e);
}

static long flush_slot(__u64 i, void *data)
{
	struct flush_ctx *c = data;
	struct task_struct *t = (struct task_struct *)c->task;
	struct pr_tracked tr = {.session_key = c->session_key};
	struct pr_agg_slot *sl;
	struct pr_sec_escape *e;
	struct pr_agg *a;

	a = bpf_map_lookup_elem(&sec_agg, &c->tgid);
	if (!a)
		return 1;
	sl = &a->slot[i & (PR_SEC_AGG_SLOTS - 1)];
	if (sl->kind == PR_AGG_NONE)
		return 1; /* slots fill in order */
	if (sl->count < 2)
		return 0;
	if (sl->kind == PR_AGG_MEMEXEC) {
		mem_emit(t, &tr, sl->op, sl->a0 & 0xffff, (sl->a0 >> 16) & 0xffff, 0, sl->err, 0, 0,
			 sl->count, NULL, PR_SEC_SUMMARY);
		return 0;
	}
	if (sl->kind == PR_AGG_SIGNAL) {
		signal_summary(t, &tr, sl);
		return 0;
	}
	e = ev_reserve(sizeof(*e), PR_EV_SEC_ESCAPE, &tr);
	if (!e)
		return 0;
	fill_hdr(&e->hdr, t, PR_EV_SEC_ESCAPE, sizeof(*e), &tr);
	e->hdr.flags = PR_SEC_SUMMARY;
	e->nr = sl->nr;
	e->aux_arg = 0;
	e->_pad = e->_pad2 = 0;
	e->ret = sl->err;
	e->args[0] = sl->a0;
	e->args[1] = sl->a1;
	e->args[2] = e->args[3] = e->args[4] = e->args[5] = 0;
	e->aux[0] = e->aux[1] = 0;
	e->count = sl->count;
	e->str_len[0] = e->str_len[1] = e->str_len[2] = 0;
	ev_submit(e);
	return 0;
}

/* Emit the summaries of process @p and forget its slots. */
static __always_inline void agg_flush(struct task_struct *p, __u64 session_key)
{
	struct flush_ctx c;

	c.tgid = BPF_CORE_READ(p, tgid);
	if (!bpf_map_lookup_elem(&sec_agg, &c.tgid))
		return;
	c.task = (__u64)p;
	c.session_key = session_key;
	bpf_loop(PR_SEC_AGG_SLOTS, flush_slot, &c, 0);
	bpf_map_delete_elem(&sec_agg, &c.tgid);
}

/* exit_group(): the usual end of a process, flushed while it is whole (its
 * process.exit, which user space uses to forget the process, comes later). */
SEC("tp_btf/sys_enter")
int BPF_PROG(tail_sec_exit_group_enter, struct pt_regs *regs, long id)
{
	struct pr_tracked *tr = sec_tracked_syscall();

	if (tr)
		agg_flush(bpf_get_current_task_btf(), tr->session_key);
	return 0;
}

/* Fallback: killed by a signal, or the last thread called exit(). */
/* The exit lifecycle program's security part: killed by a signal, or the
 * last thread called exit() (exit_group() has flushed already). */
__noinline int sec_flush_exit(struct pr_tracked *tr)
{
	if (tr)
		agg_flush(bpf_get_current_task_btf(), tr->session_key);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
