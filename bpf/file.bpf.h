/* file.bpf.h: helpers of the file family (bpf/file.bpf.c): syscall numbers,
 * the per-process fold table of file.open, the per-process I/O summary table
 * of file.read/file.write, fd -> struct file, bounded string copies and the
 * record emitters shared by the syscall and io_uring hooks. */
#ifndef PROCTOR_FILE_BPF_H
#define PROCTOR_FILE_BPF_H

#include "common.bpf.h"
#include <bpf/bpf_endian.h>
#include "proctor/abi_file.h"
#include "proctor/abi_net.h" /* io_uring CONNECT is recorded as net.connect */

#if defined(__TARGET_ARCH_x86)
#define NR_read		     0
#define NR_write	     1
#define NR_open		     2
#define NR_close	     3
#define NR_mmap		     9
#define NR_mprotect	     10
#define NR_pread64	     17
#define NR_pwrite64	     18
#define NR_readv	     19
#define NR_writev	     20
#define NR_dup2		     33
#define NR_sendfile	     40
#define NR_truncate	     76
#define NR_ftruncate	     77
#define NR_rename	     82
#define NR_mkdir	     83
#define NR_rmdir	     84
#define NR_creat	     85
#define NR_link		     86
#define NR_unlink	     87
#define NR_symlink	     88
#define NR_chmod	     90
#define NR_fchmod	     91
#define NR_chown	     92
#define NR_fchown	     93
#define NR_lchown	     94
#define NR_utime	     132
#define NR_mknod	     133
#define NR_setxattr	     188
#define NR_lsetxattr	     189
#define NR_fsetxattr	     190
#define NR_removexattr	     197
#define NR_lremovexattr	     198
#define NR_fremovexattr	     199
#define NR_utimes	     235
#define NR_openat	     257
#define NR_mkdirat	     258
#define NR_mknodat	     259
#define NR_fchownat	     260
#define NR_futimesat	     261
#define NR_unlinkat	     263
#define NR_renameat	     264
#define NR_linkat	     265
#define NR_symlinkat	     266
#define NR_fchmodat	     268
#define NR_splice	     275
#define NR_utimensat	     280
#define NR_dup3		     292
#define NR_preadv	     295
#define NR_pwritev	     296
#define NR_renameat2	     316
#define NR_copy_file_range   326
#define NR_preadv2	     327
#define NR_pwritev2	     328
#define NR_close_range	     436
#define NR_openat2	     437
#define NR_fchmodat2	     452
#define NR_open_by_handle_at 304
#define NR_setxattrat	     463
#define NR_removexattrat     466
#elif defined(__TARGET_ARCH_arm64)
/* legacy syscalls arm64 lacks: distinct impossible numbers (switch cases) */
#define NR_read		     63
#define NR_write	     64
#define NR_open		     (-1001)
#define NR_close	     57
#define NR_mmap		     222
#define NR_mprotect	     226
#define NR_pread64	     67
#define NR_pwrite64	     68
#define NR_readv	     65
#define NR_writev	     66
#define NR_dup2		     (-1002)
#define NR_sendfile	     71
#define NR_truncate	     45
#define NR_ftruncate	     46
#define NR_rename	     (-1003)
#define NR_mkdir	     (-1004)
#define NR_rmdir	     (-1005)
#define NR_creat	     (-1006)
#define NR_link		     (-1007)
#define NR_unlink	     (-1008)
#define NR_symlink	     (-1009)
#define NR_chmod	     (-1010)
#define NR_fchmod	     52
#define NR_chown	     (-1011)
#define NR_fchown	     55
#define NR_lchown	     (-1012)
#define NR_utime	     (-1013)
#define NR_mknod	     (-1014)
#define NR_setxattr	     5
#define NR_lsetxattr	     6
#define NR_fsetxattr	     7
#define NR_removexattr	     14
#define NR_lremovexattr	     15
#define NR_fremovexattr	     16
#define NR_utimes	     (-1015)
#define NR_openat	     56
#define NR_mkdirat	     34
#define NR_mknodat	     33
#define NR_fchownat	     54
#define NR_futimesat	     (-1016)
#define NR_unlinkat	     35
#define NR_renameat	     38
#define NR_linkat	     37
#define NR_symlinkat	     36
#define NR_fchmodat	     53
#define NR_splice	     76
#define NR_utimensat	     88
#define NR_dup3		     24
#define NR_preadv	     69
#define NR_pwritev	     70
#define NR_renameat2	     276
#define NR_copy_file_range   285
#define NR_preadv2	     286
#define NR_pwritev2	     287
#define NR_close_range	     436
#define NR_openat2	     437
#define NR_fchmodat2	     452
#define NR_open_by_handle_at 265
#define NR_setxattrat	     463
#define NR_removexattrat     466
#endif

#define PR_AT_FDCWD	       (-100)
#define PR_AT_REMOVEDIR	       0x200
#define PR_AT_EMPTY_PATH       0x1000
#define PR_O_WRONLY	       01
#define PR_O_CREAT	       0100
#define PR_O_TRUNC	       01000
#define PR_S_IFMT	       0170000
#define PR_S_IFREG	       0100000
#define PR_S_IFCHR	       0020000
#define PR_S_IFBLK	       0060000
#define PR_S_IFIFO	       0010000
#define PR_PIPEFS_MAGIC	       0x50495045
#define PR_MAP_SHARED	       0x01
#define PR_MAP_SHARED_VALIDATE 0x03
#define PR_MAP_TYPE	       0x0f
#define PR_MAP_ANONYMOUS       0x20
#define PR_PROT_READ	       0x1
#define PR_PROT_WRITE	       0x2
#define PR_CLOSE_RANGE_CLOEXEC 0x4
#define PR_VM_SHARED	       0x8

/* Opens of the same key within this window are folded (see EVENTS-file.md). */
const volatile __u64 file_open_window_ns = 1000000000ull;
/* A file open for longer than this gets a partial I/O summary at its next
 * operation, so that long-lived files show up without waiting for close. */
const volatile __u64 file_io_period_ns = 10000000000ull;

/* ---- open folding ------------------------------------------------------- */

/* I/O of the open files of folded repeats, summed per direction (index
 * IO_READ / IO_WRITE) until the repeats are emitted. */
struct io_fold {
	__u64 bytes, ops, first_ts, last_ts;
	__u32 files; /* open files whose summaries are folded in here */
	__u32 uring, mmaps, unconf;
};

struct open_slot {
	__u64 key;	    /* 0 = free */
	__u64 window_start; /* when the last record for this key was emitted */
	__u64 first_rep, last_rep;
	__u64 flags;
	__s64 ret;
	__u32 repeats; /* opens folded since then */
	__u32 syscall;
	__u64 dentry, mnt; /* success: the file opened (matches I/O at close) */
	__u32 named;	   /* the key's open record (with its path) was emitted:
			    * summaries of the file may be named by the key */
	__u32 _pad;
	struct io_fold io[2];
};
struct open_table {
	struct open_slot s[PR_FILE_OPEN_SLOTS];
	__u32 hint; /* slot of the last open: a repeat there folds without a scan */
	__u32 _pad;
};

/* tgid -> fold table; removed (after flushing) when the process exits. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct open_table);
} file_open_tables SEC(".maps");

/* ---- I/O summaries ------------------------------------------------------ */

struct io_slot {
	__u64 file; /* struct file *, 0 = free */
	__u64 rd_bytes, rd_ops, wr_bytes, wr_ops;
	__u64 first_ts, last_ts;
	__u32 rd_uring, wr_uring;
	__u32 rd_mmaps, wr_mmaps;
	__s32 fd;		    /* -1: io_uring fixed file */
	__u32 rd_unconf, wr_unconf; /* io_uring CQE_SKIP requests (bytes = requested) */
	__u32 _pad;
};
struct io_table {
	struct io_slot s[PR_FILE_IO_SLOTS];
	__u32 hint;  /* slot of the last operation: checked before scanning */
	__u32 nused; /* slots in use: 0 (the common case between open/close
		      * cycles) skips the scans; threads racing may leave it
		      * off by one, which only costs a scan or defers a flush */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct io_table);
} file_io_tables SEC(".maps");

/* Templates for new table entries (never written). */
static struct open_table zero_open_table;
static struct io_table zero_io_table;

/* ---- small helpers ------------------------------------------------------ */

static __always_inline __u64 mix64(__u64 h, __u64 v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* A kernel pointer obtained as a number, made directly loadable (loads are
 * fault-safe, like bpf_probe_read, but cost no helper call). */
#define RDONLY(type, p) ((type *)bpf_rdonly_cast((p), bpf_core_type_id_kernel(type)))

/* The struct file behind fd in t's table, or NULL. @t must be a BTF task
 * pointer (tp_btf argument or bpf_get_current_task_btf()). */
static __always_inline struct file *fd_file(struct task_struct *t, long fd)
{
	struct files_struct *files;
	struct fdtable *fdt;
	struct file **arr, *f = NULL;

	if (fd < 0)
		return NULL;
	files = t->files;
	if (!files)
		return NULL;
	fdt = files->fdt;
	if (!fdt || (__u64)fd >= fdt->max_fds)
		return NULL;
	arr = fdt->fd;
	bpf_probe_read_kernel(&f, sizeof(f), &arr[fd]);
	return f;
}

/* Mask an offset into the scratch buffer so that the verifier sees the
 * bound (the barrier keeps the compiler from dropping a "redundant" mask). */
static __always_inline __u32 soff(__u32 off)
{
	asm volatile("" : "+r"(off));
	return off & SCRATCH_MASK;
}

/* Copy a NUL-terminated string (user or kernel memory) to s->buf[off], at
 * most PR_PATH_CAP bytes. Returns bytes written including the NUL (1 for an
 * empty string), 0 when src is NULL or unreadable. */
static __always_inline __u32 put_str(struct pr_scratch *s, __u32 off, const char *src, int user,
				     __u16 *hflags)
{
	long n;
	char c = 0;

	if (!src)
		return 0;
	if (off > PR_SCRATCH_SIZE - PR_PATH_CAP) {
		*hflags |= PR_FILE_NAME_TRUNC;
		return 0;
	}
	off = soff(off);
	if (user)
		n = bpf_probe_read_user_str(&s->buf[off], PR_PATH_CAP, src);
	else
		n = bpf_probe_read_kernel_str(&s->buf[off], PR_PATH_CAP, src);
	if (n <= 0)
		return 0;
	if (n == PR_PATH_CAP) {
		if (user)
			bpf_probe_read_user(&c, 1, src + PR_PATH_CAP - 1);
		else
			bpf_probe_read_kernel(&c, 1, src + PR_PATH_CAP - 1);
		if (c)
			*hflags |= PR_FILE_NAME_TRUNC;
	}
	return n;
}

/* Same, for a short string (xattr names), at most PR_XATTR_NAME_CAP. */
static __always_inline __u32 put_short_str(struct pr_scratch *s, __u32 off, const char *src,
					   int user, __u16 *hflags)
{
	long n;

	if (!src || off > PR_SCRATCH_SIZE - PR_XATTR_NAME_CAP)
		return 0;
	if (user)
		n = bpf_probe_read_user_str(&s->buf[soff(off)], PR_XATTR_NAME_CAP, src);
	else
		n = bpf_probe_read_kernel_str(&s->buf[soff(off)], PR_XATTR_NAME_CAP, src);
	if (n <= 0)
		return 0;
	if (n == PR_XATTR_NAME_CAP)
		*hflags |= PR_FILE_NAME_TRUNC;
	return n;
}

/* Absolute path of a struct path at scratch->buf[off]: bytes written
 * (NUL included) | 0x10000 when cut. A global function, so that the
 * verifier checks the path walk once, not once per caller path. */
__noinline int file_put_path(__u64 path, __u32 off)
{
	struct pr_scratch *s = scratch_get();
	__u32 trunc = 0;
	int n;

	if (!s || !path)
		return 0;
	if (off > PR_SCRATCH_SIZE - PR_PATH_CAP)
		return 0x10000;
	n = read_path(s, soff(off), (const struct path *)path, &trunc);
	if (n < 0)
		n = 0;
	return (n & 0x1fff) | (trunc ? 0x10000 : 0);
}

static __always_inline __u32 put_path(struct pr_scratch *s, __u32 off, const struct path *p,
				      __u16 *hflags)
{
	int r = file_put_path((__u64)p, off);

	if (r & 0x10000)
		*hflags |= PR_FILE_PATH_TRUNC;
	return r & 0x1fff;
}

/* d_unlinked(): the file's dentry is no longer (or never was) in the name
 * tree: unlinked while open, O_TMPFILE, memfd and other pseudo files. */
static __always_inline int file_unlinked(struct file *f)
{
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);

	return d && !BPF_CORE_READ(d, d_hash.pprev) && BPF_CORE_READ(d, d_parent) != d;
}

/* The directory a relative name is resolved against: cwd or dirfd. */
static __always_inline const struct path *dir_of(struct task_struct *t, long dirfd)
{
	struct fs_struct *fs;
	struct file *f;

	if ((int)dirfd == PR_AT_FDCWD) {
		fs = BPF_CORE_READ(t, fs);
		return fs ? &fs->pwd : NULL;
	}
	f = fd_file(t, (int)dirfd);
	return f ? &f->f_path : NULL;
}

static __always_inline __u32 put_dir(struct pr_scratch *s, __u32 off, struct task_struct *t,
				     long dirfd, __u16 *hflags)
{
	const struct path *p = dir_of(t, dirfd);

	return p ? put_path(s, off, p, hflags) : 0;
}

/* Whether s->buf[off] holds a relative (non-empty, not '/'-led) name. */
static __always_inline int is_relative(struct pr_scratch *s, __u32 off, __u32 len)
{
	return len > 1 && s->buf[soff(off)] != '/';
}

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

/* ev_output with a size the verifier can see is bounded (the compiler may
 * otherwise pass the unclamped register to bpf_ringbuf_output). */
static __always_inline int file_output(struct pr_scratch *s, __u32 size, __u16 type,
				       const struct pr_tracked *tr)
{
	__u64 sz = size;

	if (sz > PR_SCRATCH_SIZE)
		sz = PR_SCRATCH_SIZE;
	asm volatile("" : "+r"(sz));
	if (sz > PR_SCRATCH_SIZE)
		return -1;
	return ev_output(s, sz, type, tr);
}

#endif /* PROCTOR_FILE_BPF_H */
