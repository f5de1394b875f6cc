/* security.bpf.c: the security family.
 *  - security.privilege: set*id / setgroups / capset (a sys_enter snapshot of
 *    the thread's credentials, compared at sys_exit) and credential changes
 *    at exec (snapshot at execve/execveat entry, compared at
 *    sched_process_exec: setuid/setgid binaries, file capabilities).
 *  - security.memexec: mmap/mprotect/pkey_mprotect making memory executable
 *    when anonymous (or memfd/unlinked-file backed) or writable+executable,
 *    and exec of a memfd or an unlinked file; repeats aggregated per process
 *    (first occurrence + count at exit).
 *  - security.escape: namespace, seccomp, ptrace, module, mount, bpf,
 *    perf_event and io_uring attempts, one record per attempt with the result
 *    (ptrace peeks/pokes, process_vm_* and bpf map operations aggregated).
 * Syscall hooks are tail programs routed by src/sensor/hooks_security.c. */
#include "security.bpf.h"

#define PR_CLONE_NEWTIME  0x00000080ULL
#define PR_CLONE_NS_MASK  0xfe020000ULL /* NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET */
#define PR_PR_SET_SECCOMP 22

/* ---- security.privilege ------------------------------------------------ */

static __always_inline const struct cred *task_cred(struct task_struct *t)
{
	return t->cred; /* a BTF pointer: fields then read by direct loads */
}

/* Entry of every privilege syscall: remember this thread's credentials
 * (execve/execveat have their own entry program below). */
SEC("tp_btf/sys_enter")
int BPF_PROG(tail_sec_cred_enter, struct pt_regs *regs, long id)
{
	struct pr_tracked *tr = sec_tracked_syscall();
	struct pr_cred_snap snap;
	__u32 tid;

	if (!tr)
		return 0;
	cred_snapshot(task_cred(bpf_get_current_task_btf()), &snap);
	tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_update_elem(&sec_cred_stash, &tid, &snap, BPF_ANY);
	return 0;
}

/* ---- exec of a memfd by path ------------------------------------------ */

/* Name of the memfd an execve/execveat is about to run, per thread: found at
 * entry, reported at sched_process_exec when the exec succeeded. Needed when
 * the memfd holds a #! script: the kernel then runs the interpreter and the
 * memfd is no longer visible from the exec tracepoint. */
struct memfd_name {
	char name[64];
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct memfd_name);
} sec_exec_memfd SEC(".maps");

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
		if ((PR_ARG5(regs) & 0x1000 /* AT_EMPTY_PATH */) &&
		    !bpf_probe_read_user(&c, 1, path) && c == 0)
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
	cred_snapshot(task_cred(t), &e->to);
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

/* execve/execveat returned: a failed exec leaves its snapshot behind. */
SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_exec_exit, struct pt_regs *regs, long ret)
{
	__u32 tid;

	if (!sec_tracked_syscall())
		return 0;
	tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_delete_elem(&sec_cred_stash, &tid);
	bpf_map_delete_elem(&sec_exec_memfd, &tid);
	return 0;
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

/* ---- security.memexec -------------------------------------------------- */

/* Build and send a memexec record; f (may be NULL) is the backing file. */
static __always_inline void mem_emit(struct task_struct *t, struct pr_tracked *tr, __u16 op,
				     __u16 prot, __u32 mflags, __u32 map_flags, __s32 err,
				     __u64 addr, __u64 len, __u64 count, const char *name,
				     __u16 hflags)
{
	struct pr_scratch *s = scratch_get();
	struct pr_sec_memexec *e;
	__u32 size = sizeof(*e);
	long n = 0;

	if (!s)
		return;
	e = (void *)s->buf;
	/* The file's name (its last path component; a memfd's "memfd:NAME").
	 * The full path walk (read_path) does not verify inside these
	 * programs: its bpf_loop never converges against their states. */
	if (name) {
		n = bpf_probe_read_kernel_str(&s->buf[sizeof(*e)], PR_SEC_STR_CAP, name);
		if (n > 0)
			mflags |= PR_MEM_FILE;
		else
			n = 0;
		if (n == PR_SEC_STR_CAP)
			mflags |= PR_MEM_PATH_TRUNC;
		size += n & (2 * PR_SEC_STR_CAP - 1);
	}
	e->path_len = n;
	fill_hdr(&e->hdr, t, PR_EV_SEC_MEMEXEC, size, tr);
	e->hdr.flags = hflags;
	e->op = op;
	e->prot = prot;
	e->mem_flags = mflags;
	e->map_flags = map_flags;
	e->err = err;
	e->addr = addr;
	e->len = len;
	e->count = count;
	e->_pad = 0;
	ev_output(s, size, PR_EV_SEC_MEMEXEC, tr);
}

/* Aggregate, then emit the first occurrence of its kind. Anonymous memory
 * aggregates under one key; a named file W+X mapping per inode. */
static __always_inline void mem_report(struct task_struct *t, struct pr_tracked *tr, __u16 op,
				       __u16 prot, __u32 mflags, __u32 map_flags, long ret,
				       __u64 addr, __u64 len, struct file *f)
{
	__s32 err = ret < 0 && ret >= -4095 ? (__s32)ret : 0;
	__u64 a0 = prot | (__u64)(mflags & (PR_MEM_ANON | PR_MEM_MEMFD)) << 16;
	__u64 a1 = (mflags & PR_MEM_ANON) ? 0 : (__u64)BPF_CORE_READ(f, f_inode);
	__u64 count = agg_hit(t->tgid, PR_AGG_MEMEXEC, op, err, 0, a0, a1, a0, PR_AGG_ANY);

	if (count > 1)
		return;
	mem_emit(t, tr, op, prot, mflags, map_flags, err, addr, len, 1,
		 f ? (const char *)BPF_CORE_READ(f, f_path.dentry, d_name.name) : NULL, 0);
}

/* Classify a file-backed executable mapping: memfd or unlinked files count
 * as anonymous (code with no file on disk). */
static __always_inline __u32 file_mem_flags(struct file *f)
{
	if (!f || !file_unlinked(f))
		return 0;
	return PR_MEM_ANON | (file_is_memfd(f) ? PR_MEM_MEMFD : 0);
}

/* The protection that takes effect: under personality(READ_IMPLIES_EXEC)
 * readable memory is executable without PROT_EXEC being asked for. Returns 0
 * when the memory does not become executable. */
static __always_inline __u32 effective_prot(__u32 prot)
{
	if (prot & PR_PROT_EXEC)
		return prot;
	if (!(prot & PR_PROT_READ) ||
	    !(bpf_get_current_task_btf()->personality & PR_READ_IMPLIES_EXEC))
		return 0;
	return prot | PR_PROT_EXEC | PR_MEM_PROT_IMPLIED;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_mmap_exit, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = sec_tracked_syscall();
	struct task_struct *t;
	struct file *f = NULL;
	__u32 prot, flags, mflags;

	if (!tr)
		return 0;
	prot = effective_prot(SEC_ARG3(regs));
	if (!prot)
		return 0;
	flags = PR_ARG4(regs);
	t = bpf_get_current_task_btf();
	if (flags & PR_MAP_ANONYMOUS) {
		mflags = PR_MEM_ANON;
	} else {
		f = fd_file(t, (int)PR_ARG5(regs));
		mflags = file_mem_flags(f);
		if (!(mflags & PR_MEM_ANON) && !(prot & PR_PROT_WRITE))
			return 0; /* ordinary code loading */
	}
	mem_report(t, tr, PR_MEM_MMAP, prot, mflags, flags, ret,
		   ret >= 0 ? (__u64)ret : PR_ARG1(regs), PR_ARG2(regs), f);
	return 0;
}

struct vma_info {
	__u64 file;
	__u32 found;
};

static long vma_cb(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct vma_info *vi = data;

	vi->file = (__u64)BPF_CORE_READ(vma, vm_file);
	vi->found = 1;
	return 0;
}

static __always_inline int mprotect_exit(struct pt_regs *regs, long ret, __u16 op)
{
	struct pr_tracked *tr = sec_tracked_syscall();
	struct vma_info vi = {};
	struct task_struct *t;
	struct file *f;
	__u64 addr;
	__u32 prot, mflags;

	if (!tr)
		return 0;
	prot = effective_prot(SEC_ARG3(regs));
	if (!prot)
		return 0;
	t = bpf_get_current_task_btf();
	addr = PR_ARG1(regs);
	bpf_find_vma(t, addr, vma_cb, &vi, 0);
	f = (struct file *)vi.file;
	if (vi.found && !f)
		mflags = PR_MEM_ANON;
	else
		mflags = file_mem_flags(f);
	if (!(mflags & PR_MEM_ANON) && !(prot & PR_PROT_WRITE))
		return 0; /* e.g. a file mapping made executable again after relocation */
	mem_report(t, tr, op, prot, mflags, 0, ret, addr, PR_ARG2(regs), f);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_mprotect_exit, struct pt_regs *regs, long ret)
{
	return mprotect_exit(regs, ret, PR_MEM_MPROTECT);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_pkey_mprotect_exit, struct pt_regs *regs, long ret)
{
	return mprotect_exit(regs, ret, PR_MEM_PKEY_MPROTECT);
}

/* ---- exec: credential change and memfd execution ----------------------- */

static long stack_cb(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	*(__u64 *)data = BPF_CORE_READ(vma, vm_flags) | 1ULL << 63; /* found */
	return 0;
}

/* The new image's stack is writable and executable (PT_GNU_STACK RWE, e.g.
 * `-z execstack`): code can be written and run there without any mmap or
 * mprotect call. */
static __always_inline void exec_stack(struct task_struct *p, struct pr_tracked *tr)
{
	__u64 vmf = 0;

	bpf_find_vma(p, BPF_CORE_READ(p, mm, start_stack), stack_cb, &vmf, 0);
	if ((vmf & (PR_VM_WRITE | PR_VM_EXEC)) != (PR_VM_WRITE | PR_VM_EXEC))
		return;
	mem_emit(p, tr, PR_MEM_EXEC_STACK, PR_PROT_READ | PR_PROT_WRITE | PR_PROT_EXEC, PR_MEM_ANON,
		 0, 0, 0, 0, 1, NULL, 0);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_sec_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct pr_tracked *tr = tracked_task(p);
	struct pr_cred_snap *old;
	struct memfd_name *mn;
	struct file *f = NULL;
	__u32 key = old_pid;

	if (!tr)
		return 0;
	old = bpf_map_lookup_elem(&sec_cred_stash, &key);
	if (old) {
		exec_creds(p, tr, old);
		bpf_map_delete_elem(&sec_cred_stash, &key);
	}
	/* With an interpreter (#! script in a memfd), executable is the memfd. */
	exec_stack(p, tr);
	if (bpf_core_field_exists(bprm->executable))
		f = BPF_CORE_READ(bprm, executable);
	if (!f)
		f = BPF_CORE_READ(bprm, file);
	if (f && file_is_memfd(f)) {
		mem_emit(p, tr, PR_MEM_MEMFD_EXEC, PR_PROT_READ | PR_PROT_EXEC,
			 PR_MEM_ANON | PR_MEM_MEMFD, 0, 0, 0, 0, 1,
			 (const char *)BPF_CORE_READ(f, f_path.dentry, d_name.name), 0);
		mn = bpf_map_lookup_elem(&sec_exec_memfd, &key);
	} else if (f && file_unlinked(f)) {
		/* O_TMPFILE or deleted before the exec: no file on disk either */
		mem_emit(p, tr, PR_MEM_UNLINKED_EXEC, PR_PROT_READ | PR_PROT_EXEC, PR_MEM_ANON, 0,
			 0, 0, 0, 1, (const char *)BPF_CORE_READ(f, f_path.dentry, d_name.name), 0);
		mn = bpf_map_lookup_elem(&sec_exec_memfd, &key);
	} else if ((mn = bpf_map_lookup_elem(&sec_exec_memfd, &key))) {
		/* a #! script in a memfd: the interpreter runs, the memfd is gone */
		mem_emit(p, tr, PR_MEM_MEMFD_EXEC, PR_PROT_READ | PR_PROT_EXEC,
			 PR_MEM_ANON | PR_MEM_MEMFD, 0, 0, 0, 0, 1, mn->name, 0);
	}
	if (mn)
		bpf_map_delete_elem(&sec_exec_memfd, &key);
	return 0;
}

/* ---- security.escape --------------------------------------------------- */

/* spec: 2 bits per argument (PR_ESC_STR_*); aux_arg: argument whose first 16
 * bytes of user memory are copied, or -1. */
#define ESC_STR(arg, kind) ((kind) << (2 * (arg)))

static __always_inline void esc_str(struct pr_sec_escape *e, struct task_struct *t, int k,
				    __u64 arg, __u32 kind)
{
	struct file *f;
	long n = 0;
	char c = 0;

	if (kind == PR_ESC_STR_USER && arg) {
		n = bpf_probe_read_user_str(e->str[k], PR_SEC_STR_CAP, (void *)arg);
		if (n == PR_SEC_STR_CAP &&
		    !bpf_probe_read_user(&c, 1, (void *)(arg + PR_SEC_STR_CAP - 1)) && c)
			e->hdr.flags |= PR_SEC_STR0_TRUNC << k;
	} else if (kind == PR_ESC_STR_FD) {
		f = fd_file(t, (long)(int)arg);
		if (f && BPF_CORE_READ(f, f_inode, i_sb, s_magic) == PR_NSFS_MAGIC) {
			/* a namespace file: "mnt:[4026531841]" as in /proc/PID/ns */
			struct ns_common *ns = BPF_CORE_READ(f, f_inode, i_private);
			__u64 data[2] = {(__u64)BPF_CORE_READ(ns, ops, name),
					 BPF_CORE_READ(f, f_inode, i_ino)};
			n = bpf_snprintf(e->str[k], PR_SEC_STR_CAP, "%s:[%lu]", data, sizeof(data));
		} else if (f && BPF_CORE_READ(f, f_inode, i_sb, s_magic) == PR_PIDFS_MAGIC) {
			/* a pidfd (setns into another process's namespaces) */
			struct pid *pid = BPF_CORE_READ(f, f_inode, i_private);
			__u64 data[1] = {BPF_CORE_READ(pid, numbers[0].nr)};
			n = bpf_snprintf(e->str[k], PR_SEC_STR_CAP, "pidfd:%d", data, sizeof(data));
		} else if (f) {
			n = bpf_probe_read_kernel_str(e->str[k], PR_SEC_STR_CAP,
						      BPF_CORE_READ(f, f_path.dentry, d_name.name));
		}
	}
	e->str_len[k] = n > 0 ? n : 0;
}

static __noinline int esc_emit(struct pt_regs *regs, long ret, struct pr_tracked *tr, __u32 spec,
			       int aux_arg, __u64 count)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct pr_sec_escape *e;
	int i, k = 0;

	if (!tr || !regs)
		return 0;
	e = ev_reserve(sizeof(*e), PR_EV_SEC_ESCAPE, tr);
	if (!e)
		return 0;
	fill_hdr(&e->hdr, t, PR_EV_SEC_ESCAPE, sizeof(*e), tr);
	e->nr = PR_SYSCALL_NR(regs);
	e->ret = ret;
	e->args[0] = PR_ARG1(regs);
	e->args[1] = PR_ARG2(regs);
	e->args[2] = PR_ARG3(regs);
	e->args[3] = PR_ARG4(regs);
	e->args[4] = PR_ARG5(regs);
	e->args[5] = PR_ARG6(regs);
	e->count = count;
	e->aux[0] = e->aux[1] = 0;
	e->aux_arg = 0;
	e->_pad = e->_pad2 = 0;
	e->str_len[0] = e->str_len[1] = e->str_len[2] = 0;
	if (aux_arg >= 0 && aux_arg < 6) {
		e->aux_arg = aux_arg;
		if (!bpf_probe_read_user(e->aux, sizeof(e->aux), (void *)e->args[aux_arg]))
			e->hdr.flags |= PR_SEC_AUX_VALID;
	}
#pragma unroll
	for (i = 0; i < 6; i++) {
		__u32 kind = (spec >> (2 * i)) & 3;
		if (!kind || k >= PR_SEC_STRS)
			continue;
		esc_str(e, t, k, e->args[i], kind);
		k++;
	}
	ev_submit(e);
	return 0;
}

#define ESC_PROG(name, spec, aux)                                                                  \
	SEC("tp_btf/sys_exit")                                                                     \
	int BPF_PROG(tail_sec_##name##_exit, struct pt_regs *regs, long ret)                       \
	{                                                                                          \
		struct pr_tracked *tr = sec_tracked_syscall();                                     \
		if (!tr)                                                                           \
			return 0;                                                                  \
		return esc_emit(regs, ret, tr, spec, aux, 1);                                      \
	}

ESC_PROG(setns, ESC_STR(0, PR_ESC_STR_FD), -1)
ESC_PROG(seccomp, 0, 2)
ESC_PROG(init_module, ESC_STR(2, PR_ESC_STR_USER), -1)
ESC_PROG(finit_module, ESC_STR(0, PR_ESC_STR_FD) | ESC_STR(1, PR_ESC_STR_USER), -1)
ESC_PROG(delete_module, ESC_STR(0, PR_ESC_STR_USER), -1)
ESC_PROG(mount,
	 ESC_STR(0, PR_ESC_STR_USER) | ESC_STR(1, PR_ESC_STR_USER) | ESC_STR(2, PR_ESC_STR_USER),
	 -1)
ESC_PROG(umount2, ESC_STR(0, PR_ESC_STR_USER), -1)
ESC_PROG(pivot_root, ESC_STR(0, PR_ESC_STR_USER) | ESC_STR(1, PR_ESC_STR_USER), -1)
ESC_PROG(move_mount, ESC_STR(1, PR_ESC_STR_USER) | ESC_STR(3, PR_ESC_STR_USER), -1)
ESC_PROG(fsopen, ESC_STR(0, PR_ESC_STR_USER), -1)
ESC_PROG(fsmount, 0, -1)
ESC_PROG(open_tree, ESC_STR(1, PR_ESC_STR_USER), -1)
ESC_PROG(mount_setattr, ESC_STR(1, PR_ESC_STR_USER), -1)
ESC_PROG(perf_event_open, 0, 0)
ESC_PROG(io_uring_setup, 0, 1)

/* Namespace creation only: unshare(CLONE_FILES) and plain forks are not. */
SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_unshare_exit, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = sec_tracked_syscall();

	if (!tr || !(SEC_ARG1(regs) & (PR_CLONE_NS_MASK | PR_CLONE_NEWTIME)))
		return 0;
	return esc_emit(regs, ret, tr, 0, -1, 1);
}

/* clone's low byte is the exit signal, so CLONE_NEWTIME is clone3-only. The
 * child also returns through sys_exit (ret 0): only the parent reports. */
SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_clone_exit, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = sec_tracked_syscall();

	if (!tr || ret == 0 || !(SEC_ARG1(regs) & PR_CLONE_NS_MASK))
		return 0;
	return esc_emit(regs, ret, tr, 0, -1, 1);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_clone3_exit, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = sec_tracked_syscall();
	__u64 flags = 0;

	if (!tr || ret == 0)
		return 0;
	bpf_probe_read_user(&flags, sizeof(flags), (void *)PR_ARG1(regs));
	if (!(flags & (PR_CLONE_NS_MASK | PR_CLONE_NEWTIME)))
		return 0;
	return esc_emit(regs, ret, tr, 0, 0, 1);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_prctl_exit, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = sec_tracked_syscall();

	if (!tr || SEC_ARG1(regs) != PR_PR_SET_SECCOMP)
		return 0;
	return esc_emit(regs, ret, tr, 0, -1, 1);
}

/* Aggregated escape kinds: emit the first of each (syscall, a0, a1, errno)
 * per process; the exit summary carries the total. */
static __always_inline int esc_agg(struct pt_regs *regs, long ret, struct pr_tracked *tr, __u64 a0,
				   __u64 a1, __u64 c0, __u64 c1, int aux_arg)
{
	__s32 err = ret < 0 && ret >= -4095 ? (__s32)ret : 0;
	__u64 count = agg_hit(bpf_get_current_pid_tgid() >> 32, PR_AGG_ESCAPE, 0, err,
			      PR_SYSCALL_NR(regs), a0, a1, c0, c1);

	if (count > 1)
		return 0;
	return esc_emit(regs, ret, tr, 0, aux_arg, 1);
}

/* Attach (ATTACH, SEIZE, TRACEME) always; memory and register access
 * (PEEK*, POKE*, [GS]ETREGS, [GS]ETFPREGS, [GS]ETREGSET) aggregated. */
SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_ptrace_exit, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = sec_tracked_syscall();
	__u64 req;

	if (!tr)
		return 0;
	req = SEC_ARG1(regs);
	if (req == 0 || req == 16 || req == 0x4206)
		return esc_emit(regs, ret, tr, 0, -1, 1);
	if ((req >= 1 && req <= 6) || (req >= 12 && req <= 15) || req == 0x4204 || req == 0x4205)
		/* per request, not per target: peeking needs an attach, which is
		 * always reported with its target */
		return esc_agg(regs, ret, tr, req, 0, req, PR_AGG_ANY, -1);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_process_vm_exit, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = sec_tracked_syscall();

	if (!tr)
		return 0;
	/* per target (no attach needed); past the exact slots, "other targets" */
	return esc_agg(regs, ret, tr, (__u32)PR_ARG1(regs), 0, PR_AGG_ANY, 0, -1);
}

/* bpf(): loading, attaching, pinning and creating always; the rest (map
 * lookups/updates, id walks, info queries) aggregated per command. */
SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_bpf_exit, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = sec_tracked_syscall();
	__u64 cmd;

	if (!tr)
		return 0;
	cmd = SEC_ARG1(regs);
	switch (cmd) {
	case 0:	 /* MAP_CREATE */
	case 5:	 /* PROG_LOAD */
	case 6:	 /* OBJ_PIN */
	case 7:	 /* OBJ_GET */
	case 8:	 /* PROG_ATTACH */
	case 9:	 /* PROG_DETACH */
	case 10: /* PROG_TEST_RUN */
	case 17: /* RAW_TRACEPOINT_OPEN */
	case 18: /* BTF_LOAD */
	case 28: /* LINK_CREATE */
	case 29: /* LINK_UPDATE */
	case 32: /* ENABLE_STATS */
	case 33: /* ITER_CREATE */
	case 35: /* PROG_BIND_MAP */
	case 36: /* TOKEN_CREATE */ return esc_emit(regs, ret, tr, 0, 1, 1);
	}
	return esc_agg(regs, ret, tr, cmd, 0, cmd, PR_AGG_ANY, 1);
}

/* ---- aggregation summaries at process exit ----------------------------- */

struct flush_ctx {
	__u64 task;
	__u64 session_key;
	__u32 tgid;
};

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
SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_sec_exit, struct task_struct *p)
{
	struct pr_tracked *tr = tracked_task(p);

	if (!tr)
		return 0;
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	agg_flush(p, tr->session_key);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
