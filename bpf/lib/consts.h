/* consts.h: the one copy of the kernel constants the BPF programs need that
 * vmlinux.h does not carry (it has types, not #defines): address and socket
 * families, file types, mmap/mprotect bits, open and *at flags, filesystem
 * magics, clone flags and task status bits. */
#ifndef PROCTOR_BPF_CONSTS_H
#define PROCTOR_BPF_CONSTS_H

/* address families, socket types, protocols */
#define PR_AF_UNIX	  1
#define PR_AF_INET	  2
#define PR_AF_INET6	  10
#define PR_AF_PACKET	  17
#define PR_SOCK_STREAM	  1
#define PR_SOCK_DGRAM	  2
#define PR_SOCK_RAW	  3
#define PR_ETH_P_IP	  0x0800
#define PR_ETH_P_IPV6	  0x86DD
#define PR_IPPROTO_ICMPV6 58
#define PR_EINPROGRESS	  115
#define PR_ENOENT	  2
#define PR_ENOTDIR	  20
#define PR_EBADF	  9
#define PR_ENOTTY	  25

/* ioctl commands (file/meta.bpf.c: chattr) */
#define PR_FS_IOC_SETFLAGS   0x40086602 /* _IOW('f', 2, long) */
#define PR_FS_IOC32_SETFLAGS 0x40046602 /* _IOW('f', 2, int): the ia32 one */
#define PR_FS_IOC_FSSETXATTR 0x401c5820 /* _IOW('X', 32, struct fsxattr) */
#define PR_TIOCSTI	     0x5412	/* security/escape.bpf.c: terminal input injection */

/* inode types (i_mode & PR_S_IFMT) */
#define PR_S_IFMT   0170000
#define PR_S_IFSOCK 0140000
#define PR_S_IFREG  0100000
#define PR_S_IFBLK  0060000
#define PR_S_IFCHR  0020000
#define PR_S_IFIFO  0010000

/* mmap / mprotect */
#define PR_PROT_READ	       0x1
#define PR_PROT_WRITE	       0x2
#define PR_PROT_EXEC	       0x4
#define PR_MAP_SHARED	       0x01
#define PR_MAP_SHARED_VALIDATE 0x03
#define PR_MAP_TYPE	       0x0f
#define PR_MAP_ANONYMOUS       0x20
#define PR_VM_WRITE	       0x2
#define PR_VM_EXEC	       0x4
#define PR_VM_SHARED	       0x8
#define PR_SHM_RDONLY	       010000 /* shmat flags */
#define PR_SHM_EXEC	       0100000
#define PR_READ_IMPLIES_EXEC   0x0400000 /* personality(2) flag */

/* open(2) and the *at(2) family */
#define PR_O_WRONLY	       01
#define PR_O_CREAT	       0100
#define PR_O_TRUNC	       01000
#define PR_AT_FDCWD	       (-100)
#define PR_AT_REMOVEDIR	       0x200
#define PR_AT_EMPTY_PATH       0x1000
#define PR_CLOSE_RANGE_CLOEXEC 0x4

/* filesystem magics (super_block.s_magic) */
#define PR_PIPEFS_MAGIC	   0x50495045
#define PR_TMPFS_MAGIC	   0x01021994
#define PR_HUGETLBFS_MAGIC 0x958458f6
#define PR_NSFS_MAGIC	   0x6e736673
#define PR_PIDFS_MAGIC	   0x50494446

/* clone / unshare / prctl */
#define PR_CLONE_NEWTIME  0x00000080ULL
#define PR_CLONE_NS_MASK  0xfe020000ULL /* NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET */
#define PR_PR_SET_SECCOMP 22
/* prctl options that change privileges (security/priv.bpf.c) */
#define PR_PR_SET_KEEPCAPS     8
#define PR_PR_SET_SECUREBITS   28
#define PR_PR_SET_NO_NEW_PRIVS 38
#define PR_PR_CAP_AMBIENT      47
#define PR_PFA_NO_NEW_PRIVS    0x1 /* task->atomic_flags bit 0 */

/* thread_info.status while the task is in an ia32 (int $0x80) syscall */
#define PR_TS_COMPAT 0x0002

#endif /* PROCTOR_BPF_CONSTS_H */
