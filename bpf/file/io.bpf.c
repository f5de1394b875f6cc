/* io.bpf.c: file.read / file.write summaries from the read/write-family
 * syscalls, sendfile/splice/copy_file_range, mmap/mprotect (write-capable
 * shared mappings), flushed at close/close_range/dup2/dup3 and, through the
 * lifecycle programs, at exec and exit. I/O of folded repeated opens is
 * summed into their fold slot. ia32 read/write-family calls count through
 * tail_file_rw_ia32. Semantics: docs/EVENTS-file.md. */
#include "file/io.h"
#include "dispatch/dispatch.h"
#include "lifecycle/lifecycle.h"
#include "policy/labels.h"
#include "tls/tls.h"
#include "security/memexec.h"

/* Only files with a name a reader cares about: regular files, devices and
 * named FIFOs. Sockets (network family), anonymous pipes and anon inodes
 * (eventfd, epoll, ...) are skipped. */
__noinline int file_io_type_ok(__u64 file)
{
	struct inode *ino = RDONLY(struct file, (void *)file)->f_inode;
	__u32 mode;

	if (!ino)
		return 0;
	mode = ino->i_mode & PR_S_IFMT;
	if (mode == PR_S_IFREG || mode == PR_S_IFCHR || mode == PR_S_IFBLK)
		return 1;
	if (mode == PR_S_IFIFO)
		return ino->i_sb->s_magic != PR_PIPEFS_MAGIC;
	return 0;
}

/* ---- folding the I/O of folded repeated opens ------------------------- */

static __always_inline void io_fold_add(struct io_fold *fo, __u64 bytes, __u64 ops, __u32 uring,
					__u32 mmaps, __u32 unconf, __u64 first_ts, __u64 now)
{
	if (!fo->files || first_ts < fo->first_ts)
		fo->first_ts = first_ts;
	fo->last_ts = now;
	__sync_fetch_and_add(&fo->bytes, bytes);
	__sync_fetch_and_add(&fo->ops, ops);
	__sync_fetch_and_add(&fo->uring, uring);
	__sync_fetch_and_add(&fo->mmaps, mmaps);
	__sync_fetch_and_add(&fo->unconf, unconf);
	__sync_fetch_and_add(&fo->files, 1);
}

/* Whether an open fold slot holds the opened file (dentry, mnt). */
static __always_inline bool slot_is_file(const struct open_slot *sl, __u64 dentry, __u64 mnt)
{
	return sl->key && sl->dentry == dentry && sl->mnt == mnt;
}

struct fold_scan {
	struct open_table *tb;
	__u64 dentry, mnt;
	__s32 hit, named;
};

static long fold_scan_cb(__u64 i, void *arg)
{
	struct fold_scan *c = arg;
	struct open_slot *sl;

	if (i >= PR_FILE_OPEN_SLOTS)
		return 1;
	sl = &c->tb->s[i];
	if (!slot_is_file(sl, c->dentry, c->mnt))
		return 0;
	if (sl->repeats) {
		c->hit = i;
		return 1;
	}
	if (sl->named && c->named < 0)
		c->named = i;
	return 0;
}

/* The process's open fold slot of file f (same dentry and mount): one with
 * pending repeats if any, else one whose open record was emitted; NULL when
 * the file's open is no longer in the table. */
static __always_inline struct open_slot *open_slot_of_file(struct task_struct *t, struct file *f)
{
	struct fold_scan c = {.hit = -1, .named = -1};
	struct open_table *tb;
	struct open_slot *os;
	__u32 tgid = t->tgid;

	tb = bpf_map_lookup_elem(&file_open_tables, &tgid);
	if (!tb)
		return NULL;
	c.dentry = (__u64)BPF_CORE_READ(f, f_path.dentry);
	c.mnt = (__u64)BPF_CORE_READ(f, f_path.mnt);
	os = &tb->s[tb->hint & (PR_FILE_OPEN_SLOTS - 1)];
	if (slot_is_file(os, c.dentry, c.mnt) && (os->repeats || os->named))
		return os;
	c.tb = tb;
	bpf_loop(PR_FILE_OPEN_SLOTS, fold_scan_cb, &c, 0);
	if (c.hit < 0)
		c.hit = c.named;
	if (c.hit < 0)
		return NULL;
	return &tb->s[c.hit & (PR_FILE_OPEN_SLOTS - 1)];
}

/* A file whose opens are being folded right now (repeats pending, window
 * open) is summarised with those repeats: its closed open files' I/O is
 * added to the fold slot and emitted with the repeat record, instead of one
 * summary (and one path walk) per open/close cycle. Only complete summaries
 * fold: partial and deleted-file ones are emitted as they are (the caller
 * never passes a fd_reused one). Returns 1 when the summary was folded. */
static __always_inline int io_fold_close(struct open_slot *os, struct io_slot *sl, __u32 reason)
{
	__u64 now = sl->last_ts; /* the file's last operation: no clock read here */

	if (reason == PR_FLUSH_EVICT || reason == PR_FLUSH_PERIODIC || !os->repeats ||
	    now - os->window_start >= pr_cfg.file_open_window_ns)
		return 0;
	if (sl->rd_ops || sl->rd_mmaps)
		io_fold_add(&os->io[IO_READ], sl->rd_bytes, sl->rd_ops, sl->rd_uring, sl->rd_mmaps,
			    sl->rd_unconf, sl->first_ts, now);
	if (sl->wr_ops || sl->wr_mmaps)
		io_fold_add(&os->io[IO_WRITE], sl->wr_bytes, sl->wr_ops, sl->wr_uring, sl->wr_mmaps,
			    sl->wr_unconf, sl->first_ts, now);
	return 1;
}

/* Emit the read and/or write summary of a slot and free it. The file is
 * still referenced by the fd table (or its release is deferred to task work)
 * at every flush point, so its path is read live. */
__noinline int file_io_flush_slot(struct pr_tracked *tr, struct io_slot *sl, __u32 reason)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct pr_scratch *s = scratch_get();
	struct open_slot *os;
	struct pr_file_io *e;
	struct file *f;
	__u16 hf = 0;
	__u32 n, size;

	if (!s || !tr || !sl || !sl->file)
		return 0;
	f = (struct file *)sl->file;
	e = (void *)s->buf;
	e->agg_id = 0;
	if (reason == PR_FLUSH_REUSED)
		hf |= PR_FILE_STALE;
	if (reason == PR_FLUSH_EVICT || reason == PR_FLUSH_PERIODIC)
		hf |= PR_FILE_PARTIAL;
	if (file_dentry_unlinked(f))
		hf |= PR_FILE_DELETED;
	/* The file's open is still in the fold table: fold the summary into
	 * its repeats, or name it by the open's key instead of walking the
	 * path again (the reader has the path from the open record). */
	if (!(hf & (PR_FILE_STALE | PR_FILE_DELETED)) && (os = open_slot_of_file(t, f))) {
		if (io_fold_close(os, sl, reason)) {
			__builtin_memset(sl, 0, sizeof(*sl));
			return 0;
		}
		if (os->named) {
			e->agg_id = os->key;
			hf |= PR_FILE_NAMED;
		}
	}
	n = e->agg_id ? 0 : put_file_path(s, sizeof(*e), &f->f_path, &hf);
	size = sizeof(*e) + n;
	e->path_len = n;
	e->fd = sl->fd;
	e->reason = reason;
	e->unconfirmed = 0;
	e->files = 1;
	e->_pad = 0;
	e->first_ts = sl->first_ts;
	if (sl->rd_ops || sl->rd_mmaps) {
		fill_hdr(&e->hdr, t, PR_EV_FILE_READ, size, tr);
		e->hdr.flags = hf;
		e->bytes = sl->rd_bytes;
		e->ops = sl->rd_ops;
		e->uring_ops = sl->rd_uring;
		e->mmaps = sl->rd_mmaps;
		e->unconfirmed = sl->rd_unconf;
		ev_output(s, size, PR_EV_FILE_READ, tr);
	}
	if (sl->wr_ops || sl->wr_mmaps) {
		fill_hdr(&e->hdr, t, PR_EV_FILE_WRITE, size, tr);
		e->hdr.flags = hf;
		e->bytes = sl->wr_bytes;
		e->ops = sl->wr_ops;
		e->uring_ops = sl->wr_uring;
		e->mmaps = sl->wr_mmaps;
		e->unconfirmed = sl->wr_unconf;
		ev_output(s, size, PR_EV_FILE_WRITE, tr);
	}
	__builtin_memset(sl, 0, sizeof(*sl));
	return 0;
}
/* The bytes syscall @a moved, whichever ABI made it. */
static __always_inline void file_rw_args(struct pr_tracked *tr, const struct pr_sysargs *a,
					 long ret)
{
	struct task_struct *t = bpf_get_current_task_btf();
	long nr = a->nr;

	switch (nr) {
	case PR_NR_read:
	case PR_NR_pread64:
	case PR_NR_readv:
	case PR_NR_preadv:
	case PR_NR_preadv2:
		io_account(t, tr, (int)a->a[0], NULL, IO_READ, ret, IO_KIND_OP);
		label_io(tr, (int)a->a[0], PR_LABEL_IO_READ);
		break;
	case PR_NR_write:
	case PR_NR_pwrite64:
	case PR_NR_writev:
	case PR_NR_pwritev:
	case PR_NR_pwritev2:
		io_account(t, tr, (int)a->a[0], NULL, IO_WRITE, ret, IO_KIND_OP);
		label_io(tr, (int)a->a[0], PR_LABEL_IO_WRITE);
		break;
	case PR_NR_sendfile: /* (out_fd, in_fd, ...) */
		io_account(t, tr, (int)a->a[1], NULL, IO_READ, ret, IO_KIND_OP);
		io_account(t, tr, (int)a->a[0], NULL, IO_WRITE, ret, IO_KIND_OP);
		label_io(tr, (int)a->a[1], PR_LABEL_IO_READ);
		label_io(tr, (int)a->a[0], PR_LABEL_IO_WRITE);
		break;
	case PR_NR_splice: /* (fd_in, off_in, fd_out, ...) */
	case PR_NR_copy_file_range:
		io_account(t, tr, (int)a->a[0], NULL, IO_READ, ret, IO_KIND_OP);
		io_account(t, tr, (int)a->a[2], NULL, IO_WRITE, ret, IO_KIND_OP);
		label_io(tr, (int)a->a[0], PR_LABEL_IO_READ);
		label_io(tr, (int)a->a[2], PR_LABEL_IO_WRITE);
		break;
	}
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_file_rw, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = tracked_current();
	struct pr_sysargs a;

	if (!tr || ret < 0)
		return 0;
	sysargs_native(regs, &a);
	file_rw_args(tr, &a, ret);
	return 0;
}

/* The same calls made through the ia32 ABI (int $0x80). */
SEC("tp_btf/sys_exit")
int BPF_PROG(tail_file_rw_ia32, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = tracked_current();
	struct pr_sysargs a;

	if (!tr || ret < 0)
		return 0;
	sysargs_ia32(regs, &a);
	file_rw_args(tr, &a, ret);
	return 0;
}

/* mmap of a file: a read mapping, and a write-capable one when shared and
 * PROT_WRITE (bytes written through it are not visible to syscall hooks). */
static __always_inline int file_mmap_args(struct pr_tracked *tr, const struct pr_sysargs *a,
					  long ret)
{
	struct task_struct *t;
	__u64 prot, flags;
	int fd;

	if (!tr || (unsigned long)ret >= (unsigned long)-4095)
		return 0;
	flags = a->a[3];
	fd = (int)a->a[4];
	if ((flags & PR_MAP_ANONYMOUS) || fd < 0)
		return 0;
	prot = a->a[2];
	/* a TLS library: hooked for this process (64-bit images only: the
	 * uprobes read the x86_64 calling convention) */
	if (!a->abi)
		tls_mmap_exit(tr, fd, prot, (__u64)ret);
	t = bpf_get_current_task_btf();
	if (prot & PR_PROT_READ)
		io_account(t, tr, fd, NULL, IO_READ, 0, IO_KIND_MMAP);
	if ((prot & PR_PROT_WRITE) && ((flags & PR_MAP_TYPE) == PR_MAP_SHARED ||
				       (flags & PR_MAP_TYPE) == PR_MAP_SHARED_VALIDATE))
		io_account(t, tr, fd, NULL, IO_WRITE, 0, IO_KIND_MMAP);
	return 0;
}

/* Chains: the security family watches mmap for executable memory. */
SEC("tp_btf/sys_exit")
int BPF_PROG(tail_file_mmap, struct pt_regs *regs, long ret)
{
	struct pr_sysargs a;

	sysargs_native(regs, &a);
	file_mmap_args(tracked_current(), &a, ret);
	PR_CHAIN_EXIT(ctx, regs);
	return 0;
}

/* mprotect adding PROT_WRITE to a shared file mapping makes it
 * write-capable just like mmap would (only the mapping at addr is checked,
 * not every mapping of a multi-mapping range). */
static __always_inline int file_mprotect_args(struct pr_tracked *tr, const struct pr_sysargs *a,
					      long ret)
{
	struct vma_info v;
	struct task_struct *t;

	if (!tr || ret != 0 || !(a->a[2] & PR_PROT_WRITE))
		return 0;
	t = bpf_get_current_task_btf();
	task_vma_at(t, a->a[0], &v);
	if (!v.file || !(v.flags & PR_VM_SHARED))
		return 0;
	io_account(t, tr, -1, (struct file *)v.file, IO_WRITE, 0, IO_KIND_MMAP);
	return 0;
}

/* Chains: the security family watches mprotect for executable memory. */
SEC("tp_btf/sys_exit")
int BPF_PROG(tail_file_mprotect, struct pt_regs *regs, long ret)
{
	struct pr_sysargs a;

	sysargs_native(regs, &a);
	file_mprotect_args(tracked_current(), &a, ret);
	PR_CHAIN_EXIT(ctx, regs);
	return 0;
}

/* The ia32 mmap (90: its six arguments in a block in user memory), mmap2
 * (192: the offset in pages, which neither part reads), mprotect and
 * pkey_mprotect: this family's part, then the security family's. */
SEC("tp_btf/sys_exit")
int BPF_PROG(tail_file_mem_ia32, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = tracked_current();
	struct pr_sysargs a;

	if (!tr)
		return 0;
	sysargs_ia32(regs, &a);
	if (PR_SYSCALL_NR_DIRECT(regs) == PR_NR32_mmap) {
		__u32 w[6] = {};
		int i;

		if (bpf_probe_read_user(w, sizeof(w), (void *)a.a[0]))
			return 0;
		for (i = 0; i < 6; i++)
			a.a[i] = w[i];
	}
	if (a.nr == PR_NR_mmap)
		file_mmap_args(tr, &a, ret);
	else if (a.nr == PR_NR_mprotect)
		file_mprotect_args(tr, &a, ret);
	return sec_memexec_ia32(tr, &a, ret);
}

/* close / close_range / dup2 / dup3 at entry, while the file is alive. */
/* The summaries a close, close_range or dup2/dup3 over an open fd ends. */
static __always_inline void file_close_args(struct pr_tracked *tr, const struct pr_sysargs *a)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct io_table *tb = io_table_get(BPF_CORE_READ(t, tgid), 0);
	__u32 reason = PR_FLUSH_CLOSE;
	__s64 lo, hi;

	if (!tb)
		return;
	if (a->nr == PR_NR_close) {
		lo = hi = (int)a->a[0];
	} else if (a->nr == PR_NR_close_range) {
		if (a->a[2] & PR_CLOSE_RANGE_CLOEXEC)
			return;
		lo = (__u32)a->a[0];
		hi = (__u32)a->a[1];
		reason = PR_FLUSH_CLOSE_RANGE;
	} else if (a->nr == PR_NR_dup2 || a->nr == PR_NR_dup3) {
		lo = hi = (int)a->a[1];
		if (lo == (int)a->a[0])
			return;
		reason = PR_FLUSH_DUP;
	} else {
		return;
	}
	io_flush(t, tr, tb, FLUSH_RANGE, lo, hi, reason);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(tail_file_close, struct pt_regs *regs, long id)
{
	struct pr_tracked *tr = tracked_current();
	struct pr_sysargs a;

	if (!tr)
		return 0;
	sysargs_native(regs, &a);
	file_close_args(tr, &a);
	return 0;
}

/* The same closes through the ia32 ABI; then the ia32 program every ia32
 * syscall runs at entry (security/escape.bpf.c: first use recorded). */
SEC("tp_btf/sys_enter")
int BPF_PROG(tail_file_close_ia32, struct pt_regs *regs, long id)
{
	struct pr_tracked *tr = tracked_current();
	struct pr_sysargs a;

	if (tr) {
		sysargs_ia32(regs, &a);
		file_close_args(tr, &a);
	}
	bpf_tail_call(ctx, &sys_ia32_enter, 0);
	return 0;
}

/* ---- lifecycle (called by lifecycle/exec.bpf.c and exit.bpf.c) -------- */

struct open_flush_ctx {
	struct open_table *tb;
	struct pr_tracked *tr;
};

static long open_flush_cb(__u64 i, void *arg)
{
	struct open_flush_ctx *c = arg;

	if (i >= PR_FILE_OPEN_SLOTS)
		return 1;
	file_open_emit_repeats(c->tr, &c->tb->s[i]);
	return 0;
}

/* Emit the folded repeats of the process and drop its fold table. */
static __always_inline void open_flush_all(struct pr_tracked *tr, __u32 tgid)
{
	struct open_table *ot = bpf_map_lookup_elem(&file_open_tables, &tgid);
	struct open_flush_ctx c = {.tb = ot, .tr = tr};

	if (!ot)
		return;
	bpf_loop(PR_FILE_OPEN_SLOTS, open_flush_cb, &c, 0);
	bpf_map_delete_elem(&file_open_tables, &tgid);
}

/* exec: close-on-exec descriptors are closed by now but their files'
 * release is deferred to task work, so their paths are still valid; folded
 * opens of the old image are reported before the new image runs. */
__noinline int file_flush_exec(struct pr_tracked *tr)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__u32 tgid = t->tgid;
	struct io_table *tb;

	if (!tr)
		return 0;
	tb = io_table_get(tgid, 0);
	if (tb)
		io_flush(t, tr, tb, FLUSH_EXEC, 0, 0, PR_FLUSH_EXEC);
	open_flush_all(tr, tgid);
	return 0;
}

/* Last thread of a process: flush its I/O summaries and folded opens, then
 * drop both tables (also for untracked processes, tr NULL, so that a reused
 * tgid never inherits a stale table). */
__noinline int file_flush_exit(struct pr_tracked *tr)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__u32 tgid = t->tgid;
	struct io_table *tb;

	if (!tr) {
		bpf_map_delete_elem(&file_io_tables, &tgid);
		bpf_map_delete_elem(&file_open_tables, &tgid);
		return 0;
	}
	tb = io_table_get(tgid, 0);
	if (tb) {
		io_flush(t, tr, tb, FLUSH_ALL, 0, 0, PR_FLUSH_EXIT);
		bpf_map_delete_elem(&file_io_tables, &tgid);
	}
	open_flush_all(tr, tgid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
