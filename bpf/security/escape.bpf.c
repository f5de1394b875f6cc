/* escape.bpf.c: security.escape: namespace, seccomp, ptrace, module, mount,
 * bpf, perf_event and io_uring attempts, one record per attempt with its
 * result (ptrace peeks/pokes, process_vm_* and bpf map operations
 * aggregated), terminal input injection (TIOCSTI, aggregated per tty),
 * descriptors received over SCM_RIGHTS from outside the session, and ia32
 * syscalls from a tracked process. Semantics:
 * docs/EVENTS-security.md. */
#include "security/security.h"

/* ---- security.escape --------------------------------------------------- */

/* spec: 2 bits per argument (PR_ESC_STR_*); aux_arg: argument whose first 16
 * bytes of user memory are copied, or -1. */
#define ESC_STR(arg, kind) ((kind) << (2 * (arg)))
#define ESC_RET_FD	   (1 << 12) /* one more string: the file behind the result (an fd) */

/* The terminal behind a file: a tty file's private_data is its
 * tty_file_private. Called only for character devices whose ioctl did not
 * answer ENOTTY (the tty layer's ioctl did). */
static __always_inline struct tty_struct *file_tty(struct file *f)
{
	struct tty_file_private *p;

	if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & PR_S_IFMT) != PR_S_IFCHR)
		return NULL;
	p = BPF_CORE_READ(f, private_data);
	return p ? BPF_CORE_READ(p, tty) : NULL;
}

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
	} else if (kind == PR_ESC_STR_TTY) {
		struct tty_struct *tty = file_tty(fd_file(t, (long)(int)arg));
		if (tty)
			n = bpf_probe_read_kernel_str(e->str[k], sizeof(tty->name),
						      __builtin_preserve_access_index(&tty->name));
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
	if ((spec & ESC_RET_FD) && ret >= 0 && k < PR_SEC_STRS)
		esc_str(e, t, k, ret, PR_ESC_STR_FD);
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
/* taking another process's fd: its pidfd (target pid) and the stolen file */
ESC_PROG(pidfd_getfd, ESC_STR(0, PR_ESC_STR_FD) | ESC_RET_FD, -1)

/* Namespace creation only: unshare(CLONE_FILES) and plain forks are not. */
SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_unshare_exit, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = sec_tracked_syscall();

	if (!tr || !(PR_ARG1_DIRECT(regs) & (PR_CLONE_NS_MASK | PR_CLONE_NEWTIME)))
		return 0;
	return esc_emit(regs, ret, tr, 0, -1, 1);
}

/* clone's low byte is the exit signal, so CLONE_NEWTIME is clone3-only. The
 * child also returns through sys_exit (ret 0): only the parent reports. */
SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_clone_exit, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = sec_tracked_syscall();

	if (!tr || ret == 0 || !(PR_ARG1_DIRECT(regs) & PR_CLONE_NS_MASK))
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

	if (!tr || PR_ARG1_DIRECT(regs) != PR_PR_SET_SECCOMP)
		return 0;
	return esc_emit(regs, ret, tr, 0, -1, 1);
}

/* Aggregated escape kinds: emit the first of each (syscall, a0, a1, errno)
 * per process; the exit summary carries the total. */
static __always_inline int esc_agg(struct pt_regs *regs, long ret, struct pr_tracked *tr, __u64 a0,
				   __u64 a1, __u64 c0, __u64 c1, int aux_arg, __u32 spec)
{
	__s32 err = ret < 0 && ret >= -4095 ? (__s32)ret : 0;
	__u64 count = agg_hit(bpf_get_current_pid_tgid() >> 32, PR_AGG_ESCAPE, 0, err,
			      PR_SYSCALL_NR(regs), a0, a1, c0, c1);

	if (count > 1)
		return 0;
	return esc_emit(regs, ret, tr, spec, aux_arg, 1);
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
	req = PR_ARG1_DIRECT(regs);
	if (req == 0 || req == 16 || req == 0x4206)
		return esc_emit(regs, ret, tr, 0, -1, 1);
	if ((req >= 1 && req <= 6) || (req >= 12 && req <= 15) || req == 0x4204 || req == 0x4205)
		/* per request, not per target: peeking needs an attach, which is
		 * always reported with its target */
		return esc_agg(regs, ret, tr, req, 0, req, PR_AGG_ANY, -1, 0);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_process_vm_exit, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = sec_tracked_syscall();

	if (!tr)
		return 0;
	/* per target (no attach needed); past the exact slots, "other targets" */
	return esc_agg(regs, ret, tr, (__u32)PR_ARG1(regs), 0, PR_AGG_ANY, 0, -1, 0);
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
	cmd = PR_ARG1_DIRECT(regs);
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
	return esc_agg(regs, ret, tr, cmd, 0, cmd, PR_AGG_ANY, 1, 0);
}

/* ---- TIOCSTI: terminal input injection --------------------------------- */

/* ioctl(fd, TIOCSTI, &c) pushes one byte into a terminal's input queue as if
 * typed: whatever reads that terminal (the user's shell) runs it. The file
 * family's ioctl program chains here for TIOCSTI only. One key per (process,
 * tty, result): the first call is recorded with the tty's name, the rest
 * (one call per byte) are counted and the exit summary has the total. The
 * tty is keyed by its device number (major << 20 | minor, as the kernel's
 * dev_t), also what the summary names it by. */
SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_ioctl_exit, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = sec_tracked_syscall();
	struct tty_struct *tty = NULL;
	__u32 spec = 0, minor;
	__u64 dev = 0;

	if (!tr || (__u32)PR_ARG2_DIRECT(regs) != PR_TIOCSTI)
		return 0;
	if (ret != -PR_ENOTTY && ret != -PR_EBADF)
		tty = file_tty(fd_file(bpf_get_current_task_btf(), (int)PR_ARG1(regs)));
	if (tty) {
		minor = BPF_CORE_READ(tty, driver, minor_start) + BPF_CORE_READ(tty, index);
		dev = (__u64)BPF_CORE_READ(tty, driver, major) << 20 | (minor & 0xfffff);
		spec = ESC_STR(0, PR_ESC_STR_TTY);
	}
	return esc_agg(regs, ret, tr, dev, 0, PR_AGG_ANY, 0, -1, spec);
}

/* ---- SCM_RIGHTS: file descriptors received from outside the session ----- */

#define PR_SOL_SOCKET 1
#define PR_SCM_RIGHTS 1

/* Is the peer of a connected UNIX socket outside session tr? The socket's
 * peer credentials name the peer's process (set at connect and listen; the
 * socket's own cgroup would not do: a stream server's socket is made by the
 * connecting client). 1: outside (or the sender is gone), 0: inside or not
 * a UNIX socket, -1: no peer (an unconnected datagram socket: the sender is
 * not known after the call). */
static __always_inline int unix_peer_outside(struct socket *so, struct pr_tracked *tr,
					     __u32 *peer_pid)
{
	struct sock *sk = so ? BPF_CORE_READ(so, sk) : NULL;
	struct unix_sock *u = (void *)sk;
	struct pid *pp;

	if (!sk || BPF_CORE_READ(sk, __sk_common.skc_family) != PR_AF_UNIX)
		return 0;
	if (!BPF_CORE_READ(u, peer))
		return -1;
	pp = BPF_CORE_READ(sk, sk_peer_pid);
	*peer_pid = pp ? BPF_CORE_READ(pp, numbers[0].nr) : 0;
	return sec_pid_session(*peer_pid) != tr->session_key;
}

/* recvmsg(fd, msg, flags) that received descriptors (an SCM_RIGHTS control
 * message, the first one in the buffer) over a connected UNIX socket whose
 * peer is outside the session: another process's open files, taken as
 * pidfd_getfd would (category ptrace). Most recvmsg calls have no control
 * buffer and leave after one user read. */
SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_recvmsg_exit, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = sec_tracked_syscall();
	struct user_msghdr m = {};
	struct task_struct *t;
	struct pr_sec_escape *e;
	struct {
		__u64 len;
		__s32 level, type;
	} c = {};
	__u32 peer_pid = 0;
	__s32 fd = -1;

	if (!tr || ret < 0 || bpf_probe_read_user(&m, sizeof(m), (void *)PR_ARG2(regs)))
		return 0;
	/* CMSG_LEN(4): the 16-byte header and one descriptor */
	if (!m.msg_control || m.msg_controllen < sizeof(c) + 4 ||
	    bpf_probe_read_user(&c, sizeof(c), m.msg_control))
		return 0;
	if (c.level != PR_SOL_SOCKET || c.type != PR_SCM_RIGHTS || c.len < sizeof(c) + 4 ||
	    bpf_probe_read_user(&fd, sizeof(fd), m.msg_control + sizeof(c)))
		return 0;
	t = bpf_get_current_task_btf();
	if (unix_peer_outside(fd_socket(t, (int)PR_ARG1(regs)), tr, &peer_pid) != 1)
		return 0;
	e = ev_reserve(sizeof(*e), PR_EV_SEC_ESCAPE, tr);
	if (!e)
		return 0;
	fill_hdr(&e->hdr, t, PR_EV_SEC_ESCAPE, sizeof(*e), tr);
	e->nr = PR_NR_recvmsg;
	e->ret = ret;
	e->args[0] = PR_ARG1(regs);
	e->args[1] = fd;	       /* the first descriptor received */
	e->args[2] = (c.len - 16) / 4; /* descriptors in the message */
	e->args[3] = peer_pid;	       /* the sending process (host pid) */
	e->args[4] = e->args[5] = 0;
	e->aux[0] = e->aux[1] = 0;
	e->aux_arg = 0;
	e->_pad = e->_pad2 = 0;
	e->count = 1;
	e->str_len[1] = e->str_len[2] = 0;
	esc_str(e, t, 0, fd, PR_ESC_STR_FD);
	ev_submit(e);
	return 0;
}

/* ---- ia32 syscalls from a tracked process ------------------------------ */

/* The dispatcher sends every ia32 syscall (int $0x80) here rather than into
 * the native tables. A 64-bit agent using the 32-bit ABI is dodging syscall
 * monitoring; the first use of each ia32 syscall per process is recorded as
 * a security.escape (repeats are counted in the map). Arguments are the ia32
 * registers bx, cx, dx, si, di, bp; there is no result (seen at entry). */

SEC("tp_btf/sys_enter")
int BPF_PROG(tail_sec_ia32_enter, struct pt_regs *regs, long id)
{
	struct pr_tracked *tr = tracked_current();
	struct pr_sec_escape *e;
	struct task_struct *t;
	__u64 key, one = 1, *n;

	if (!tr)
		return 0;
	t = bpf_get_current_task_btf();
	key = ((__u64)t->tgid << 32) | (__u32)id;
	n = bpf_map_lookup_elem(&sec_ia32_seen, &key);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return 0;
	}
	bpf_map_update_elem(&sec_ia32_seen, &key, &one, BPF_ANY);
	e = ev_reserve(sizeof(*e), PR_EV_SEC_ESCAPE, tr);
	if (!e)
		return 0;
	fill_hdr(&e->hdr, t, PR_EV_SEC_ESCAPE, sizeof(*e), tr);
	e->hdr.flags = PR_SEC_IA32;
	e->nr = (__u32)id;
	e->aux_arg = 0;
	e->_pad = 0;
	e->ret = 0;
	e->args[0] = BPF_CORE_READ(regs, bx);
	e->args[1] = BPF_CORE_READ(regs, cx);
	e->args[2] = BPF_CORE_READ(regs, dx);
	e->args[3] = BPF_CORE_READ(regs, si);
	e->args[4] = BPF_CORE_READ(regs, di);
	e->args[5] = BPF_CORE_READ(regs, bp);
	e->aux[0] = e->aux[1] = 0;
	e->count = 1;
	e->str_len[0] = e->str_len[1] = e->str_len[2] = 0;
	e->_pad2 = 0;
	ev_submit(e);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
