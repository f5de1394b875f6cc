/* meta.bpf.c: file.metadata for unlink/rename/link/symlink/mkdir/mknod/
 * chmod/chown/truncate/utimes/xattr syscalls (and, through
 * file_meta_record, their io_uring forms; the ia32 forms through
 * tail_file_meta_ia32). Semantics: docs/EVENTS-file.md. */
#include "file/file.h"
#include "dispatch/dispatch.h"

/* "/proc/self/fd/N" (what C libraries use to emulate fchmodat & co. on
 * O_PATH descriptors): N, else -1. The object is then that fd's file. */
static __always_inline int proc_self_fd(const char *uname)
{
	static const char pre[] = "/proc/self/fd/";
	char head[24] = {};
	int i, fd = 0;

	if (bpf_probe_read_user_str(head, sizeof(head), uname) <= (long)sizeof(pre))
		return -1;
#pragma unroll
	for (i = 0; i < (int)sizeof(pre) - 1; i++)
		if (head[i] != pre[i])
			return -1;
#pragma unroll
	for (i = sizeof(pre) - 1; i < (int)sizeof(head); i++) {
		if (!head[i])
			return fd;
		if (head[i] < '0' || head[i] > '9' || fd > 100000000)
			return -1;
		fd = fd * 10 + (head[i] - '0');
	}
	return -1;
}

__noinline int file_meta_record(struct pr_tracked *tr, const struct meta_req *q, long ret)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct pr_scratch *s = scratch_get();
	struct pr_file_meta *e;
	struct file *f;
	__u16 hf = q->hflags;
	__u32 off, n, name_off;

	if (!s || !tr || !q)
		return 0;
	e = (void *)s->buf;
	off = sizeof(*e);
	e->path_len = e->name_len = e->dir_len = e->name2_len = e->dir2_len = e->xattr_len = 0;
	f = q->objfd >= 0 ? fd_file(t, q->objfd) : (struct file *)q->objfile;
	if (!f && q->user && !q->name_raw && q->name)
		f = fd_file(t, proc_self_fd(q->name));
	if (f) {
		n = put_file_path(s, off, &f->f_path, &hf);
		e->path_len = n;
		off += n;
	}
	name_off = off;
	n = put_str(s, off, q->name, q->user, &hf);
	e->name_len = n;
	off += n;
	if (!q->name_raw && q->objfd < 0 && !q->objfile && is_relative(s, name_off, n)) {
		n = put_dir(s, off, t, q->dirfd, &hf);
		e->dir_len = n;
		off += n;
	}
	name_off = off;
	n = put_str(s, off, q->name2, q->user, &hf);
	e->name2_len = n;
	off += n;
	if (is_relative(s, name_off, n)) {
		n = put_dir(s, off, t, q->dirfd2, &hf);
		e->dir2_len = n;
		off += n;
	}
	n = put_short_str(s, off, q->xattr, q->user, &hf);
	e->xattr_len = n;
	off += n;
	e->ret = ret;
	e->arg = q->arg;
	e->arg2 = q->arg2;
	e->syscall = q->syscall;
	e->op = q->op;
	e->_pad[0] = e->_pad[1] = e->_pad[2] = 0;
	fill_hdr(&e->hdr, t, PR_EV_FILE_META, off, tr);
	e->hdr.flags = hf;
	ev_output(s, off, PR_EV_FILE_META, tr);
	return 0;
}

/* AT_EMPTY_PATH with "" (or a NULL name where the syscall allows it) makes
 * dirfd itself the object. */
static __always_inline void meta_empty_path(struct meta_req *q, __u64 at_flags)
{
	char c = 1;

	if (!q->name) {
		q->objfd = q->dirfd;
		return;
	}
	if (!(at_flags & PR_AT_EMPTY_PATH))
		return;
	bpf_probe_read_user(&c, 1, q->name);
	if (!c)
		q->objfd = q->dirfd;
}

/* Paths and fds of the syscalls that name one object. */
static __always_inline void meta_object(struct meta_req *q, long nr, const __u64 *a)
{
	switch (nr) {
	case PR_NR_unlink:
	case PR_NR_rmdir:
	case PR_NR_mkdir:
	case PR_NR_mknod:
	case PR_NR_chmod:
	case PR_NR_chown:
	case PR_NR_lchown:
	case PR_NR_truncate:
	case PR_NR_utime:
	case PR_NR_utimes:
	case PR_NR_setxattr:
	case PR_NR_lsetxattr:
	case PR_NR_removexattr:
	case PR_NR_lremovexattr: q->name = (const char *)a[0]; break;
	case PR_NR_fchmod:
	case PR_NR_fchown:
	case PR_NR_ftruncate:
	case PR_NR_fsetxattr:
	case PR_NR_fremovexattr: q->objfd = (int)a[0]; break;
	default: /* *at(dirfd, name, ...) */ q->dirfd = (int)a[0]; q->name = (const char *)a[1];
	}
}

/* Arguments of the syscalls that create, remove or rename names. */
static __always_inline int meta_names(struct meta_req *q, long nr, const __u64 *a)
{
	switch (nr) {
	case PR_NR_unlink:
	case PR_NR_unlinkat:
		q->op = PR_META_UNLINK;
		meta_object(q, nr, a);
		if (nr == PR_NR_unlinkat && (a[2] & PR_AT_REMOVEDIR))
			q->op = PR_META_RMDIR;
		break;
	case PR_NR_rmdir:
		q->op = PR_META_RMDIR;
		meta_object(q, nr, a);
		break;
	case PR_NR_rename:
	case PR_NR_link:
		q->op = nr == PR_NR_rename ? PR_META_RENAME : PR_META_LINK;
		q->name = (const char *)a[0];
		q->name2 = (const char *)a[1];
		break;
	case PR_NR_renameat:
	case PR_NR_renameat2:
	case PR_NR_linkat:
		q->op = nr == PR_NR_linkat ? PR_META_LINK : PR_META_RENAME;
		q->dirfd = (int)a[0];
		q->name = (const char *)a[1];
		q->dirfd2 = (int)a[2];
		q->name2 = (const char *)a[3];
		if (nr != PR_NR_renameat)
			q->arg = (__u32)a[4];
		if (nr == PR_NR_linkat)
			meta_empty_path(q, q->arg);
		break;
	case PR_NR_symlink:
		q->op = PR_META_SYMLINK;
		q->name_raw = 1;
		q->name = (const char *)a[0];
		q->name2 = (const char *)a[1];
		break;
	case PR_NR_symlinkat:
		q->op = PR_META_SYMLINK;
		q->name_raw = 1;
		q->name = (const char *)a[0];
		q->dirfd2 = (int)a[1];
		q->name2 = (const char *)a[2];
		break;
	case PR_NR_mkdir:
	case PR_NR_mknod:
		q->op = nr == PR_NR_mkdir ? PR_META_MKDIR : PR_META_MKNOD;
		meta_object(q, nr, a);
		q->arg = (__u32)a[1];
		break;
	case PR_NR_mkdirat:
	case PR_NR_mknodat:
		q->op = nr == PR_NR_mkdirat ? PR_META_MKDIR : PR_META_MKNOD;
		meta_object(q, nr, a);
		q->arg = (__u32)a[2];
		break;
	default: return 0;
	}
	return 1;
}

/* Arguments of the syscalls that change a file's attributes or size. */
static __always_inline int meta_attrs(struct meta_req *q, long nr, const __u64 *a)
{
	switch (nr) {
	case PR_NR_chmod:
	case PR_NR_fchmod:
		q->op = PR_META_CHMOD;
		meta_object(q, nr, a);
		q->arg = (__u32)a[1];
		break;
	case PR_NR_fchmodat:
	case PR_NR_fchmodat2:
		q->op = PR_META_CHMOD;
		meta_object(q, nr, a);
		q->arg = (__u32)a[2];
		if (nr == PR_NR_fchmodat2)
			meta_empty_path(q, a[3]);
		break;
	case PR_NR_chown:
	case PR_NR_lchown:
	case PR_NR_fchown:
		q->op = PR_META_CHOWN;
		meta_object(q, nr, a);
		q->arg = (__u32)a[1];
		q->arg2 = (__u32)a[2];
		break;
	case PR_NR_fchownat:
		q->op = PR_META_CHOWN;
		meta_object(q, nr, a);
		q->arg = (__u32)a[2];
		q->arg2 = (__u32)a[3];
		meta_empty_path(q, a[4]);
		break;
	case PR_NR_truncate:
	case PR_NR_ftruncate:
		q->op = PR_META_TRUNCATE;
		meta_object(q, nr, a);
		q->arg = a[1];
		break;
	case PR_NR_utime:
	case PR_NR_utimes:
		q->op = PR_META_UTIMES;
		meta_object(q, nr, a);
		q->arg = a[1] != 0;
		break;
	case PR_NR_futimesat:
	case PR_NR_utimensat:
		q->op = PR_META_UTIMES;
		meta_object(q, nr, a);
		q->arg = a[2] != 0;
		meta_empty_path(q, nr == PR_NR_utimensat ? a[3] : 0);
		break;
	case PR_NR_setxattr:
	case PR_NR_lsetxattr:
	case PR_NR_fsetxattr:
		q->op = PR_META_SETXATTR;
		meta_object(q, nr, a);
		q->xattr = (const char *)a[1];
		q->arg = (__u32)a[4];
		q->arg2 = a[3];
		break;
	case PR_NR_removexattr:
	case PR_NR_lremovexattr:
	case PR_NR_fremovexattr:
		q->op = PR_META_REMOVEXATTR;
		meta_object(q, nr, a);
		q->xattr = (const char *)a[1];
		break;
	case PR_NR_setxattrat:	  /* (dfd, path, at_flags, name, args, size) */
	case PR_NR_removexattrat: /* (dfd, path, at_flags, name) */
		q->op = nr == PR_NR_setxattrat ? PR_META_SETXATTR : PR_META_REMOVEXATTR;
		meta_object(q, nr, a);
		meta_empty_path(q, a[2]);
		q->xattr = (const char *)a[3];
		if (nr == PR_NR_setxattrat) {
			struct {
				__u64 value;
				__u32 size, flags;
			} xa = {};
			bpf_probe_read_user(&xa, sizeof(xa), (void *)a[4]);
			q->arg = xa.flags;
			q->arg2 = xa.size;
		}
		break;
	default: return 0;
	}
	return 1;
}

/* The metadata change of syscall @a, whichever ABI made it. */
static __always_inline int file_meta_args(struct pr_tracked *tr, const struct pr_sysargs *a,
					  long ret)
{
	struct meta_req q = {.dirfd = PR_AT_FDCWD, .dirfd2 = PR_AT_FDCWD, .objfd = -1, .user = 1};

	q.syscall = a->nr | a->abi;
	if (!meta_names(&q, a->nr, a->a) && !meta_attrs(&q, a->nr, a->a))
		return 0;
	return file_meta_record(tr, &q, ret);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_file_meta, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = tracked_current();
	struct pr_sysargs a;

	if (!tr)
		return 0;
	sysargs_native(regs, &a);
	return file_meta_args(tr, &a, ret);
}

#if defined(__TARGET_ARCH_x86)
/* An ia32 id of the 16-bit calls: (u16)-1 means "unchanged", as -1 does. */
static __always_inline __u64 ia32_uid16(__u64 id)
{
	id &= 0xffff;
	return id == 0xffff ? 0xffffffffull : id;
}

/* The ia32 calls whose arguments are not their namesake's: chown/lchown/
 * fchown take 16-bit ids, truncate64/ftruncate64 a 64-bit length as low and
 * high halves. The compat time structs of utime/utimes/futimesat and
 * utimensat_time64 need nothing: only whether times were given is kept. */
static __always_inline void ia32_meta_fixup(struct pt_regs *regs, struct pr_sysargs *a)
{
	switch (PR_SYSCALL_NR_DIRECT(regs)) {
	case PR_NR32_chown:
	case PR_NR32_lchown:
	case PR_NR32_fchown:
		a->a[1] = ia32_uid16(a->a[1]);
		a->a[2] = ia32_uid16(a->a[2]);
		break;
	case PR_NR32_truncate64:
	case PR_NR32_ftruncate64: a->a[1] |= a->a[2] << 32; break;
	}
}
#else
static __always_inline void ia32_meta_fixup(struct pt_regs *regs, struct pr_sysargs *a)
{
}
#endif

/* The same calls made through the ia32 ABI (int $0x80). */
SEC("tp_btf/sys_exit")
int BPF_PROG(tail_file_meta_ia32, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = tracked_current();
	struct pr_sysargs a;

	if (!tr)
		return 0;
	sysargs_ia32(regs, &a);
	ia32_meta_fixup(regs, &a);
	return file_meta_args(tr, &a, ret);
}

/* ---- ioctl: chattr (FS_IOC_SETFLAGS, FS_IOC_FSSETXATTR) ------------------ */

/* Every ioctl of a tracked task comes here: the command is a direct load,
 * and anything but the two attribute setters leaves at once (TIOCSTI goes
 * on to the security family's program, chained: security/escape.bpf.c). */
static __always_inline bool is_setflags(struct pt_regs *regs)
{
	__u32 cmd = (__u32)PR_ARG2_DIRECT(regs);

	return cmd == PR_FS_IOC_SETFLAGS || cmd == PR_FS_IOC_FSSETXATTR;
}

static __always_inline __u32 fd_inode_flags(long fd)
{
	struct file *f = fd_file(bpf_get_current_task_btf(), fd);

	return f ? BPF_CORE_READ(f, f_inode, i_flags) : 0;
}

/* Entry of a chattr ioctl on fd: the inode flags before, for its exit. */
static __always_inline void setflags_stash(long fd)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), before = fd_inode_flags(fd);

	bpf_map_update_elem(&file_flags_stash, &tid, &before, BPF_ANY);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(tail_file_ioctl_enter, struct pt_regs *regs, long id)
{
	if (!is_setflags(regs) || !tracked_current())
		return 0;
	setflags_stash((int)PR_ARG1(regs));
	return 0;
}

/* The chattr ioctl(fd, cmd, argp) returned ret: file.metadata setflags with
 * the flags asked for and those before (stashed at entry) and after.
 * syscall: the record's syscall number (ioctl, or'ed with the ABI). */
static __always_inline int setflags_record(struct pr_tracked *tr, long fd, __u32 cmd, __u64 argp,
					   __u32 syscall, long ret)
{
	struct meta_req q = {.dirfd = PR_AT_FDCWD, .dirfd2 = PR_AT_FDCWD, .user = 1};
	__u32 tid, *before, req = 0;
	__u64 b = PR_SETFLAGS_NO_BEFORE;

	tid = (__u32)bpf_get_current_pid_tgid();
	before = bpf_map_lookup_elem(&file_flags_stash, &tid);
	if (before) {
		b = *before;
		bpf_map_delete_elem(&file_flags_stash, &tid);
	}
	q.objfd = (int)fd;
	q.syscall = syscall;
	q.op = PR_META_SETFLAGS;
	/* both take a pointer whose first u32 is the flags (an int; fsx_xflags) */
	bpf_probe_read_user(&req, sizeof(req), (void *)argp);
	q.arg = req;
	if (cmd == PR_FS_IOC_FSSETXATTR)
		q.arg |= PR_SETFLAGS_XATTR;
	q.arg2 = b | (__u64)fd_inode_flags(q.objfd) << 32;
	return file_meta_record(tr, &q, ret);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_file_ioctl, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr;

	if (!is_setflags(regs)) {
		if ((__u32)PR_ARG2_DIRECT(regs) == PR_TIOCSTI)
			PR_CHAIN_EXIT(ctx, regs);
		return 0;
	}
	if (!(tr = tracked_current()))
		return 0;
	return setflags_record(tr, (int)PR_ARG1(regs), (__u32)PR_ARG2(regs), PR_ARG3(regs),
			       PR_NR_ioctl, ret);
}

#if defined(__TARGET_ARCH_x86)
/* The ia32 ioctl (54): chattr asks FS_IOC32_SETFLAGS (an int argument) or
 * FS_IOC_FSSETXATTR (the same struct fsxattr in both ABIs). */
static __always_inline bool is_setflags_ia32(struct pt_regs *regs)
{
	__u32 cmd = (__u32)regs->cx;

	return cmd == PR_FS_IOC32_SETFLAGS || cmd == PR_FS_IOC_SETFLAGS ||
	       cmd == PR_FS_IOC_FSSETXATTR;
}

/* At entry (slot 54 of sys_ia32_enter_tails), then on to the ia32 flag. */
SEC("tp_btf/sys_enter")
int BPF_PROG(tail_file_ioctl_ia32_enter, struct pt_regs *regs, long id)
{
	if (is_setflags_ia32(regs) && tracked_current())
		setflags_stash((int)(__u32)regs->bx);
	bpf_tail_call(ctx, &sys_ia32_enter, 0);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_file_ioctl_ia32, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr;

	if (!is_setflags_ia32(regs) || !(tr = tracked_current()))
		return 0;
	return setflags_record(tr, (int)(__u32)regs->bx, (__u32)regs->cx, (__u32)regs->dx,
			       PR_NR_ioctl | PR_SYSCALL_IA32, ret);
}
#endif

char LICENSE[] SEC("license") = "GPL";
