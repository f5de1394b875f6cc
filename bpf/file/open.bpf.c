/* open.bpf.c: file.open for open/openat/openat2/creat/open_by_handle_at
 * (and, through file_open_record, io_uring OPENAT/OPENAT2): repeats of the
 * same open within a window are folded per process into one record with a
 * count; the ia32 forms through tail_file_open_ia32. Semantics:
 * docs/EVENTS-file.md. */
#include "policy/labels.h"
#include "file/file.h"
#include "policy/temporal.h"

/* Template for new table entries (never written). */
static struct open_table zero_open_table;

/* Hash of len bytes at s->buf[off], one 8-byte word per bpf_loop step. */
struct hash_ctx {
	__u32 off, len;
	__u64 h;
};

static long hash_word(__u64 i, void *arg)
{
	struct hash_ctx *c = arg;
	struct pr_scratch *s = scratch_get();
	__u64 w = 0;
	__u32 left;

	if (!s || i * 8 >= c->len)
		return 1;
	bpf_probe_read_kernel(&w, 8, &s->buf[soff(c->off + i * 8)]);
	left = c->len - i * 8;
	if (left < 8)
		w &= (1ull << (left * 8)) - 1;
	c->h = mix64(c->h, w);
	return 0;
}

static __always_inline __u64 hash_scratch(__u32 off, __u32 len)
{
	struct hash_ctx c = {.off = off, .len = len, .h = 0xcbf29ce484222325ull};

	bpf_loop(PR_PATH_CAP / 8, hash_word, &c, 0);
	return c.h;
}

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
	if (sl->repeats && c->now - sl->window_start >= pr_cfg.file_open_window_ns)
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
	if (sl->key == key && now - sl->window_start < pr_cfg.file_open_window_ns)
		return open_fold_one(sl, now);
	c.tb = tb;
	bpf_loop(PR_FILE_OPEN_SLOTS, open_scan_cb, &c, 0);
	if (c.hit >= 0) {
		tb->hint = c.hit;
		sl = &tb->s[c.hit & (PR_FILE_OPEN_SLOTS - 1)];
		if (now - sl->window_start < pr_cfg.file_open_window_ns)
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
	if (f) /* a temporal rule's after: reset before the open returns */
		policy_temporal_open(tr, (__u64)f, q->flags);
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
		return 1;
	if (fold == FOLD_UNFOLDED)
		hf |= PR_FILE_UNFOLDED;
	if (f) {
		if (file_dentry_unlinked(f))
			hf |= PR_FILE_DELETED;
		n = put_file_path(s, off, &f->f_path, &hf);
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
	if ((ev_output(s, off, PR_EV_FILE_OPEN, tr) ||
	     (hf & (PR_FILE_PATH_TRUNC | PR_FILE_DELETED))) &&
	    fold == FOLD_EMIT)
		open_unname(t, key);
	return 0;
}

/* The open request of syscall @a, whichever ABI made it. */
static __always_inline int file_open_args(struct pr_tracked *tr, const struct pr_sysargs *a,
					  long ret)
{
	struct open_req q = {.dirfd = PR_AT_FDCWD, .name_user = 1};
	struct open_how how = {};
	long nr = a->nr;

	q.syscall = nr | a->abi;
	if (nr == PR_NR_open) {
		q.name = (const char *)a->a[0];
		q.flags = (__u32)a->a[1];
		q.mode = (__u32)a->a[2];
	} else if (nr == PR_NR_creat) {
		q.name = (const char *)a->a[0];
		q.flags = PR_O_CREAT | PR_O_WRONLY | PR_O_TRUNC;
		q.mode = (__u32)a->a[1];
	} else if (nr == PR_NR_openat) {
		q.dirfd = (int)a->a[0];
		q.name = (const char *)a->a[1];
		q.flags = (__u32)a->a[2];
		q.mode = (__u32)a->a[3];
	} else if (nr == PR_NR_open_by_handle_at) { /* (mount_fd, handle, flags): no name */
		q.dirfd = (int)a->a[0];
		q.flags = (__u32)a->a[2];
	} else if (nr == PR_NR_openat2) { /* (dirfd, name, how, size) */
		q.dirfd = (int)a->a[0];
		q.name = (const char *)a->a[1];
		bpf_probe_read_user(&how, sizeof(how), (void *)a->a[2]);
		q.flags = how.flags;
		q.mode = how.mode;
		q.resolve = how.resolve;
	} else {
		return 0;
	}
	/* information-flow labels (policy/labels.h); a folded repeat was matched
	 * against the sources at its first open */
	label_open(tr, ret, q.flags, file_open_record(tr, &q, ret) == 1);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_file_open, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = tracked_current();
	struct pr_sysargs a;

	if (!tr)
		return 0;
	sysargs_native(regs, &a);
	return file_open_args(tr, &a, ret);
}

/* The same opens made through the ia32 ABI (int $0x80). */
SEC("tp_btf/sys_exit")
int BPF_PROG(tail_file_open_ia32, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = tracked_current();
	struct pr_sysargs a;

	if (!tr)
		return 0;
	sysargs_ia32(regs, &a);
	return file_open_args(tr, &a, ret);
}

char LICENSE[] SEC("license") = "GPL";
