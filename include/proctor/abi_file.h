/* abi_file.h: kernel <-> user-space records of the file family: file.open,
 * file.read / file.write (per-open-file I/O summaries aggregated in the
 * kernel), file.metadata. Every record starts with struct pr_hdr; the
 * variable part (paths and user strings, each NUL-terminated) follows the
 * fixed part in the order of the *_len fields. Semantics: docs/EVENTS-file.md. */
#ifndef PROCTOR_ABI_FILE_H
#define PROCTOR_ABI_FILE_H

#include "proctor/abi.h"

/* Bounds. A user string (pathname argument) is read up to PR_PATH_CAP bytes
 * (NUL included); xattr names up to PR_XATTR_NAME_CAP. Longer ones are cut
 * and flagged, never dropped. */
#define PR_XATTR_NAME_CAP  256
#define PR_FILE_OPEN_SLOTS 16 /* distinct open keys folded per process */

/* pr_hdr.flags of file records */
#define PR_FILE_PATH_TRUNC 0x0001 /* a path walked in the kernel was cut */
#define PR_FILE_NAME_TRUNC 0x0002 /* a user string was cut at PR_PATH_CAP */
#define PR_FILE_IO_URING   0x0004 /* submitted through io_uring (syscall = opcode) */
#define PR_FILE_REPEAT	   0x0008 /* open: folded repeats of an earlier open (no path) */
#define PR_FILE_PARTIAL	   0x0010 /* io: summary flushed before close; more may follow */
#define PR_FILE_STALE	   0x0020 /* io: the fd was reused unseen; path may be wrong */
#define PR_FILE_UNFOLDED   0x0040 /* open: the fold table was full, emitted as is */
#define PR_FILE_DELETED	   0x0100 /* the file had no name (unlinked, O_TMPFILE, memfd) */
#define PR_FILE_FOLDED                                                                             \
	0x0200 /* io: the summed I/O of the open files of folded                                   \
		* repeated opens (no path: named by agg_id) */
#define PR_FILE_NAMED                                                                              \
	0x0400 /* io: no path; the file is the one the process's                                   \
		* open record agg_id named (not walked again) */
#define PR_FILE_UNCONFIRMED                                                                        \
	0x0080 /* io_uring IOSQE_CQE_SKIP_SUCCESS: recorded at                                     \
		* submission, no result will be seen unless it fails */

/* Why an I/O summary was emitted (pr_file_io.reason). */
enum pr_file_flush {
	PR_FLUSH_CLOSE = 1, /* close(2) */
	PR_FLUSH_CLOSE_RANGE = 2,
	PR_FLUSH_DUP = 3,    /* dup2/dup3 over the fd */
	PR_FLUSH_EXEC = 4,   /* close-on-exec */
	PR_FLUSH_EXIT = 5,   /* the process exited */
	PR_FLUSH_EVICT = 6,  /* slot table full: partial summary */
	PR_FLUSH_REUSED = 7, /* the fd now names another file */
	PR_FLUSH_URING_CLOSE = 8,
	PR_FLUSH_PERIODIC = 9, /* open for long: partial summary, counting restarts */
	PR_FLUSH_FOLDED = 10,  /* PR_FILE_FOLDED: emitted with the folded repeats */
};

/* file.open (and folded repeats, PR_FILE_REPEAT). data = path\0 dir\0 name\0:
 * path: the opened file resolved from the new fd's struct file (success);
 * dir: the directory a relative name was resolved against (cwd or dirfd);
 * name: the pathname string as passed. Empty parts have length 0. */
struct pr_file_open {
	struct pr_hdr hdr;
	__s64 ret;	/* new fd, or -errno */
	__u64 flags;	/* open flags as passed (openat2: how.flags) */
	__u64 resolve;	/* openat2 how.resolve */
	__u64 agg_id;	/* fold key, unique per (process, file, flags, result) */
	__u64 first_ts; /* REPEAT: first folded open (CLOCK_BOOTTIME); hdr.ts_ns = last */
	__u32 mode;	/* creation mode */
	__u32 count;	/* opens this record stands for */
	__u32 syscall;	/* syscall number, or io_uring opcode with PR_FILE_IO_URING */
	__u16 path_len; /* including NUL, 0 = absent */
	__u16 dir_len;
	__u16 name_len;
	__u16 _pad;
	__u32 _pad2;
	char data[];
};
_Static_assert(sizeof(struct pr_file_open) == 136, "pr_file_open layout");

/* file.read / file.write: one per open file and direction, at close/exit,
 * or (PR_FILE_FOLDED) one for the open files of folded repeated opens of the
 * same file, emitted right after their file.open repeat record: it carries
 * no path; agg_id names the file like the repeat record's does.
 * data = path\0. */
struct pr_file_io {
	struct pr_hdr hdr;
	__u64 bytes;
	__u64 ops;	 /* successful calls (and completed io_uring requests) */
	__u64 first_ts;	 /* first operation, CLOCK_BOOTTIME */
	__u64 uring_ops; /* of ops, through io_uring */
	__s32 fd;	 /* -1: io_uring fixed file */
	__u32 mmaps;	 /* read: file mappings; write: shared writable mappings */
	__u16 path_len;
	__u16 reason;	   /* enum pr_file_flush */
	__u32 unconfirmed; /* of ops, io_uring requests submitted with
			    * IOSQE_CQE_SKIP_SUCCESS: no completion is seen, their
			    * requested length is counted in bytes */
	__u64 agg_id;	   /* FOLDED, NAMED: the open fold key (pr_file_open.agg_id) */
	__u32 files;	   /* open files summarised: 1, or the folded ones */
	__u32 _pad;
	char data[];
};
_Static_assert(sizeof(struct pr_file_io) == 136, "pr_file_io layout");

/* file.metadata operations */
enum pr_file_meta_op {
	PR_META_UNLINK = 1,
	PR_META_RMDIR,
	PR_META_RENAME,
	PR_META_LINK,
	PR_META_SYMLINK,
	PR_META_MKDIR,
	PR_META_CHMOD,
	PR_META_CHOWN,
	PR_META_TRUNCATE,
	PR_META_UTIMES,
	PR_META_SETXATTR,
	PR_META_REMOVEXATTR,
	PR_META_MKNOD,
	PR_META_SETFLAGS, /* ioctl FS_IOC_SETFLAGS / FS_IOC_FSSETXATTR (chattr) */
};

/* setflags: arg = the flags requested (FS_*_FL, or fsx_xflags with
 * PR_SETFLAGS_XATTR); arg2 = the inode's S_* flags before (low 32 bits,
 * PR_SETFLAGS_NO_BEFORE when unknown) and after (high 32 bits). */
#define PR_SETFLAGS_XATTR     (1ULL << 32)
#define PR_SETFLAGS_NO_BEFORE 0xffffffffULL

/* file.metadata. data = path\0 dir\0 name\0 dir2\0 name2\0 xattr\0.
 * The object is path (from an fd: f* variants, AT_EMPTY_PATH) or dir+name;
 * the second object (rename destination, link source, symlink contents) is
 * dir2+name2. */
struct pr_file_meta {
	struct pr_hdr hdr;
	__s64 ret;     /* 0 or -errno */
	__u64 arg;     /* chmod: mode; chown: uid; truncate: length; rename: flags;
			* setxattr: flags; link: flags; utimes: 1 = times given */
	__u64 arg2;    /* chown: gid; setxattr: value size */
	__u32 syscall; /* syscall number, or io_uring opcode with PR_FILE_IO_URING */
	__u16 op;      /* enum pr_file_meta_op */
	__u16 path_len;
	__u16 dir_len;
	__u16 name_len;
	__u16 dir2_len;
	__u16 name2_len;
	__u16 xattr_len;
	__u16 _pad[3];
	char data[];
};
_Static_assert(sizeof(struct pr_file_meta) == 120, "pr_file_meta layout");

/* Field offsets: a field moved on one side cannot go unnoticed. */
/* clang-format off */
/* pr_file_open */
PR_ABI_AT(pr_file_open, hdr, 0);
PR_ABI_AT(pr_file_open, ret, 72);
PR_ABI_AT(pr_file_open, flags, 80);
PR_ABI_AT(pr_file_open, resolve, 88);
PR_ABI_AT(pr_file_open, agg_id, 96);
PR_ABI_AT(pr_file_open, first_ts, 104);
PR_ABI_AT(pr_file_open, mode, 112);
PR_ABI_AT(pr_file_open, count, 116);
PR_ABI_AT(pr_file_open, syscall, 120);
PR_ABI_AT(pr_file_open, path_len, 124);
PR_ABI_AT(pr_file_open, dir_len, 126);
PR_ABI_AT(pr_file_open, name_len, 128);
PR_ABI_AT(pr_file_open, data, 136);
/* pr_file_io */
PR_ABI_AT(pr_file_io, hdr, 0);
PR_ABI_AT(pr_file_io, bytes, 72);
PR_ABI_AT(pr_file_io, ops, 80);
PR_ABI_AT(pr_file_io, first_ts, 88);
PR_ABI_AT(pr_file_io, uring_ops, 96);
PR_ABI_AT(pr_file_io, fd, 104);
PR_ABI_AT(pr_file_io, mmaps, 108);
PR_ABI_AT(pr_file_io, path_len, 112);
PR_ABI_AT(pr_file_io, reason, 114);
PR_ABI_AT(pr_file_io, unconfirmed, 116);
PR_ABI_AT(pr_file_io, agg_id, 120);
PR_ABI_AT(pr_file_io, files, 128);
PR_ABI_AT(pr_file_io, data, 136);
/* pr_file_meta */
PR_ABI_AT(pr_file_meta, hdr, 0);
PR_ABI_AT(pr_file_meta, ret, 72);
PR_ABI_AT(pr_file_meta, arg, 80);
PR_ABI_AT(pr_file_meta, arg2, 88);
PR_ABI_AT(pr_file_meta, syscall, 96);
PR_ABI_AT(pr_file_meta, op, 100);
PR_ABI_AT(pr_file_meta, path_len, 102);
PR_ABI_AT(pr_file_meta, dir_len, 104);
PR_ABI_AT(pr_file_meta, name_len, 106);
PR_ABI_AT(pr_file_meta, dir2_len, 108);
PR_ABI_AT(pr_file_meta, name2_len, 110);
PR_ABI_AT(pr_file_meta, xattr_len, 112);
PR_ABI_AT(pr_file_meta, data, 120);
/* clang-format on */

#endif /* PROCTOR_ABI_FILE_H */
