/* hooks_file.c: the file family's syscall routing (programs in
 * bpf/file.bpf.c). Opens, metadata changes and read/write-family calls are
 * handled at exit (result known); close/close_range/dup2/dup3 at entry,
 * while the closing file is still alive. */
#include <stddef.h>
#include <sys/syscall.h>

#include "probe/syscall_table.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_setxattrat
#define SYS_setxattrat 463
#endif
#ifndef SYS_removexattrat
#define SYS_removexattrat 466
#endif

#define OPEN(n)                                                                                    \
	{                                                                                          \
		SYS_##n, "tail_file_open", true                                                    \
	}
#define META(n)                                                                                    \
	{                                                                                          \
		SYS_##n, "tail_file_meta", true                                                    \
	}
#define RW(n)                                                                                      \
	{                                                                                          \
		SYS_##n, "tail_file_rw", true                                                      \
	}
#define CLOSE(n)                                                                                   \
	{                                                                                          \
		SYS_##n, "tail_file_close", false                                                  \
	}

const struct syscall_hook file_hooks[] = {
#ifdef SYS_open
	OPEN(open),
	OPEN(creat),
	META(unlink),
	META(rmdir),
	META(rename),
	META(link),
	META(symlink),
	META(mkdir),
	META(mknod),
	META(chmod),
	META(chown),
	META(lchown),
	META(utime),
	META(utimes),
	META(futimesat),
	CLOSE(dup2),
#endif
	OPEN(openat),
	OPEN(openat2),
	OPEN(open_by_handle_at),
	META(unlinkat),
	META(renameat),
	META(renameat2),
	META(linkat),
	META(symlinkat),
	META(mkdirat),
	META(mknodat),
	META(fchmod),
	META(fchmodat),
	META(fchmodat2),
	META(fchown),
	META(fchownat),
	META(truncate),
	META(ftruncate),
	META(utimensat),
	META(setxattr),
	META(lsetxattr),
	META(fsetxattr),
	META(removexattr),
	META(lremovexattr),
	META(fremovexattr),
	META(setxattrat),
	META(removexattrat),
	RW(read),
	RW(write),
	RW(pread64),
	RW(pwrite64),
	RW(readv),
	RW(writev),
	RW(preadv),
	RW(pwritev),
	RW(preadv2),
	RW(pwritev2),
	RW(sendfile),
	RW(splice),
	RW(copy_file_range),
	/* mmap and mprotect are also wanted by the security family (memexec):
	 * the dispatcher must chain both families' programs for them. */
	{SYS_mmap, "tail_file_mmap", true, .chains = true},
	{SYS_mprotect, "tail_file_mprotect", true, .chains = true},
	CLOSE(close),
	CLOSE(close_range),
	CLOSE(dup3),
	{.prog = NULL},
};
