/* priv.bpf.c: security.privilege: set*id / setgroups / capset (a sys_enter
 * snapshot of the thread's credentials, compared at sys_exit) and credential
 * changes at exec (snapshot at execve/execveat entry, compared when the exec
 * lifecycle program calls sec_priv_exec: setuid/setgid binaries, file
 * capabilities), and prctl's ambient capabilities, securebits, keepcaps and
 * no_new_privs (snapshot at entry filtered on the option, compared at exit).
 * execve entry also remembers the memfd being executed (for
 * security/memexec.bpf.c). Semantics: docs/EVENTS-security.md. */
#include "security/security.h"
#include "dispatch/dispatch.h"
#include "lifecycle/lifecycle.h"

/* The thread's credentials and its no_new_privs (a task flag, not in cred). */
static __always_inline void thread_snapshot(struct task_struct *t, struct pr_cred_snap *s)
{
	cred_snapshot(task_cred(t), s);
	if (t->atomic_flags & PR_PFA_NO_NEW_PRIVS)
		s->secbits |= PR_CRED_NNP;
}

static __always_inline int stash_snapshot(void)
{
	struct pr_cred_snap snap;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	thread_snapshot(bpf_get_current_task_btf(), &snap);
	bpf_map_update_elem(&sec_cred_stash, &tid, &snap, BPF_ANY);
	return 0;
}

/* Entry of every privilege syscall: remember this thread's credentials
 * (execve/execveat have their own entry program below). */
SEC("tp_btf/sys_enter")
int BPF_PROG(tail_sec_cred_enter, struct pt_regs *regs, long id)
{
	if (!sec_tracked_syscall())
		return 0;
	return stash_snapshot();
}

/* The privilege operation of a prctl option, 0 for every other option
 * (PR_CAP_AMBIENT_IS_SET is a query). */
static __always_inline __u16 prctl_priv_op(__u64 option, __u64 arg2)
{
	switch (option) {
	case PR_PR_CAP_AMBIENT: return arg2 >= 2 && arg2 <= 4 ? PR_PRIV_CAP_AMBIENT : 0;
	case PR_PR_SET_SECUREBITS: return PR_PRIV_SECUREBITS;
	case PR_PR_SET_KEEPCAPS: return PR_PRIV_KEEPCAPS;
	case PR_PR_SET_NO_NEW_PRIVS: return PR_PRIV_NO_NEW_PRIVS;
	}
	return 0;
}

/* prctl entry: only the privilege options snapshot (the option is a direct
 * load; PR_SET_NAME and the like leave at once). */
SEC("tp_btf/sys_enter")
int BPF_PROG(tail_sec_prctl_enter, struct pt_regs *regs, long id)
{
	if (!prctl_priv_op(PR_ARG1_DIRECT(regs), PR_ARG2_DIRECT(regs)) || !sec_tracked_syscall())
		return 0;
	return stash_snapshot();
}

/* "/proc/self/fd/N", "/dev/fd/N" or "/proc/<own pid>/fd/N" -> N, else -1. */
static __always_inline long fd_from_path(const char *p, __u32 tgid)
{
	char b[32] = {};
	long fd = 0;
	int i = 0, digits = 0;
	__u32 pid = 0;

	if (bpf_probe_read_user_str(b, sizeof(b), p) <= 0)
		return -1;
	if (b[0] == '/' && b[1] == 'd' && b[2] == 'e' && b[3] == 'v' && b[4] == '/' &&
	    b[5] == 'f' && b[6] == 'd' && b[7] == '/') {
		i = 8;
	} else if (b[0] == '/' && b[1] == 'p' && b[2] == 'r' && b[3] == 'o' && b[4] == 'c' &&
		   b[5] == '/') {
		if (b[6] == 's' && b[7] == 'e' && b[8] == 'l' && b[9] == 'f' && b[10] == '/') {
			i = 11;
		} else {
			for (i = 6; i < 16 && b[i] >= '0' && b[i] <= '9'; i++)
				pid = pid * 10 + (b[i] - '0');
			if (pid != tgid || b[i & 31] != '/')
				return -1;
			i++;
		}
		if (b[i & 31] != 'f' || b[(i + 1) & 31] != 'd' || b[(i + 2) & 31] != '/')
			return -1;
		i += 3;
	} else {
		return -1;
	}
	for (; i < 31 && b[i & 31] >= '0' && b[i & 31] <= '9'; i++, digits++)
		fd = fd * 10 + (b[i & 31] - '0');
	if (!digits || b[i & 31])
		return -1;
	return fd;
}

/* Entry of execve/execveat: snapshot the credentials and, when the target is
 * a memfd (execveat(fd, "", AT_EMPTY_PATH) or a /proc/self/fd/N path),
 * remember its name. */
static __always_inline int exec_enter(struct pt_regs *regs, bool at)
{
	struct pr_tracked *tr = sec_tracked_syscall();
	struct task_struct *t;
	struct pr_cred_snap snap;
	struct memfd_name mn = {};
	struct file *f;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	const char *path;
	long fd;
	char c = 1;

	if (!tr)
		return 0;
	t = bpf_get_current_task_btf();
	cred_snapshot(task_cred(t), &snap);
	bpf_map_update_elem(&sec_cred_stash, &tid, &snap, BPF_ANY);

	if (at) {
		path = (const char *)PR_ARG2(regs);
		if ((PR_ARG5(regs) & PR_AT_EMPTY_PATH) && !bpf_probe_read_user(&c, 1, path) &&
		    c == 0)
			fd = (long)(int)PR_ARG1(regs);
		else
			fd = fd_from_path(path, pid_tgid >> 32);
	} else {
		fd = fd_from_path((const char *)PR_ARG1(regs), pid_tgid >> 32);
	}
	if (fd < 0)
		return 0;
	f = fd_file(t, fd);
	if (!f || !file_is_memfd(f))
		return 0;
	bpf_probe_read_kernel_str(mn.name, sizeof(mn.name),
				  BPF_CORE_READ(f, f_path.dentry, d_name.name));
	bpf_map_update_elem(&sec_exec_memfd, &tid, &mn, BPF_ANY);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(tail_sec_execve_enter, struct pt_regs *regs, long id)
{
	return exec_enter(regs, false);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(tail_sec_execveat_enter, struct pt_regs *regs, long id)
{
	return exec_enter(regs, true);
}

static __always_inline int priv_exit(struct pt_regs *regs, long ret, __u16 op)
{
	struct pr_tracked *tr = sec_tracked_syscall();
	struct task_struct *t;
	struct pr_cred_snap *old;
	struct pr_sec_priv *e;
	__u32 tid, d[6] = {};

	if (!tr)
		return 0;
	tid = (__u32)bpf_get_current_pid_tgid();
	old = bpf_map_lookup_elem(&sec_cred_stash, &tid);
	e = ev_reserve(sizeof(*e), PR_EV_SEC_PRIV, tr);
	if (!e)
		goto out;
	t = bpf_get_current_task_btf();
	fill_hdr(&e->hdr, t, PR_EV_SEC_PRIV, sizeof(*e), tr);
	e->op = op;
	e->_pad = 0;
	e->ret = ret;
	e->args[0] = PR_ARG1(regs);
	e->args[1] = PR_ARG2(regs);
	e->args[2] = PR_ARG3(regs);
	if (op == PR_PRIV_CAPSET) {
		/* two struct __user_cap_data_struct {effective, permitted, inheritable} */
		bpf_probe_read_user(d, sizeof(d), (void *)e->args[1]);
		e->args[0] = d[0] | (__u64)d[3] << 32;
		e->args[1] = d[1] | (__u64)d[4] << 32;
		e->args[2] = d[2] | (__u64)d[5] << 32;
	}
	thread_snapshot(t, &e->to);
	if (old) {
		__builtin_memcpy(&e->from, old, sizeof(e->from));
	} else {
		__builtin_memcpy(&e->from, &e->to, sizeof(e->from));
		e->hdr.flags |= PR_SEC_NO_SNAPSHOT;
	}
	if (e->from.ngroups > PR_SEC_GROUPS_CAP || e->to.ngroups > PR_SEC_GROUPS_CAP)
		e->hdr.flags |= PR_SEC_GROUPS_TRUNC;
	ev_submit(e);
out:
	if (old)
		bpf_map_delete_elem(&sec_cred_stash, &tid);
	return 0;
}

#define PRIV_PROG(name, op)                                                                        \
	SEC("tp_btf/sys_exit")                                                                     \
	int BPF_PROG(tail_sec_##name##_exit, struct pt_regs *regs, long ret)                       \
	{                                                                                          \
		return priv_exit(regs, ret, op);                                                   \
	}

PRIV_PROG(setuid, PR_PRIV_SETUID)
PRIV_PROG(setgid, PR_PRIV_SETGID)
PRIV_PROG(setreuid, PR_PRIV_SETREUID)
PRIV_PROG(setregid, PR_PRIV_SETREGID)
PRIV_PROG(setresuid, PR_PRIV_SETRESUID)
PRIV_PROG(setresgid, PR_PRIV_SETRESGID)
PRIV_PROG(setfsuid, PR_PRIV_SETFSUID)
PRIV_PROG(setfsgid, PR_PRIV_SETFSGID)
PRIV_PROG(setgroups, PR_PRIV_SETGROUPS)
PRIV_PROG(capset, PR_PRIV_CAPSET)

/* The privilege prctls; prctl(PR_SET_SECCOMP) is an escape
 * (security/escape.bpf.c), chained to from here. */
SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_prctl_priv_exit, struct pt_regs *regs, long ret)
{
	__u16 op = prctl_priv_op(PR_ARG1_DIRECT(regs), PR_ARG2_DIRECT(regs));

	if (op)
		return priv_exit(regs, ret, op);
	if (PR_ARG1_DIRECT(regs) == PR_PR_SET_SECCOMP)
		PR_CHAIN_EXIT(ctx, regs);
	return 0;
}

#define EXEC_FAIL_ARGS 64 /* argv entries read from a failed exec's caller */

/* The argv pointer at entry (user memory) of the caller's argv: 64 bits, or
 * 32 for an ia32 caller (compat). NULL when unreadable or at the end. */
static __always_inline const char *user_argv_at(__u64 entry, __u32 compat)
{
	const char *a = NULL;
	__u32 a32 = 0;

	if (compat) {
		if (bpf_probe_read_user(&a32, sizeof(a32), (void *)entry))
			return NULL;
		return (const char *)(__u64)a32;
	}
	if (bpf_probe_read_user(&a, sizeof(a), (void *)entry))
		return NULL;
	return a;
}

/* One argument of a failed exec (the argv entry at entry, compat: 32-bit
 * pointers) into scratch at off, used bytes of argv so far: the bytes
 * written, 0 at the end of argv (or unreadable), -1 when the argv cap is
 * reached. A global function: verified once, not once per argument. */
__noinline int exec_fail_arg(struct pr_scratch *s, __u64 entry, __u32 compat, __u32 off, __u32 used)
{
	const char *a;
	__u64 room;
	long n;

	if (!s || !(a = user_argv_at(entry, compat)))
		return 0;
	if (used >= PR_ARGV_CAP)
		return -1;
	room = PR_ARGV_CAP - (__u64)used;
	asm volatile("" : "+r"(room));
	if (room == 0 || room > PR_ARGV_CAP)
		return -1;
	n = bpf_probe_read_user_str(&s->buf[soff(off)], room, a);
	return n > 0 ? n : 0;
}

/* bpf_loop state of the argv copy of a failed exec. */
struct fail_args {
	__u64 argv;
	__u32 compat;	  /* ia32 caller: 32-bit argv pointers */
	__u32 start, off; /* argv begins at start in scratch; off: next byte */
	__u32 n, trunc;	  /* arguments copied; 1: the cap was reached */
};

static long exec_fail_arg_cb(__u64 i, void *data)
{
	struct fail_args *c = data;
	__u32 used = c->off - c->start;
	int k;

	if (used > PR_ARGV_CAP)
		return 1;
	k = exec_fail_arg(scratch_get(), c->argv + i * (c->compat ? 4 : 8), c->compat, c->off,
			  used);
	if (k <= 0) {
		c->trunc = k < 0;
		return 1;
	}
	c->off += k & (PR_ARGV_CAP * 2 - 1);
	c->n++;
	return 0;
}

#define EXEC_SEARCH_NAME 64 /* argv[0] bytes compared by path_search_miss */

/* A shell's or execvp's $PATH walk: execve("DIR/NAME", ["NAME", ...])
 * failing with ENOENT/ENOTDIR, once per directory before every ordinary
 * command. Not recorded (docs/EVENTS.md): it would multiply the exec
 * records of a session by the length of $PATH. plen: strlen(path). */
static __always_inline bool path_search_miss(long ret, const char *path, long plen, __u64 argv,
					     __u32 compat)
{
	char name[EXEC_SEARCH_NAME], tail[EXEC_SEARCH_NAME + 1];
	const char *a0;
	__u64 sz;
	long m;
	int i;

	if (ret != -PR_ENOENT && ret != -PR_ENOTDIR)
		return false;
	if (!(a0 = user_argv_at(argv, compat)))
		return false;
	m = bpf_probe_read_user_str(name, sizeof(name), a0);
	if (m <= 1 || m >= EXEC_SEARCH_NAME || plen < m)
		return false;
	/* tail = "/NAME\0" at the end of path */
	sz = m + 1;
	asm volatile("" : "+r"(sz));
	if (sz < 2 || sz > sizeof(tail) || bpf_probe_read_user(tail, sz, path + plen - m))
		return false;
	if (tail[0] != '/')
		return false;
	for (i = 0; i < EXEC_SEARCH_NAME - 1; i++) {
		if (name[i] == 0)
			return tail[i + 1] == 0;
		if (name[i] == '/' || name[i] != tail[i + 1])
			return false;
	}
	return false;
}

/* process.exec with PR_EXEC_FAILED: the exec returned an error, so the
 * caller's memory still holds the path and argv as passed. a: the call as
 * the native ABI passes it (an ia32 one translated: PR_EXEC_IA32). */
static __always_inline void exec_failed(const struct pr_sysargs *a, long ret, struct pr_tracked *tr)
{
	bool at = a->nr == PR_NR_execveat;
	const char *path = (const char *)(at ? a->a[1] : a->a[0]);
	__u64 argv = at ? a->a[2] : a->a[1];
	struct pr_scratch *s = scratch_get();
	struct pr_exec *e;
	__u32 off, start, trunc = 0, i;
	__u16 flags = PR_EXEC_FAILED | (a->abi ? PR_EXEC_IA32 : 0);
	struct fail_args ac;
	long n;

	if (!s)
		return;
	e = (void *)s->buf;
	off = sizeof(*e);
	n = bpf_probe_read_user_str(&s->buf[off], PR_PATH_CAP, path);
	if (n <= 0) {
		s->buf[off] = 0;
		n = 1;
	}
	if (n == PR_PATH_CAP)
		flags |= PR_EXEC_EXE_TRUNC;
	else if (path_search_miss(ret, path, n - 1, argv, a->abi))
		return;
	e->exe_len = n;
	off += n & (PR_PATH_CAP * 2 - 1);
	e->cwd_len = 0;
	start = off;
	ac.argv = argv;
	ac.compat = a->abi != 0;
	ac.start = ac.off = start;
	ac.n = ac.trunc = 0;
	bpf_loop(EXEC_FAIL_ARGS, exec_fail_arg_cb, &ac, 0);
	if (ac.off < start || ac.off - start > PR_ARGV_CAP)
		return;
	off = ac.off;
	i = ac.n;
	trunc = ac.trunc;
	if (i == EXEC_FAIL_ARGS || trunc)
		flags |= PR_EXEC_ARGS_TRUNC;
	e->args_size = off - start;
	e->args_total = off - start;
	e->old_tid = (__u32)bpf_get_current_pid_tgid();
	e->ruid = bpf_get_current_task_btf()->cred->uid.val;
	e->err = (__s32)ret;
	fill_hdr(&e->hdr, bpf_get_current_task_btf(), PR_EV_PROC_EXEC, off, tr);
	e->hdr.flags = flags;
	ev_output(s, off, PR_EV_PROC_EXEC, tr);
}

/* execve/execveat returned: a failed exec is recorded, and leaves its
 * snapshot behind. */
static __always_inline int exec_exit(struct pr_tracked *tr, const struct pr_sysargs *a, long ret)
{
	__u32 tid;

	if (ret < 0)
		exec_failed(a, ret, tr);
	tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_delete_elem(&sec_cred_stash, &tid);
	bpf_map_delete_elem(&sec_exec_memfd, &tid);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_exec_exit, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = sec_tracked_syscall();
	struct pr_sysargs a;

	if (!tr)
		return 0;
	sysargs_native(regs, &a);
	return exec_exit(tr, &a, ret);
}

/* The same through the ia32 ABI (execve 11, execveat 358): a failed one is
 * recorded with its 32-bit argv. No snapshot was taken at entry (ia32
 * entries all go to tail_sec_ia32_enter). */
SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_exec_ia32_exit, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = tracked_current();
	struct pr_sysargs a;

	if (!tr)
		return 0;
	sysargs_ia32(regs, &a);
	return exec_exit(tr, &a, ret);
}

/* Privilege gained at exec: euid or egid changed, or permitted capabilities
 * grew (file capabilities, setuid-root, root regaining dropped caps). */
static __always_inline void exec_creds(struct task_struct *p, struct pr_tracked *tr,
				       const struct pr_cred_snap *old)
{
	struct pr_cred_snap now;
	struct pr_sec_priv *e;

	cred_snapshot(task_cred(p), &now);
	if (now.euid == old->euid && now.egid == old->egid && !(now.cap_prm & ~old->cap_prm))
		return;
	e = ev_reserve(sizeof(*e), PR_EV_SEC_PRIV, tr);
	if (!e)
		return;
	fill_hdr(&e->hdr, p, PR_EV_SEC_PRIV, sizeof(*e), tr);
	e->op = PR_PRIV_EXEC;
	e->_pad = 0;
	e->ret = 0;
	e->args[0] = e->args[1] = e->args[2] = 0;
	__builtin_memcpy(&e->from, old, sizeof(e->from));
	__builtin_memcpy(&e->to, &now, sizeof(e->to));
	if (old->ngroups > PR_SEC_GROUPS_CAP || now.ngroups > PR_SEC_GROUPS_CAP)
		e->hdr.flags |= PR_SEC_GROUPS_TRUNC;
	ev_submit(e);
}

/* The exec lifecycle program's security.privilege part: compare with the
 * snapshot taken at execve entry by the thread that exec'd (old_tid). */
__noinline int sec_priv_exec(struct pr_tracked *tr, __u32 old_tid)
{
	struct pr_cred_snap *old;

	if (!tr)
		return 0;
	old = bpf_map_lookup_elem(&sec_cred_stash, &old_tid);
	if (old) {
		exec_creds(bpf_get_current_task_btf(), tr, old);
		bpf_map_delete_elem(&sec_cred_stash, &old_tid);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
