/* emit.h: putting records on the ring buffer: the scratch area, header
 * filling, reserve/submit of fixed-size records, output of records built in
 * scratch, batched wake-ups and per-type / per-session drop counting. */
#ifndef PROCTOR_BPF_EMIT_H
#define PROCTOR_BPF_EMIT_H

#include "lib/task.h"

#define SCRATCH_MASK (PR_SCRATCH_SIZE - 1)

static __always_inline struct pr_scratch *scratch_get(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&scratch, &zero);
}

/* Mask an offset into the scratch buffer so that the verifier sees the
 * bound (the barrier keeps the compiler from dropping a "redundant" mask). */
static __always_inline __u32 soff(__u32 off)
{
	asm volatile("" : "+r"(off));
	return off & SCRATCH_MASK;
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

/* The information-flow labels of process tgid (0: none). */
static __always_inline __u16 proc_labels(__u32 tgid)
{
	struct pr_label_proc *lp = bpf_map_lookup_elem(&label_procs, &tgid);

	return lp ? lp->labels : 0;
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
	h->labels = proc_labels(h->pid);
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

/* Copy a whole record that is not in scratch (a flow map value). */
static __always_inline int ev_copy(const void *rec, __u32 size, __u16 type, __u64 session_key)
{
	if (bpf_ringbuf_output(&events, (void *)rec, size, wakeup_flags())) {
		count_drop(type, session_key);
		return -1;
	}
	return 0;
}

/* Copy a record assembled in scratch. The size is clamped in a form the
 * verifier can see (the compiler may otherwise pass the unclamped register
 * to bpf_ringbuf_output). */
static __always_inline int ev_output(struct pr_scratch *s, __u32 size, __u16 type,
				     const struct pr_tracked *tr)
{
	__u64 sz = size;

	if (sz > PR_SCRATCH_SIZE)
		sz = PR_SCRATCH_SIZE;
	asm volatile("" : "+r"(sz));
	if (sz > PR_SCRATCH_SIZE)
		return -1;
	return ev_copy(s->buf, sz, type, tr->session_key);
}

#endif /* PROCTOR_BPF_EMIT_H */
