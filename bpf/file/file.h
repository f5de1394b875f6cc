/* file.h: what the file family's programs (bpf/file/) share: bounded
 * string copies into scratch, the open and metadata requests that the
 * syscall and io_uring hooks both build, and the family's global functions
 * (defined once, in the object named beside each). */
#ifndef PROCTOR_BPF_FILE_H
#define PROCTOR_BPF_FILE_H

#include "lib/path.h"
#include "proctor/syscalls.h"

#define IO_READ	 0
#define IO_WRITE 1

/* open_slot.syscall: the open came through io_uring (syscall = opcode) */
#define URING_BIT 0x80000000u

static __always_inline __u64 mix64(__u64 h, __u64 v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
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

/* A walked path in a file record: truncation is PR_FILE_PATH_TRUNC. */
static __always_inline __u32 put_file_path(struct pr_scratch *s, __u32 off, const struct path *p,
					   __u16 *hflags)
{
	return put_path(s, off, p, hflags, PR_FILE_PATH_TRUNC);
}

static __always_inline __u32 put_dir(struct pr_scratch *s, __u32 off, struct task_struct *t,
				     long dirfd, __u16 *hflags)
{
	const struct path *p = dir_of(t, dirfd);

	return p ? put_file_path(s, off, p, hflags) : 0;
}

/* Whether s->buf[off] holds a relative (non-empty, not '/'-led) name. */
static __always_inline int is_relative(struct pr_scratch *s, __u32 off, __u32 len)
{
	return len > 1 && s->buf[soff(off)] != '/';
}

struct open_req {
	const char *name;  /* user string, or kernel memory when !name_user */
	struct file *file; /* success: the opened file (NULL: look up ret) */
	__s64 dirfd;
	__u64 flags, mode, resolve;
	__u32 syscall;
	__u16 hflags;
	__u16 name_user;
};

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

/* One open result: fold or emit (file/open.bpf.c). 1: folded into an
 * earlier open of the same file (dentry, mount, flags) by this process. */
int file_open_record(struct pr_tracked *tr, const struct open_req *q, long ret);
/* Emit the folded repeats of a fold slot and their I/O (file/open.bpf.c). */
int file_open_emit_repeats(struct pr_tracked *tr, struct open_slot *sl);
/* One metadata change (file/meta.bpf.c). */
int file_meta_record(struct pr_tracked *tr, const struct meta_req *q, long ret);

#endif /* PROCTOR_BPF_FILE_H */
