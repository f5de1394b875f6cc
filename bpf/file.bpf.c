/* file.bpf.c: the file family. file.open for open/openat/openat2/creat/
 * open_by_handle_at and io_uring OPENAT/OPENAT2 (repeats of the same open
 * folded per process); file.read/file.write summaries per open file,
 * aggregated in the kernel from read/write-family syscalls, sendfile/splice/
 * copy_file_range, mmap/mprotect and io_uring submissions and completions,
 * flushed at close/close_range/dup2/exec/exit (and periodically for files
 * kept open); file.metadata for unlink/rename/link/symlink/mkdir/mknod/chmod/
 * chown/truncate/utimes/xattr syscalls and their io_uring forms.
 * Semantics: docs/EVENTS-file.md. */
#include "file.bpf.h"

/* ====================================================================== */
/* I/O summaries                                                           */
/* ====================================================================== */

#define IO_READ	 0
#define IO_WRITE 1

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
	    now - os->window_start >= file_open_window_ns)
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
	if (file_unlinked(f))
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
	n = e->agg_id ? 0 : put_path(s, sizeof(*e), &f->f_path, &hf);
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
		file_output(s, size, PR_EV_FILE_READ, tr);
	}
	if (sl->wr_ops || sl->wr_mmaps) {
		fill_hdr(&e->hdr, t, PR_EV_FILE_WRITE, size, tr);
		e->hdr.flags = hf;
		e->bytes = sl->wr_bytes;
		e->ops = sl->wr_ops;
		e->uring_ops = sl->wr_uring;
		e->mmaps = sl->wr_mmaps;
		e->unconfirmed = sl->wr_unconf;
		file_output(s, size, PR_EV_FILE_WRITE, tr);
	}
	__builtin_memset(sl, 0, sizeof(*sl));
	return 0;
}

/* Only files with a name a reader cares about: regular files, devices and
 * named FIFOs. Sockets (network family), anonymous pipes and anon inodes
 * (eventfd, epoll, ...) are skipped. */
static __always_inline int io_type_ok(struct file *f)
{
	struct inode *ino = RDONLY(struct file, f)->f_inode;
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

static __always_inline struct io_table *io_table_get(__u32 tgid, int create)
{
	struct io_table *tb = bpf_map_lookup_elem(&file_io_tables, &tgid);

	if (tb || !create)
		return tb;
	bpf_map_update_elem(&file_io_tables, &tgid, &zero_io_table, BPF_NOEXIST);
	return bpf_map_lookup_elem(&file_io_tables, &tgid);
}

struct io_scan {
	struct io_table *tb;
	__u64 file;
	__s64 fd;
	__u32 any_fd;
	__s32 hit, freei, reused, victim;
	__u64 oldest;
};

static long io_scan_cb(__u64 i, void *arg)
{
	struct io_scan *c = arg;
	struct io_slot *sl;

	if (i >= PR_FILE_IO_SLOTS)
		return 1;
	sl = &c->tb->s[i];
	if (!sl->file) {
		if (c->freei < 0)
			c->freei = i;
		return 0;
	}
	if (sl->file == c->file && (c->any_fd || sl->fd == c->fd)) {
		c->hit = i;
		return 1;
	}
	if (!c->any_fd && c->fd >= 0 && sl->fd == c->fd)
		c->reused = i;
	if (sl->last_ts < c->oldest) {
		c->oldest = sl->last_ts;
		c->victim = i;
	}
	return 0;
}

/* The slot of (fd, file), created when absent. any_fd: match the file alone
 * (io_uring completions, which no longer know the fd). A slot whose fd now
 * names another file is flushed first; a full table evicts the least
 * recently used slot with a partial summary. */
static __always_inline struct io_slot *io_slot_get(struct task_struct *t, struct pr_tracked *tr,
						   struct io_table *tb, long fd, struct file *f,
						   int any_fd, __u64 now)
{
	struct io_scan c = {.tb = tb,
			    .file = (__u64)f,
			    .fd = fd,
			    .any_fd = any_fd,
			    .hit = -1,
			    .freei = -1,
			    .reused = -1,
			    .victim = 0,
			    .oldest = ~0ull};
	struct io_slot *sl;
	__s32 i;

	/* fast path: the same open file as last time (a read loop) */
	sl = &tb->s[tb->hint & (PR_FILE_IO_SLOTS - 1)];
	if (sl->file == (__u64)f && (any_fd || sl->fd == fd))
		return sl;
	if (!tb->nused && !sl->file) /* empty table: nothing to match */
		c.freei = tb->hint & (PR_FILE_IO_SLOTS - 1);
	else
		bpf_loop(PR_FILE_IO_SLOTS, io_scan_cb, &c, 0);
	if (c.hit >= 0) {
		tb->hint = c.hit;
		return &tb->s[c.hit & (PR_FILE_IO_SLOTS - 1)];
	}
	if (c.reused >= 0) {
		i = c.reused;
		file_io_flush_slot(tr, &tb->s[i & (PR_FILE_IO_SLOTS - 1)], PR_FLUSH_REUSED);
	} else if (c.freei >= 0) {
		i = c.freei;
		__sync_fetch_and_add(&tb->nused, 1);
	} else {
		i = c.victim;
		file_io_flush_slot(tr, &tb->s[i & (PR_FILE_IO_SLOTS - 1)], PR_FLUSH_EVICT);
	}
	sl = &tb->s[i & (PR_FILE_IO_SLOTS - 1)];
	__builtin_memset(sl, 0, sizeof(*sl));
	sl->file = (__u64)f;
	sl->fd = any_fd ? -1 : fd;
	sl->first_ts = now;
	sl->last_ts = now;
	tb->hint = i;
	return sl;
}

#define IO_KIND_OP    0
#define IO_KIND_URING 1
#define IO_KIND_MMAP  2

/* Account one successful operation (or mapping) on fd / f. */
static __always_inline void io_account(struct task_struct *t, struct pr_tracked *tr, long fd,
				       struct file *f, int write, __u64 bytes, int kind)
{
	__u32 tgid = t->tgid;
	__u64 now = bpf_ktime_get_boot_ns();
	struct io_table *tb;
	struct io_slot *sl;

	if (!f)
		f = fd_file(t, fd);
	if (!f || !io_type_ok(f))
		return;
	tb = io_table_get(tgid, 1);
	if (!tb) {
		count_drop(write ? PR_EV_FILE_WRITE : PR_EV_FILE_READ, tr->session_key);
		return;
	}
	sl = io_slot_get(t, tr, tb, fd, f, fd < 0, now);
	if (now - sl->first_ts > file_io_period_ns) {
		__s32 sfd = sl->fd;
		file_io_flush_slot(tr, sl, PR_FLUSH_PERIODIC);
		sl->file = (__u64)f;
		sl->fd = sfd;
		sl->first_ts = now;
	}
	sl->last_ts = now;
	if (kind == IO_KIND_MMAP) {
		if (write)
			__sync_fetch_and_add(&sl->wr_mmaps, 1);
		else
			__sync_fetch_and_add(&sl->rd_mmaps, 1);
		return;
	}
	if (write) {
		__sync_fetch_and_add(&sl->wr_bytes, bytes);
		__sync_fetch_and_add(&sl->wr_ops, 1);
		if (kind == IO_KIND_URING)
			__sync_fetch_and_add(&sl->wr_uring, 1);
	} else {
		__sync_fetch_and_add(&sl->rd_bytes, bytes);
		__sync_fetch_and_add(&sl->rd_ops, 1);
		if (kind == IO_KIND_URING)
			__sync_fetch_and_add(&sl->rd_uring, 1);
	}
}

#define FLUSH_RANGE 0 /* slots with lo <= fd <= hi */
#define FLUSH_EXEC  1 /* slots whose fd no longer names their file */
#define FLUSH_ALL   2

struct io_flush_ctx {
	struct io_table *tb;
	struct task_struct *t;
	struct pr_tracked *tr;
	__s64 lo, hi;
	__u32 mode, reason;
};

static long io_flush_cb(__u64 i, void *arg)
{
	struct io_flush_ctx *c = arg;
	struct io_slot *sl;

	if (i >= PR_FILE_IO_SLOTS)
		return 1;
	sl = &c->tb->s[i];
	if (!sl->file)
		return 0;
	if (c->mode == FLUSH_RANGE && (sl->fd < c->lo || sl->fd > c->hi))
		return 0;
	if (c->mode == FLUSH_EXEC && (sl->fd < 0 || (__u64)fd_file(c->t, sl->fd) == sl->file))
		return 0;
	file_io_flush_slot(c->tr, sl, c->reason);
	if (c->tb->nused)
		__sync_fetch_and_add(&c->tb->nused, -1);
	return 0;
}

static __always_inline void io_flush(struct task_struct *t, struct pr_tracked *tr,
				     struct io_table *tb, __u32 mode, __s64 lo, __s64 hi,
				     __u32 reason)
{
	struct io_flush_ctx c = {
		.tb = tb, .t = t, .tr = tr, .lo = lo, .hi = hi, .mode = mode, .reason = reason};
	__u32 h = tb->hint & (PR_FILE_IO_SLOTS - 1);

	if (!tb->nused)
		return;
	/* one file in use and it is the one closed (open/read/close loops) */
	if (mode == FLUSH_RANGE && lo == hi && tb->nused == 1 && tb->s[h].file &&
	    tb->s[h].fd == lo) {
		io_flush_cb(h, &c);
		return;
	}
	bpf_loop(PR_FILE_IO_SLOTS, io_flush_cb, &c, 0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_file_rw, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = tracked_current();
	struct task_struct *t;
	long nr;

	if (!tr || ret < 0)
		return 0;
	t = bpf_get_current_task_btf();
	nr = PR_SYSCALL_NR_DIRECT(regs);
	switch (nr) {
	case NR_read:
	case NR_pread64:
	case NR_readv:
	case NR_preadv:
	case NR_preadv2:
		io_account(t, tr, (int)PR_ARG1(regs), NULL, IO_READ, ret, IO_KIND_OP);
		break;
	case NR_write:
	case NR_pwrite64:
	case NR_writev:
	case NR_pwritev:
	case NR_pwritev2:
		io_account(t, tr, (int)PR_ARG1(regs), NULL, IO_WRITE, ret, IO_KIND_OP);
		break;
	case NR_sendfile: /* (out_fd, in_fd, ...) */
		io_account(t, tr, (int)PR_ARG2(regs), NULL, IO_READ, ret, IO_KIND_OP);
		io_account(t, tr, (int)PR_ARG1(regs), NULL, IO_WRITE, ret, IO_KIND_OP);
		break;
	case NR_splice: /* (fd_in, off_in, fd_out, ...) */
	case NR_copy_file_range:
		io_account(t, tr, (int)PR_ARG1(regs), NULL, IO_READ, ret, IO_KIND_OP);
		io_account(t, tr, (int)PR_ARG3(regs), NULL, IO_WRITE, ret, IO_KIND_OP);
		break;
	}
	return 0;
}

/* mmap of a file: a read mapping, and a write-capable one when shared and
 * PROT_WRITE (bytes written through it are not visible to syscall hooks). */
static __always_inline int file_mmap_exit(struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = tracked_current();
	struct task_struct *t;
	__u64 prot, flags;
	int fd;

	if (!tr || (unsigned long)ret >= (unsigned long)-4095)
		return 0;
	flags = PR_ARG4(regs);
	fd = (int)PR_ARG5(regs);
	if ((flags & PR_MAP_ANONYMOUS) || fd < 0)
		return 0;
	prot = PR_ARG3(regs);
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
	file_mmap_exit(regs, ret);
	PR_CHAIN_EXIT(ctx, regs);
	return 0;
}

struct vma_probe {
	__u64 file;
	__u64 flags;
};

static long vma_probe_cb(struct task_struct *task, struct vm_area_struct *vma, void *arg)
{
	struct vma_probe *v = arg;

	v->file = (__u64)vma->vm_file;
	v->flags = vma->vm_flags;
	return 0;
}

/* mprotect adding PROT_WRITE to a shared file mapping makes it
 * write-capable just like mmap would (only the mapping at addr is checked,
 * not every mapping of a multi-mapping range). */
static __always_inline int file_mprotect_exit(struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = tracked_current();
	struct vma_probe v = {};
	struct task_struct *t;

	if (!tr || ret != 0 || !(PR_ARG3(regs) & PR_PROT_WRITE))
		return 0;
	t = bpf_get_current_task_btf();
	if (bpf_find_vma(t, PR_ARG1(regs), vma_probe_cb, &v, 0) || !v.file ||
	    !(v.flags & PR_VM_SHARED))
		return 0;
	io_account(t, tr, -1, (struct file *)v.file, IO_WRITE, 0, IO_KIND_MMAP);
	return 0;
}

/* Chains: the security family watches mprotect for executable memory. */
SEC("tp_btf/sys_exit")
int BPF_PROG(tail_file_mprotect, struct pt_regs *regs, long ret)
{
	file_mprotect_exit(regs, ret);
	PR_CHAIN_EXIT(ctx, regs);
	return 0;
}

/* close / close_range / dup2 / dup3 at entry, while the file is alive. */
SEC("tp_btf/sys_enter")
int BPF_PROG(tail_file_close, struct pt_regs *regs, long id)
{
	struct pr_tracked *tr = tracked_current();
	struct task_struct *t;
	struct io_table *tb;
	__s64 lo, hi;
	__u32 reason = PR_FLUSH_CLOSE;

	if (!tr)
		return 0;
	t = bpf_get_current_task_btf();
	tb = io_table_get(BPF_CORE_READ(t, tgid), 0);
	if (!tb)
		return 0;
	if (id == NR_close) {
		lo = hi = (int)PR_ARG1(regs);
	} else if (id == NR_close_range) {
		if (PR_ARG3(regs) & PR_CLOSE_RANGE_CLOEXEC)
			return 0;
		lo = (__u32)PR_ARG1(regs);
		hi = (__u32)PR_ARG2(regs);
		reason = PR_FLUSH_CLOSE_RANGE;
	} else {
		lo = hi = (int)PR_ARG2(regs);
		if (lo == (int)PR_ARG1(regs))
			return 0;
		reason = PR_FLUSH_DUP;
	}
	io_flush(t, tr, tb, FLUSH_RANGE, lo, hi, reason);
	return 0;
}

/* ====================================================================== */
/* file.open                                                               */
/* ====================================================================== */

struct open_req {
	const char *name;  /* user string, or kernel memory when !name_user */
	struct file *file; /* success: the opened file (NULL: look up ret) */
	__s64 dirfd;
	__u64 flags, mode, resolve;
	__u32 syscall;
	__u16 hflags;
	__u16 name_user;
};

#define URING_BIT 0x80000000u

/* Emit the I/O folded into a slot (one direction) as a PR_FILE_FOLDED
 * summary, named by the slot's key like the repeat record before it. */
static __always_inline void open_emit_io(struct task_struct *t, struct pr_tracked *tr,
					 struct open_slot *sl, int dir)
{
	struct io_fold *fo = &sl->io[dir & 1];
	__u16 type = dir ? PR_EV_FILE_WRITE : PR_EV_FILE_READ;
	struct pr_file_io *e;

	if (!fo->files)
		return;
	e = ev_reserve(sizeof(*e), type, tr);
	if (e) {
		fill_hdr(&e->hdr, t, type, sizeof(*e), tr);
		e->hdr.flags = PR_FILE_FOLDED;
		e->hdr.ts_ns = fo->last_ts;
		e->bytes = fo->bytes;
		e->ops = fo->ops;
		e->first_ts = fo->first_ts;
		e->uring_ops = fo->uring;
		e->fd = -1;
		e->mmaps = fo->mmaps;
		e->path_len = 0;
		e->reason = PR_FLUSH_FOLDED;
		e->unconfirmed = fo->unconf;
		e->agg_id = sl->key;
		e->files = fo->files;
		e->_pad = 0;
		ev_submit(e);
	}
	__builtin_memset(fo, 0, sizeof(*fo));
}

/* Emit the folded repeats of a slot as one PR_FILE_REPEAT record, followed
 * by the I/O of their open files. A global function: verified once per
 * program instead of once per call site (load time). Runs in the context of
 * the process whose slot it is (its exec/exit hooks included). */
__noinline int file_open_emit_repeats(struct pr_tracked *tr, struct open_slot *sl)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct pr_file_open *e;
	__u32 n;

	if (!tr || !sl)
		return 0;
	n = sl->repeats;
	if (n) {
		sl->repeats = 0;
		e = ev_reserve(sizeof(*e), PR_EV_FILE_OPEN, tr);
		if (e) {
			fill_hdr(&e->hdr, t, PR_EV_FILE_OPEN, sizeof(*e), tr);
			e->hdr.flags =
				PR_FILE_REPEAT | ((sl->syscall & URING_BIT) ? PR_FILE_IO_URING : 0);
			e->hdr.ts_ns = sl->last_rep;
			e->ret = sl->ret;
			e->flags = sl->flags;
			e->resolve = 0;
			e->agg_id = sl->key;
			e->first_ts = sl->first_rep;
			e->mode = 0;
			e->count = n;
			e->syscall = sl->syscall & ~URING_BIT;
			e->path_len = e->dir_len = e->name_len = 0;
			e->_pad = 0;
			e->_pad2 = 0;
			ev_submit(e);
		}
	}
	open_emit_io(t, tr, sl, IO_READ);
	open_emit_io(t, tr, sl, IO_WRITE);
	return 0;
}

struct open_scan {
	struct open_table *tb;
	struct pr_tracked *tr;
	__u64 key, oldest, now;
	__s32 hit, victim;
};

/* Finds the slot of the key and the oldest slot; on the way, emits the
 * repeats of every other slot whose window has closed, so that folded opens
 * are reported at the process's next open after the window (or at exec /
 * exit / eviction), never held indefinitely. */
static long open_scan_cb(__u64 i, void *arg)
{
	struct open_scan *c = arg;
	struct open_slot *sl;

	if (i >= PR_FILE_OPEN_SLOTS)
		return 1;
	sl = &c->tb->s[i];
	if (sl->key == c->key) {
		c->hit = i;
		return 0;
	}
	if (sl->repeats && c->now - sl->window_start >= file_open_window_ns)
		file_open_emit_repeats(c->tr, sl);
	if (sl->window_start < c->oldest) {
		c->oldest = sl->window_start;
		c->victim = i;
	}
	return 0;
}

#define FOLD_EMIT     0
#define FOLD_FOLDED   1
#define FOLD_UNFOLDED 2

static __always_inline int open_fold_one(struct open_slot *sl, __u64 now)
{
	if (!sl->repeats)
		sl->first_rep = now;
	sl->last_rep = now;
	__sync_fetch_and_add(&sl->repeats, 1);
	return FOLD_FOLDED;
}

/* Decide whether this open is a repeat to fold (see EVENTS-file.md). */
static __always_inline int open_fold(struct task_struct *t, struct pr_tracked *tr, __u64 key,
				     const struct open_req *q, long ret, struct file *f, __u64 now)
{
	__u32 tgid = t->tgid;
	struct open_scan c = {
		.tr = tr, .key = key, .now = now, .oldest = ~0ull, .hit = -1, .victim = 0};
	struct open_table *tb;
	struct open_slot *sl;

	tb = bpf_map_lookup_elem(&file_open_tables, &tgid);
	if (!tb) {
		bpf_map_update_elem(&file_open_tables, &tgid, &zero_open_table, BPF_NOEXIST);
		tb = bpf_map_lookup_elem(&file_open_tables, &tgid);
		if (!tb)
			return FOLD_UNFOLDED;
	}
	sl = &tb->s[tb->hint & (PR_FILE_OPEN_SLOTS - 1)];
	if (sl->key == key && now - sl->window_start < file_open_window_ns)
		return open_fold_one(sl, now);
	c.tb = tb;
	bpf_loop(PR_FILE_OPEN_SLOTS, open_scan_cb, &c, 0);
	if (c.hit >= 0) {
		tb->hint = c.hit;
		sl = &tb->s[c.hit & (PR_FILE_OPEN_SLOTS - 1)];
		if (now - sl->window_start < file_open_window_ns)
			return open_fold_one(sl, now);
		file_open_emit_repeats(tr, sl);
		sl->window_start = now;
		sl->named = f != NULL;
		return FOLD_EMIT;
	}
	tb->hint = c.victim;
	sl = &tb->s[c.victim & (PR_FILE_OPEN_SLOTS - 1)];
	file_open_emit_repeats(tr, sl);
	sl->key = key;
	sl->window_start = now;
	sl->first_rep = sl->last_rep = 0;
	sl->flags = q->flags;
	sl->ret = ret;
	sl->dentry = f ? (__u64)BPF_CORE_READ(f, f_path.dentry) : 0;
	sl->mnt = f ? (__u64)BPF_CORE_READ(f, f_path.mnt) : 0;
	sl->named = f != NULL; /* cleared again if the record is not emitted whole */
	sl->syscall = q->syscall | ((q->hflags & PR_FILE_IO_URING) ? URING_BIT : 0);
	return FOLD_EMIT;
}

/* The open record of key was lost or its path is cut: summaries of the
 * file must walk their own path. The key's slot is the hint (just set). */
static __always_inline void open_unname(struct task_struct *t, __u64 key)
{
	__u32 tgid = t->tgid;
	struct open_table *tb = bpf_map_lookup_elem(&file_open_tables, &tgid);
	struct open_slot *sl;

	if (!tb)
		return;
	sl = &tb->s[tb->hint & (PR_FILE_OPEN_SLOTS - 1)];
	if (sl->key == key)
		sl->named = 0;
}

/* One open result: fold or emit. data = path\0 name\0 dir\0. */
__noinline int file_open_record(struct pr_tracked *tr, const struct open_req *q, long ret)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct pr_scratch *s = scratch_get();
	struct pr_file_open *e;
	struct file *f = NULL;
	__u64 key, dir_id = 0, now = bpf_ktime_get_boot_ns();
	__u16 hf = q->hflags;
	__u32 off, n = 0, name_off;
	const struct path *dp;
	int fold;

	if (!s || !tr || !q)
		return 0;
	e = (void *)s->buf;
	off = sizeof(*e);
	e->path_len = e->name_len = e->dir_len = 0;
	/* No file to walk (an fd closed at once by another thread, or an
	 * io_uring fixed-file open): report the name, like a failure. */
	if (ret >= 0)
		f = q->file ? q->file : fd_file(t, ret);
	if (f) {
		key = mix64(mix64((__u64)BPF_CORE_READ(f, f_path.dentry),
				  (__u64)BPF_CORE_READ(f, f_path.mnt)),
			    q->flags);
	} else {
		n = put_str(s, off, q->name, q->name_user, &hf);
		if (is_relative(s, off, n) && (dp = dir_of(t, q->dirfd)))
			dir_id = (__u64)BPF_CORE_READ(dp, dentry);
		key = mix64(mix64(mix64(hash_scratch(off, n), dir_id), q->flags), ret);
	}
	key |= 1;
	fold = open_fold(t, tr, key, q, ret, f, now);
	if (fold == FOLD_FOLDED)
		return 0;
	if (fold == FOLD_UNFOLDED)
		hf |= PR_FILE_UNFOLDED;
	if (f) {
		if (file_unlinked(f))
			hf |= PR_FILE_DELETED;
		n = put_path(s, off, &f->f_path, &hf);
		e->path_len = n;
		off += n;
		n = put_str(s, off, q->name, q->name_user, &hf);
		e->name_len = n;
		off += n;
	} else {
		name_off = off;
		e->name_len = n;
		off += n;
		if (is_relative(s, name_off, n)) {
			n = put_dir(s, off, t, q->dirfd, &hf);
			e->dir_len = n;
			off += n;
		}
	}
	e->ret = ret;
	e->flags = q->flags;
	e->resolve = q->resolve;
	e->agg_id = key;
	e->first_ts = now;
	e->mode = q->mode;
	e->count = 1;
	e->syscall = q->syscall;
	e->_pad = 0;
	e->_pad2 = 0;
	fill_hdr(&e->hdr, t, PR_EV_FILE_OPEN, off, tr);
	e->hdr.flags = hf;
	if ((file_output(s, off, PR_EV_FILE_OPEN, tr) ||
	     (hf & (PR_FILE_PATH_TRUNC | PR_FILE_DELETED))) &&
	    fold == FOLD_EMIT)
		open_unname(t, key);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_file_open, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = tracked_current();
	struct open_req q = {.dirfd = PR_AT_FDCWD, .name_user = 1};
	struct open_how how = {};
	long nr;

	if (!tr)
		return 0;
	nr = PR_SYSCALL_NR_DIRECT(regs);
	q.syscall = nr;
	if (nr == NR_open) {
		q.name = (const char *)PR_ARG1(regs);
		q.flags = (__u32)PR_ARG2(regs);
		q.mode = (__u32)PR_ARG3(regs);
	} else if (nr == NR_creat) {
		q.name = (const char *)PR_ARG1(regs);
		q.flags = PR_O_CREAT | PR_O_WRONLY | PR_O_TRUNC;
		q.mode = (__u32)PR_ARG2(regs);
	} else if (nr == NR_openat) {
		q.dirfd = (int)PR_ARG1(regs);
		q.name = (const char *)PR_ARG2(regs);
		q.flags = (__u32)PR_ARG3(regs);
		q.mode = (__u32)PR_ARG4(regs);
	} else if (nr == NR_open_by_handle_at) { /* (mount_fd, handle, flags): no name */
		q.dirfd = (int)PR_ARG1(regs);
		q.flags = (__u32)PR_ARG3(regs);
	} else { /* openat2(dirfd, name, how, size) */
		q.dirfd = (int)PR_ARG1(regs);
		q.name = (const char *)PR_ARG2(regs);
		bpf_probe_read_user(&how, sizeof(how), (void *)PR_ARG3(regs));
		q.flags = how.flags;
		q.mode = how.mode;
		q.resolve = how.resolve;
	}
	return file_open_record(tr, &q, ret);
}

/* ====================================================================== */
/* file.metadata                                                           */
/* ====================================================================== */

struct meta_req {
	const char *name, *name2, *xattr; /* user strings (or kernel, !user) */
	__s64 dirfd, dirfd2;
	__s64 objfd;   /* >= 0: object 1 is this fd's file */
	__u64 objfile; /* else, when set: object 1 is this struct file */
	__u64 arg, arg2;
	__u32 syscall;
	__u16 op;
	__u8 name_raw; /* object 1 is not a path (symlink contents) */
	__u8 user;
	__u16 hflags;
};

/* data = path\0 name\0 dir\0 name2\0 dir2\0 xattr\0 */
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
		n = put_path(s, off, &f->f_path, &hf);
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
	file_output(s, off, PR_EV_FILE_META, tr);
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
static __always_inline void meta_object(struct meta_req *q, long nr, struct pt_regs *regs)
{
	switch (nr) {
	case NR_unlink:
	case NR_rmdir:
	case NR_mkdir:
	case NR_mknod:
	case NR_chmod:
	case NR_chown:
	case NR_lchown:
	case NR_truncate:
	case NR_utime:
	case NR_utimes:
	case NR_setxattr:
	case NR_lsetxattr:
	case NR_removexattr:
	case NR_lremovexattr: q->name = (const char *)PR_ARG1(regs); break;
	case NR_fchmod:
	case NR_fchown:
	case NR_ftruncate:
	case NR_fsetxattr:
	case NR_fremovexattr: q->objfd = (int)PR_ARG1(regs); break;
	default: /* *at(dirfd, name, ...) */
		q->dirfd = (int)PR_ARG1(regs);
		q->name = (const char *)PR_ARG2(regs);
	}
}

/* Arguments of the syscalls that create, remove or rename names. */
static __always_inline int meta_names(struct meta_req *q, long nr, struct pt_regs *regs)
{
	switch (nr) {
	case NR_unlink:
	case NR_unlinkat:
		q->op = PR_META_UNLINK;
		meta_object(q, nr, regs);
		if (nr == NR_unlinkat && (PR_ARG3(regs) & PR_AT_REMOVEDIR))
			q->op = PR_META_RMDIR;
		break;
	case NR_rmdir:
		q->op = PR_META_RMDIR;
		meta_object(q, nr, regs);
		break;
	case NR_rename:
	case NR_link:
		q->op = nr == NR_rename ? PR_META_RENAME : PR_META_LINK;
		q->name = (const char *)PR_ARG1(regs);
		q->name2 = (const char *)PR_ARG2(regs);
		break;
	case NR_renameat:
	case NR_renameat2:
	case NR_linkat:
		q->op = nr == NR_linkat ? PR_META_LINK : PR_META_RENAME;
		q->dirfd = (int)PR_ARG1(regs);
		q->name = (const char *)PR_ARG2(regs);
		q->dirfd2 = (int)PR_ARG3(regs);
		q->name2 = (const char *)PR_ARG4(regs);
		if (nr != NR_renameat)
			q->arg = (__u32)PR_ARG5(regs);
		if (nr == NR_linkat)
			meta_empty_path(q, q->arg);
		break;
	case NR_symlink:
		q->op = PR_META_SYMLINK;
		q->name_raw = 1;
		q->name = (const char *)PR_ARG1(regs);
		q->name2 = (const char *)PR_ARG2(regs);
		break;
	case NR_symlinkat:
		q->op = PR_META_SYMLINK;
		q->name_raw = 1;
		q->name = (const char *)PR_ARG1(regs);
		q->dirfd2 = (int)PR_ARG2(regs);
		q->name2 = (const char *)PR_ARG3(regs);
		break;
	case NR_mkdir:
	case NR_mknod:
		q->op = nr == NR_mkdir ? PR_META_MKDIR : PR_META_MKNOD;
		meta_object(q, nr, regs);
		q->arg = (__u32)PR_ARG2(regs);
		break;
	case NR_mkdirat:
	case NR_mknodat:
		q->op = nr == NR_mkdirat ? PR_META_MKDIR : PR_META_MKNOD;
		meta_object(q, nr, regs);
		q->arg = (__u32)PR_ARG3(regs);
		break;
	default: return 0;
	}
	return 1;
}

/* Arguments of the syscalls that change a file's attributes or size. */
static __always_inline int meta_attrs(struct meta_req *q, long nr, struct pt_regs *regs)
{
	switch (nr) {
	case NR_chmod:
	case NR_fchmod:
		q->op = PR_META_CHMOD;
		meta_object(q, nr, regs);
		q->arg = (__u32)PR_ARG2(regs);
		break;
	case NR_fchmodat:
	case NR_fchmodat2:
		q->op = PR_META_CHMOD;
		meta_object(q, nr, regs);
		q->arg = (__u32)PR_ARG3(regs);
		if (nr == NR_fchmodat2)
			meta_empty_path(q, PR_ARG4(regs));
		break;
	case NR_chown:
	case NR_lchown:
	case NR_fchown:
		q->op = PR_META_CHOWN;
		meta_object(q, nr, regs);
		q->arg = (__u32)PR_ARG2(regs);
		q->arg2 = (__u32)PR_ARG3(regs);
		break;
	case NR_fchownat:
		q->op = PR_META_CHOWN;
		meta_object(q, nr, regs);
		q->arg = (__u32)PR_ARG3(regs);
		q->arg2 = (__u32)PR_ARG4(regs);
		meta_empty_path(q, PR_ARG5(regs));
		break;
	case NR_truncate:
	case NR_ftruncate:
		q->op = PR_META_TRUNCATE;
		meta_object(q, nr, regs);
		q->arg = PR_ARG2(regs);
		break;
	case NR_utime:
	case NR_utimes:
		q->op = PR_META_UTIMES;
		meta_object(q, nr, regs);
		q->arg = PR_ARG2(regs) != 0;
		break;
	case NR_futimesat:
	case NR_utimensat:
		q->op = PR_META_UTIMES;
		meta_object(q, nr, regs);
		q->arg = PR_ARG3(regs) != 0;
		meta_empty_path(q, nr == NR_utimensat ? PR_ARG4(regs) : 0);
		break;
	case NR_setxattr:
	case NR_lsetxattr:
	case NR_fsetxattr:
		q->op = PR_META_SETXATTR;
		meta_object(q, nr, regs);
		q->xattr = (const char *)PR_ARG2(regs);
		q->arg = (__u32)PR_ARG5(regs);
		q->arg2 = PR_ARG4(regs);
		break;
	case NR_removexattr:
	case NR_lremovexattr:
	case NR_fremovexattr:
		q->op = PR_META_REMOVEXATTR;
		meta_object(q, nr, regs);
		q->xattr = (const char *)PR_ARG2(regs);
		break;
	case NR_setxattrat:    /* (dfd, path, at_flags, name, args, size) */
	case NR_removexattrat: /* (dfd, path, at_flags, name) */
		q->op = nr == NR_setxattrat ? PR_META_SETXATTR : PR_META_REMOVEXATTR;
		meta_object(q, nr, regs);
		meta_empty_path(q, PR_ARG3(regs));
		q->xattr = (const char *)PR_ARG4(regs);
		if (nr == NR_setxattrat) {
			struct {
				__u64 value;
				__u32 size, flags;
			} xa = {};
			bpf_probe_read_user(&xa, sizeof(xa), (void *)PR_ARG5(regs));
			q->arg = xa.flags;
			q->arg2 = xa.size;
		}
		break;
	default: return 0;
	}
	return 1;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_file_meta, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = tracked_current();
	struct meta_req q = {.dirfd = PR_AT_FDCWD, .dirfd2 = PR_AT_FDCWD, .objfd = -1, .user = 1};
	long nr;

	if (!tr)
		return 0;
	nr = PR_SYSCALL_NR_DIRECT(regs);
	q.syscall = nr;
	if (!meta_names(&q, nr, regs) && !meta_attrs(&q, nr, regs))
		return 0;
	return file_meta_record(tr, &q, ret);
}

/* ====================================================================== */
/* io_uring                                                                */
/* ====================================================================== */

/* Names of an io_uring open or namespace operation, copied at submission
 * (the kernel frees its struct filename before the completion). */
struct uring_stash {
	__u64 flags, mode, resolve;
	__s32 dfd, dfd2;
	__u32 file_slot, op_flags;
	__u16 hflags;
	__u16 _pad[3];
	char name[PR_PATH_CAP];
	char name2[PR_PATH_CAP];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, __u64); /* struct io_kiocb * */
	__type(value, struct uring_stash);
} file_uring_stash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct uring_stash);
} file_uring_tmp SEC(".maps");

#define IOU_READV		 1
#define IOU_WRITEV		 2
#define IOU_READ_FIXED		 4
#define IOU_WRITE_FIXED		 5
#define IOU_CONNECT		 16
#define IOU_OPENAT		 18
#define IOU_CLOSE		 19
#define IOU_READ		 22
#define IOU_WRITE		 23
#define IOU_OPENAT2		 28
#define IOU_SPLICE		 30
#define IOU_TEE			 33
#define IOU_SPLICE_F_FD_IN_FIXED (1u << 31)
#define IOU_RENAMEAT		 35
#define IOU_UNLINKAT		 36
#define IOU_MKDIRAT		 37
#define IOU_SYMLINKAT		 38
#define IOU_LINKAT		 39
#define IOU_READ_MULTISHOT	 49
#define IOU_FSETXATTR		 41
#define IOU_SETXATTR		 42
#define IOU_FTRUNCATE		 55
#define IOU_READV_FIXED		 60
#define IOU_WRITEV_FIXED	 61
#define IOU_FIXED_FILE		 1ull  /* REQ_F_FIXED_FILE */
#define IOU_CQE_SKIP		 64ull /* REQ_F_CQE_SKIP */

/* Operations whose names are stashed at submission. */
static __always_inline int uring_is_named_op(__u32 op)
{
	return op == IOU_OPENAT || op == IOU_OPENAT2 || op == IOU_UNLINKAT || op == IOU_MKDIRAT ||
	       op == IOU_RENAMEAT || op == IOU_LINKAT || op == IOU_SYMLINKAT ||
	       op == IOU_SETXATTR || op == IOU_FSETXATTR || op == IOU_CONNECT;
}

static __always_inline int uring_is_read(__u32 op)
{
	return op == IOU_READ || op == IOU_READV || op == IOU_READ_FIXED ||
	       op == IOU_READ_MULTISHOT || op == IOU_READV_FIXED;
}

static __always_inline int uring_is_write(__u32 op)
{
	return op == IOU_WRITE || op == IOU_WRITEV || op == IOU_WRITE_FIXED ||
	       op == IOU_WRITEV_FIXED;
}

static __always_inline void stash_name(char *dst, struct filename *fn)
{
	const char *p = BPF_CORE_READ(fn, name);

	dst[0] = 0;
	if (p)
		bpf_probe_read_kernel_str(dst, PR_PATH_CAP, p);
}

/* Copy what the completion will need; the request's own copy of the
 * pathname is freed by then. */
static __always_inline void uring_stash_names(struct io_kiocb *req, __u32 op)
{
	__u32 zero = 0;
	__u64 key = (__u64)req;
	struct uring_stash *st = bpf_map_lookup_elem(&file_uring_tmp, &zero);

	if (!st)
		return;
	st->name[0] = st->name2[0] = 0;
	st->file_slot = 0;
	st->flags = st->mode = st->resolve = 0;
	st->dfd = st->dfd2 = PR_AT_FDCWD;
	st->op_flags = 0;
	st->hflags = 0;
	if (op == IOU_OPENAT || op == IOU_OPENAT2) {
		struct io_open *o = (void *)req;
		st->dfd = BPF_CORE_READ(o, dfd);
		st->file_slot = BPF_CORE_READ(o, file_slot);
		st->flags = BPF_CORE_READ(o, how.flags);
		st->mode = BPF_CORE_READ(o, how.mode);
		st->resolve = BPF_CORE_READ(o, how.resolve);
		stash_name(st->name, BPF_CORE_READ(o, filename));
	} else if (op == IOU_UNLINKAT) {
		struct io_unlink *u = (void *)req;
		st->dfd = BPF_CORE_READ(u, dfd);
		st->op_flags = BPF_CORE_READ(u, flags);
		stash_name(st->name, BPF_CORE_READ(u, filename));
	} else if (op == IOU_MKDIRAT) {
		struct io_mkdir *m = (void *)req;
		st->dfd = BPF_CORE_READ(m, dfd);
		st->mode = BPF_CORE_READ(m, mode);
		stash_name(st->name, BPF_CORE_READ(m, filename));
	} else if (op == IOU_CONNECT) {
		/* the peer sockaddr, from the caller's memory, and the fd */
		struct io_connect *cn = (void *)req;
		void *ua = BPF_CORE_READ(cn, addr);
		st->dfd = BPF_CORE_READ(req, cqe.fd);
		st->op_flags = BPF_CORE_READ(cn, addr_len);
		if (bpf_probe_read_user(st->name, 112, ua) && bpf_probe_read_user(st->name, 28, ua))
			st->op_flags = 0;
	} else if (op == IOU_SETXATTR || op == IOU_FSETXATTR) {
		struct io_xattr *x = (void *)req;
		struct xattr_name *kn = BPF_CORE_READ(x, ctx.kname);
		st->mode = BPF_CORE_READ(x, ctx.size);
		st->op_flags = BPF_CORE_READ(x, ctx.flags);
		if (op == IOU_SETXATTR)
			stash_name(st->name, BPF_CORE_READ(x, filename));
		if (kn)
			bpf_probe_read_kernel_str(st->name2, PR_XATTR_NAME_CAP, kn->name);
	} else { /* RENAMEAT, LINKAT, SYMLINKAT share struct io_rename's layout */
		struct io_rename *r = (void *)req;
		st->dfd = BPF_CORE_READ(r, old_dfd);
		st->dfd2 = BPF_CORE_READ(r, new_dfd);
		st->op_flags = BPF_CORE_READ(r, flags);
		stash_name(st->name, BPF_CORE_READ(r, oldpath));
		stash_name(st->name2, BPF_CORE_READ(r, newpath));
	}
	bpf_map_update_elem(&file_uring_stash, &key, st, BPF_ANY);
}

/* The file in slot idx of the ring's registered-file table (low bits of
 * file_ptr are flags: FFS_NOWAIT, FFS_ISREG). */
static __always_inline struct file *uring_fixed_file(struct io_kiocb *req, __u32 idx)
{
	struct io_ring_ctx *ctx = BPF_CORE_READ(req, ctx);
	struct io_rsrc_node **nodes = BPF_CORE_READ(ctx, file_table.data.nodes);
	struct io_rsrc_node *node = NULL;

	if (idx >= BPF_CORE_READ(ctx, file_table.data.nr))
		return NULL;
	bpf_probe_read_kernel(&node, sizeof(node), &nodes[idx]);
	if (!node)
		return NULL;
	return (struct file *)(BPF_CORE_READ(node, file_ptr) & ~3ul);
}

/* A request submitted with IOSQE_CQE_SKIP_SUCCESS posts no completion when
 * it succeeds, so it is counted at submission: one operation, the requested
 * length as bytes (vectored requests: 0), flagged as unconfirmed. */
static __always_inline void uring_count_unconfirmed(struct io_slot *sl, struct io_kiocb *req,
						    __u32 op)
{
	struct io_rw *rw = (void *)req;
	__u64 len = 0;

	if (op != IOU_READV && op != IOU_WRITEV && op != IOU_READV_FIXED && op != IOU_WRITEV_FIXED)
		len = BPF_CORE_READ(rw, len);
	if (uring_is_write(op)) {
		__sync_fetch_and_add(&sl->wr_bytes, len);
		__sync_fetch_and_add(&sl->wr_ops, 1);
		__sync_fetch_and_add(&sl->wr_uring, 1);
		__sync_fetch_and_add(&sl->wr_unconf, 1);
	} else {
		__sync_fetch_and_add(&sl->rd_bytes, len);
		__sync_fetch_and_add(&sl->rd_ops, 1);
		__sync_fetch_and_add(&sl->rd_uring, 1);
		__sync_fetch_and_add(&sl->rd_unconf, 1);
	}
}

static __always_inline int uring_open_done(struct pr_tracked *tr, struct uring_stash *st, __u32 op,
					   long res)
{
	struct open_req q = {
		.name = st->name,
		.dirfd = st->dfd,
		.flags = st->flags,
		.mode = st->mode,
		.resolve = st->resolve,
		.syscall = op,
		.hflags = PR_FILE_IO_URING | st->hflags,
		.name_user = 0,
	};

	/* A fixed-file open returns 0, not an fd: report the name only. */
	if (st->file_slot && res >= 0)
		res = 0x7fffffff;
	return file_open_record(tr, &q, res);
}

static __always_inline int uring_meta_done(struct pr_tracked *tr, struct uring_stash *st, __u32 op,
					   long res, struct file *f)
{
	struct meta_req q = {
		.name = st->name,
		.name2 = st->name2,
		.dirfd = st->dfd,
		.dirfd2 = st->dfd2,
		.objfd = -1,
		.syscall = op,
		.hflags = PR_FILE_IO_URING | st->hflags,
		.user = 0,
	};

	if (op == IOU_UNLINKAT) {
		q.op = (st->op_flags & PR_AT_REMOVEDIR) ? PR_META_RMDIR : PR_META_UNLINK;
		q.name2 = NULL;
	} else if (op == IOU_MKDIRAT) {
		q.op = PR_META_MKDIR;
		q.arg = st->mode;
		q.name2 = NULL;
	} else if (op == IOU_RENAMEAT) {
		q.op = PR_META_RENAME;
		q.arg = st->op_flags;
	} else if (op == IOU_LINKAT) {
		q.op = PR_META_LINK;
		q.arg = st->op_flags;
	} else if (op == IOU_SETXATTR || op == IOU_FSETXATTR) {
		q.op = PR_META_SETXATTR;
		q.xattr = st->name2;
		q.name2 = NULL;
		q.arg = st->op_flags;
		q.arg2 = st->mode;
		if (op == IOU_FSETXATTR) {
			q.name = NULL;
			q.objfile = (__u64)f;
		}
	} else {
		q.op = PR_META_SYMLINK;
		q.name_raw = 1;
	}
	return file_meta_record(tr, &q, res);
}

static __always_inline void uring_record_unconfirmed(struct pr_tracked *tr, struct io_kiocb *req,
						     __u32 op)
{
	__u64 key = (__u64)req;
	struct uring_stash *st = bpf_map_lookup_elem(&file_uring_stash, &key);

	if (!st || op == IOU_CONNECT) /* a skipped connect success: only the flow shows */
		return;
	st->hflags = PR_FILE_UNCONFIRMED;
	if (op == IOU_OPENAT || op == IOU_OPENAT2)
		uring_open_done(tr, st, op, 0x7fffffff); /* no fd to look up: name only */
	else
		uring_meta_done(tr, st, op, 0, NULL);
	st->hflags = 0;
}

SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(file_uring_submit, struct io_kiocb *req)
{
	struct pr_tracked *tr = tracked_current();
	struct task_struct *t;
	struct io_table *tb;
	struct io_slot *sl;
	struct file *f;
	__u64 rflags;
	__u32 op;
	int fd;

	if (!tr)
		return 0;
	op = BPF_CORE_READ(req, opcode);
	t = bpf_get_current_task_btf();
	if (uring_is_named_op(op)) {
		uring_stash_names(req, op);
		/* IOSQE_CQE_SKIP_SUCCESS: success posts no completion. Record
		 * the request now, unconfirmed; a failure still completes and
		 * is recorded then. */
		if (BPF_CORE_READ(req, flags) & IOU_CQE_SKIP)
			uring_record_unconfirmed(tr, req, op);
		return 0;
	}
	if (op == IOU_CLOSE) {
		struct io_close *c = (void *)req;
		if (BPF_CORE_READ(c, file_slot))
			return 0;
		fd = BPF_CORE_READ(c, fd);
		tb = io_table_get(BPF_CORE_READ(t, tgid), 0);
		if (tb)
			io_flush(t, tr, tb, FLUSH_RANGE, fd, fd, PR_FLUSH_URING_CLOSE);
		return 0;
	}
	/* Reads/writes on a plain fd: create the slot now, while the fd is
	 * known, so that close(fd) finds it; completions add the bytes. */
	if (!uring_is_read(op) && !uring_is_write(op))
		return 0;
	rflags = BPF_CORE_READ(req, flags);
	fd = BPF_CORE_READ(req, cqe.fd);
	if (rflags & IOU_FIXED_FILE) {
		/* a registered file: completions name it (req->file); only a
		 * request that will not complete must be resolved now */
		if (!(rflags & IOU_CQE_SKIP))
			return 0;
		f = uring_fixed_file(req, fd);
		fd = -1;
	} else {
		f = fd_file(t, fd);
	}
	if (!f) {
		if (rflags & IOU_CQE_SKIP) /* e.g. a slot filled by a linked open */
			count_drop(uring_is_write(op) ? PR_EV_FILE_WRITE : PR_EV_FILE_READ,
				   tr->session_key);
		return 0;
	}
	if (!io_type_ok(f))
		return 0;
	tb = io_table_get(t->tgid, 1);
	if (!tb)
		return 0;
	sl = io_slot_get(t, tr, tb, fd, f, fd < 0, bpf_ktime_get_boot_ns());
	if (rflags & IOU_CQE_SKIP)
		uring_count_unconfirmed(sl, req, op);
	return 0;
}

/* io_uring CONNECT makes no connect(2): record it as net.connect in the
 * network family's ABI (struct pr_net), syscall = io_uring_enter, with the
 * peer from the sockaddr copied at submission and, once connected, the local
 * end from the socket. Policy and flows are the network family's cgroup
 * hooks' business (they run for io_uring connects too). */
static __always_inline void uring_connect_done(struct pr_tracked *tr, struct uring_stash *st,
					       struct io_kiocb *req, long res)
{
	struct file *f = BPF_CORE_READ(req, file);
	struct socket *so = f ? BPF_CORE_READ(f, private_data) : NULL;
	struct sock *sk = so ? BPF_CORE_READ(so, sk) : NULL;
	__u32 alen = st->op_flags, n;
	struct pr_net *e;
	__u16 fam = 0;

	e = ev_reserve(sizeof(*e), PR_EV_NET_CONNECT, tr);
	if (!e)
		return;
	__builtin_memset(&e->ret, 0, sizeof(*e) - sizeof(e->hdr));
	fill_hdr(&e->hdr, bpf_get_current_task_btf(), PR_EV_NET_CONNECT, sizeof(*e), tr);
	e->ret = res;
	e->fd = st->dfd;
	e->syscall = 426; /* io_uring_enter */
	if (sk) {
		e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
		e->sotype = BPF_CORE_READ(sk, sk_type);
		e->protocol = BPF_CORE_READ(sk, sk_protocol);
	}
	if (alen >= 2)
		__builtin_memcpy(&fam, st->name, 2);
	if (!e->family)
		e->family = fam;
	if (fam == 2 && alen >= 8) { /* AF_INET: port at 2, address at 4 -> ::ffff:a.b.c.d */
		e->peer[10] = e->peer[11] = 0xff;
		__builtin_memcpy(&e->peer[12], &st->name[4], 4);
		e->peer_port = bpf_ntohs(*(__u16 *)&st->name[2]);
		e->hdr.flags |= PR_NET_PEER;
	} else if (fam == 10 && alen >= 24) { /* AF_INET6: port at 2, address at 8 */
		__builtin_memcpy(e->peer, &st->name[8], 16);
		e->peer_port = bpf_ntohs(*(__u16 *)&st->name[2]);
		e->hdr.flags |= PR_NET_PEER;
	} else if (fam == 1 && alen > 2) { /* AF_UNIX: sun_path */
		n = alen - 2;
		if (n > PR_NET_PATH_CAP) {
			n = PR_NET_PATH_CAP;
			e->hdr.flags |= PR_NET_PATH_TRUNC;
		}
		__builtin_memcpy(e->path, &st->name[2], PR_NET_PATH_CAP);
		e->path_len = n;
		if (!e->path[0])
			e->hdr.flags |= PR_NET_ABSTRACT;
	}
	if (sk && res == 0 && (fam == 2 || fam == 10)) {
		if (fam == 2) {
			__u32 ip = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
			e->local[10] = e->local[11] = 0xff;
			__builtin_memcpy(&e->local[12], &ip, 4);
		} else {
			BPF_CORE_READ_INTO(&e->local, sk, __sk_common.skc_v6_rcv_saddr);
		}
		e->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
		e->hdr.flags |= PR_NET_LOCAL;
	}
	ev_submit(e);
}

/* SPLICE/TEE moved res bytes from splice_fd_in to the request's file (the
 * output). Pipes on either side are skipped by the type check. */
static __always_inline void uring_splice_done(struct task_struct *t, struct pr_tracked *tr,
					      struct io_kiocb *req, long res)
{
	struct io_splice *sp = (void *)req;
	struct file *in, *out = BPF_CORE_READ(req, file);
	__s32 fd_in = BPF_CORE_READ(sp, splice_fd_in);

	if (BPF_CORE_READ(sp, flags) & IOU_SPLICE_F_FD_IN_FIXED)
		in = uring_fixed_file(req, fd_in);
	else
		in = fd_file(t, fd_in);
	if (in)
		io_account(t, tr, -1, in, IO_READ, res, IO_KIND_URING);
	if (out)
		io_account(t, tr, -1, out, IO_WRITE, res, IO_KIND_URING);
}

SEC("tp_btf/io_uring_complete")
int BPF_PROG(file_uring_complete, struct io_ring_ctx *ring, void *reqp, struct io_uring_cqe *cqe)
{
	struct pr_tracked *tr = tracked_current();
	struct io_kiocb *req = reqp;
	struct uring_stash *st;
	struct task_struct *t;
	struct file *f;
	__u64 key = (__u64)reqp;
	__u32 op;
	long res;

	if (!tr || !req)
		return 0;
	op = BPF_CORE_READ(req, opcode);
	res = BPF_CORE_READ(cqe, res);
	t = bpf_get_current_task_btf();
	if (uring_is_read(op) || uring_is_write(op)) {
		if (res < 0)
			return 0;
		f = BPF_CORE_READ(req, file);
		if (f)
			io_account(t, tr, -1, f, uring_is_write(op), res, IO_KIND_URING);
		return 0;
	}
	if (op == IOU_SPLICE || op == IOU_TEE) {
		if (res > 0)
			uring_splice_done(t, tr, req, res);
		return 0;
	}
	if (op == IOU_FTRUNCATE) {
		struct io_ftrunc *ft = (void *)req;
		struct meta_req q = {
			.objfd = -1,
			.objfile = (__u64)BPF_CORE_READ(ft, file),
			.arg = BPF_CORE_READ(ft, len),
			.syscall = op,
			.op = PR_META_TRUNCATE,
			.hflags = PR_FILE_IO_URING,
		};
		return file_meta_record(tr, &q, res);
	}
	if (uring_is_named_op(op)) {
		st = bpf_map_lookup_elem(&file_uring_stash, &key);
		if (!st) {
			/* Evicted from the stash: the event is lost, count it. A
			 * failure without a stash is a request rejected before
			 * submission (bad SQE): no name was ever known. */
			if (res >= 0)
				count_drop(op == IOU_OPENAT || op == IOU_OPENAT2 ? PR_EV_FILE_OPEN
					   : op == IOU_CONNECT			 ? PR_EV_NET_CONNECT
										 : PR_EV_FILE_META,
					   tr->session_key);
			return 0;
		}
		if (op == IOU_OPENAT || op == IOU_OPENAT2)
			uring_open_done(tr, st, op, res);
		else if (op == IOU_CONNECT)
			uring_connect_done(tr, st, req, res);
		else
			uring_meta_done(tr, st, op, res, BPF_CORE_READ(req, file));
		bpf_map_delete_elem(&file_uring_stash, &key);
	}
	return 0;
}

/* ====================================================================== */
/* process exit                                                            */
/* ====================================================================== */

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

/* Last thread of a process: flush its I/O summaries and folded opens, then
 * drop both tables (also for untracked processes, so that a reused tgid
 * never inherits a stale table). */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(file_exit, struct task_struct *p, bool group_dead)
{
	struct pr_tracked *tr;
	struct io_table *tb;
	struct open_table *ot;
	__u32 tgid;

	if (!group_dead)
		return 0;
	tgid = BPF_CORE_READ(p, tgid);
	tr = tracked_task(p);
	if (!tr) {
		bpf_map_delete_elem(&file_io_tables, &tgid);
		bpf_map_delete_elem(&file_open_tables, &tgid);
		return 0;
	}
	tb = io_table_get(tgid, 0);
	if (tb) {
		io_flush(p, tr, tb, FLUSH_ALL, 0, 0, PR_FLUSH_EXIT);
		bpf_map_delete_elem(&file_io_tables, &tgid);
	}
	ot = bpf_map_lookup_elem(&file_open_tables, &tgid);
	if (ot) {
		struct open_flush_ctx c = {.tb = ot, .tr = tr};
		bpf_loop(PR_FILE_OPEN_SLOTS, open_flush_cb, &c, 0);
		bpf_map_delete_elem(&file_open_tables, &tgid);
	}
	return 0;
}

/* exec: close-on-exec descriptors are closed by now but their files'
 * release is deferred to task work, so their paths are still valid; folded
 * opens of the old image are reported before the new image runs. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(file_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct pr_tracked *tr = tracked_task(p);
	struct open_table *ot;
	struct io_table *tb;
	__u32 tgid;

	if (!tr)
		return 0;
	tgid = BPF_CORE_READ(p, tgid);
	tb = io_table_get(tgid, 0);
	if (tb)
		io_flush(p, tr, tb, FLUSH_EXEC, 0, 0, PR_FLUSH_EXEC);
	ot = bpf_map_lookup_elem(&file_open_tables, &tgid);
	if (ot) {
		struct open_flush_ctx c = {.tb = ot, .tr = tr};
		bpf_loop(PR_FILE_OPEN_SLOTS, open_flush_cb, &c, 0);
		bpf_map_delete_elem(&file_open_tables, &tgid);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
