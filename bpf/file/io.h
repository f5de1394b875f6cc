/* io.h: the per-process I/O summary table of file.read/file.write, shared
 * by the syscall hooks (file/io.bpf.c) and the io_uring hooks
 * (file/uring.bpf.c): slot lookup, accounting and flushing. */
#ifndef PROCTOR_BPF_FILE_IO_H
#define PROCTOR_BPF_FILE_IO_H

#include "file/file.h"

/* Template for new table entries (never written). */
static struct io_table zero_io_table;

/* Emit the read and/or write summary of a slot and free it (file/io.bpf.c). */
int file_io_flush_slot(struct pr_tracked *tr, struct io_slot *sl, __u32 reason);

/* Only files with a name a reader cares about (file/io.bpf.c). A global
 * function: its direct loads need the bpf_rdonly_cast kfunc, which the
 * static linker can merge from one object only. */
int file_io_type_ok(__u64 file);

static __always_inline int io_type_ok(struct file *f)
{
	return file_io_type_ok((__u64)f);
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
	if (now - sl->first_ts > pr_cfg.file_io_period_ns) {
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

#endif /* PROCTOR_BPF_FILE_IO_H */
