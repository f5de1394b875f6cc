/* exec.bpf.c: the exec-kill hook (docs/POLICY.md "exec"). Called from the one
 * sched_process_exec program for a tracked process whose session has exec
 * rules. It decides on what the kernel resolved: the executable's path and
 * inode (bprm->file, and the script of a #!), and the argv the kernel just
 * copied onto the new image's stack (no user code has run in that mm yet,
 * so nothing can change it under the decision). A match of an enforced
 * block/kill rule sends SIGKILL from the exec context: the signal is taken
 * on the way back to user mode, before the new program's first
 * instruction. Every exec that matches is one record (PR_EV_POLICY_EXEC). */
#include "lib/path.h"
#include "lifecycle/lifecycle.h"
#include "policy/policy.h"
#include "policy/temporal.h"

#define EXE_OFF	 ((__u32)sizeof(struct pr_policy_exec))
#define ARGS_OFF 12288u /* past the record's two paths */
#define NAME_OFF 8320u	/* a #! script's name: past the two paths, below the args */
#define NAME_CAP 3968u

/* One path in scratch through the path DFA, and through argument 0's DFA
 * from each '/' (the basename). */
struct path_walk_ctx {
	__u32 off, len;
	__u32 path, base, base_start;
};

static long path_step(__u64 i, void *arg)
{
	struct path_walk_ctx *w = arg;
	struct pr_scratch *s = scratch_get();
	__u8 c;

	if (!s || i >= w->len)
		return 1;
	c = s->buf[(w->off + i) & SCRATCH_MASK];
	if (!c)
		return 1;
	w->path = dfa_next(w->path, c);
	w->base = c == '/' ? w->base_start : dfa_next(w->base, c);
	return 0;
}

/* Arguments in scratch: per argument j its DFA (argument 0 from each '/');
 * at its NUL, the rules that needed element j keep matching only if it did. */
struct argv_walk_ctx {
	__u64 session_key;
	__u64 ok;	  /* argv rules still matching */
	__u64 acc0_extra; /* element 0 matched through the executable */
	__u32 len, j, st, start0;
};

static long argv_step(__u64 i, void *arg)
{
	struct argv_walk_ctx *w = arg;
	struct pr_scratch *s = scratch_get();
	struct pr_exec_policy *pol;
	__u32 j = w->j;
	__u64 acc;
	__u8 c;

	if (!s || i >= w->len)
		return 1;
	c = s->buf[(ARGS_OFF + i) & SCRATCH_MASK];
	if (c) {
		w->st = j == 0 && c == '/' ? w->start0 : dfa_next(w->st, c);
		return 0;
	}
	pol = bpf_map_lookup_elem(&policy_exec, &w->session_key);
	if (!pol)
		return 1;
	acc = dfa_accept(w->st) | (j == 0 ? w->acc0_extra : 0);
	if (j < PR_POLICY_ARGV)
		w->ok &= ~pol->need[j] | acc;
	j++;
	w->j = j;
	w->st = j < PR_POLICY_ARGV ? pol->argv_start[j] : PR_DFA_NO_STATE;
	return w->ok ? 0 : 1;
}

/* Path of file f at scratch off through the DFAs; its length (NUL included)
 * is returned, truncation in *trunc. */
static __always_inline __u32 walk_file(struct pr_exec_policy *pol, __u64 f, __u32 off,
				       __u64 *path_acc, __u64 *base_acc, __u32 *trunc)
{
	struct path_walk_ctx w = {.off = off, .path = pol->path_start};
	int r = path_put_global((__u64) & ((struct file *)f)->f_path, off);

	if (r & 0x10000)
		*trunc = 1;
	w.len = r & 0x1fff;
	w.base_start = pol->argv_start[0];
	w.base = w.base_start;
	bpf_loop(PR_PATH_CAP, path_step, &w, 0);
	*path_acc = dfa_accept(w.path);
	*base_acc = dfa_accept(w.base);
	return w.len;
}

static __always_inline __u64 inode_bits(__u64 session_key, struct file *f)
{
	struct pr_inode_key k = {.session_key = session_key};
	__u64 *bits;

	k.ino = BPF_CORE_READ(f, f_inode, i_ino);
	k.dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
	bits = bpf_map_lookup_elem(&policy_exec_inode, &k);
	return bits ? *bits : 0;
}

/* Argument 0's DFA on the basename of the name a #! script was run by:
 * element 0 of an argv pattern also names the script ("*pytest*" matches
 * /usr/bin/pytest, whose image is python3). */
static __always_inline __u64 script_name_bits(struct pr_exec_policy *pol, struct pr_scratch *s,
					      __u64 name)
{
	struct path_walk_ctx w = {.off = NAME_OFF, .path = PR_DFA_NO_STATE};
	long n = bpf_probe_read_kernel_str(&s->buf[NAME_OFF], NAME_CAP, (const void *)name);

	if (n <= 0)
		return 0;
	w.len = n;
	w.base_start = pol->argv_start[0];
	w.base = w.base_start;
	bpf_loop(NAME_CAP, path_step, &w, 0);
	return dfa_accept(w.base);
}

/* The executable files: the allow_only bit when one is not allowed, the
 * path rules that match either. */
static __always_inline __u64 judge_files(struct pr_exec_policy *pol, __u64 key, __u64 exe,
					 __u64 script, struct pr_policy_exec *e, __u64 *acc0_extra,
					 __u32 *trunc)
{
	__u64 pacc = 0, bacc = 0, m = 0;
	__u32 n;

	n = walk_file(pol, exe, EXE_OFF, &pacc, &bacc, trunc);
	e->exe_len = n;
	m |= pacc & pol->path_rules;
	if (pol->allow_only && !(pacc & pol->allow_only))
		m |= pol->allow_only;
	*acc0_extra = bacc | (pacc & pol->argv_rules);
	m |= inode_bits(key, (struct file *)exe);
	if (script && script != exe) {
		n = walk_file(pol, script, EXE_OFF + (n & (PR_PATH_CAP - 1)), &pacc, &bacc, trunc);
		e->script_len = n;
		e->hdr.flags |= PR_POLICY_SCRIPT;
		m |= pacc & pol->path_rules;
		if (pol->allow_only && !(pacc & pol->allow_only))
			m |= pol->allow_only;
		*acc0_extra |= bacc | (pacc & pol->argv_rules);
		m |= inode_bits(key, (struct file *)script);
	}
	if (*trunc)
		m |= pol->path_rules | pol->allow_only; /* fail closed: cannot decide */
	return m;
}

/* The argv rules that match the new image's arguments. */
static __always_inline __u64 judge_argv(struct pr_exec_policy *pol, struct pr_scratch *s, __u64 key,
					__u64 acc0_extra, __u16 *flags, __u32 *args_size)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct argv_walk_ctx w = {.session_key = key, .ok = pol->argv_rules};
	__u64 start = BPF_CORE_READ(t, mm, arg_start), end = BPF_CORE_READ(t, mm, arg_end);
	__u64 len = end > start ? end - start : 0;
	__u32 argc;

	if (len > PR_POLICY_ARGS) {
		len = PR_POLICY_ARGS;
		*flags |= PR_POLICY_ARGS_TRUNC;
	}
	if (bpf_probe_read_user(&s->buf[ARGS_OFF], len & (PR_POLICY_ARGS - 1 + PR_POLICY_ARGS),
				(void *)start))
		return 0;
	*args_size = len;
	if (!w.ok)
		return 0;
	w.len = len;
	w.acc0_extra = acc0_extra;
	w.start0 = pol->argv_start[0];
	w.st = w.start0;
	bpf_loop(PR_POLICY_ARGS, argv_step, &w, 0);
	if (*flags & PR_POLICY_ARGS_TRUNC)
		return w.ok; /* fail closed: the rest could match */
	argc = w.j;
	if (argc > PR_POLICY_ARGV)
		return w.ok & pol->rest;
	return w.ok & ~pol->need[argc] & ~pol->exact[argc];
}

/* The label argv rules the current process's labels turn on. */
static __always_inline __u64 label_allowed(struct pr_exec_policy *pol, __u64 key)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, i;
	struct pr_label_proc *lp = bpf_map_lookup_elem(&label_procs, &tgid);
	__u64 on = 0;

	if (!lp || lp->session_key != key)
		return 0;
	for (i = 0; i < 16; i++)
		if (lp->labels & (1ULL << i))
			on |= pol->label_bits[i];
	return on;
}

__noinline int policy_exec_check(struct pr_tracked *tr, __u64 exe, __u64 script, __u64 script_name)
{
	struct pr_exec_policy *pol;
	struct pr_policy_exec *e;
	struct pr_scratch *s;
	__u64 key, matched, acc0 = 0;
	__u32 trunc = 0, size, args = 0;
	__u16 flags = 0;

	if (!tr || !exe)
		return 0;
	key = tr->session_key;
	pol = bpf_map_lookup_elem(&policy_exec, &key);
	if (!pol || !(s = scratch_get()))
		return 0;
	e = (void *)s->buf;
	e->hdr.flags = 0;
	e->exe_len = 0;
	e->script_len = 0;
	e->args_size = 0;
	matched = judge_files(pol, key, exe, script, e, &acc0, &trunc);
	if (script_name)
		acc0 |= script_name_bits(pol, s, script_name) & pol->argv_rules;
	flags = e->hdr.flags | (trunc ? PR_POLICY_PATH_TRUNC : 0);
	matched |= judge_argv(pol, s, key, acc0, &flags, &args);
	if (matched & pol->label_rules)
		matched &= ~pol->label_rules | label_allowed(pol, key);
	matched = policy_temporal_exec(key, matched, EXE_OFF, e->exe_len);
	if (!matched)
		return 0;
	if (matched & pol->kill) {
		bpf_send_signal(PR_SIGKILL);
		flags |= PR_POLICY_KILLED;
	}
	e->matched = matched;
	size = EXE_OFF + (e->exe_len & (PR_PATH_CAP - 1)) + (e->script_len & (PR_PATH_CAP - 1));
	args &= PR_POLICY_ARGS - 1 + PR_POLICY_ARGS;
	if (args > PR_POLICY_ARGS)
		args = PR_POLICY_ARGS;
	if (bpf_probe_read_kernel(&s->buf[size & SCRATCH_MASK], args, &s->buf[ARGS_OFF]))
		args = 0;
	e->args_size = args;
	size += args;
	fill_hdr(&e->hdr, bpf_get_current_task_btf(), PR_EV_POLICY_EXEC, size, tr);
	e->hdr.flags = flags;
	ev_output(s, size, PR_EV_POLICY_EXEC, tr);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
