/* syscalls.h: the one syscall table. Every syscall proctor hooks or names is
 * listed once in PR_SYSCALLS with its number on each architecture, and every
 * (syscall, direction) a hook family handles once in PR_SYSCALL_ROUTES. From
 * them come the PR_NR_* constants the BPF programs switch on, the routing
 * table user space loads into the dispatcher (src/sensor/syscall_table.c)
 * and the decoders' syscall names (syscall_name()). The numbers are checked
 * against libseccomp by tests/unit/test_syscall_table.c. Included by bpf/ and
 * by src/; it includes nothing. */
#ifndef PROCTOR_SYSCALLS_H
#define PROCTOR_SYSCALLS_H

#define PR_NR_NONE (-1) /* the architecture has no such syscall */

/* clang-format off */

/* X(name, x86_64, arm64) */
#define PR_SYSCALLS(X)                                                                             \
	/* file family */                                                                          \
	X(read, 0, 63)              X(write, 1, 64)             X(open, 2, PR_NR_NONE)            \
	X(close, 3, 57)             X(mmap, 9, 222)             X(mprotect, 10, 226)              \
	X(pread64, 17, 67)          X(pwrite64, 18, 68)         X(readv, 19, 65)                  \
	X(writev, 20, 66)           X(dup2, 33, PR_NR_NONE)     X(sendfile, 40, 71)               \
	X(truncate, 76, 45)         X(ftruncate, 77, 46)        X(rename, 82, PR_NR_NONE)         \
	X(mkdir, 83, PR_NR_NONE)    X(rmdir, 84, PR_NR_NONE)    X(creat, 85, PR_NR_NONE)          \
	X(link, 86, PR_NR_NONE)     X(unlink, 87, PR_NR_NONE)   X(symlink, 88, PR_NR_NONE)        \
	X(chmod, 90, PR_NR_NONE)    X(fchmod, 91, 52)           X(chown, 92, PR_NR_NONE)          \
	X(fchown, 93, 55)           X(lchown, 94, PR_NR_NONE)   X(utime, 132, PR_NR_NONE)         \
	X(mknod, 133, PR_NR_NONE)   X(setxattr, 188, 5)         X(lsetxattr, 189, 6)              \
	X(fsetxattr, 190, 7)        X(removexattr, 197, 14)     X(lremovexattr, 198, 15)          \
	X(fremovexattr, 199, 16)    X(utimes, 235, PR_NR_NONE)  X(openat, 257, 56)                \
	X(mkdirat, 258, 34)         X(mknodat, 259, 33)         X(fchownat, 260, 54)              \
	X(futimesat, 261, PR_NR_NONE) X(unlinkat, 263, 35)      X(renameat, 264, 38)              \
	X(linkat, 265, 37)          X(symlinkat, 266, 36)       X(fchmodat, 268, 53)              \
	X(splice, 275, 76)          X(utimensat, 280, 88)       X(dup3, 292, 24)                  \
	X(preadv, 295, 69)          X(pwritev, 296, 70)         X(open_by_handle_at, 304, 265)    \
	X(renameat2, 316, 276)      X(copy_file_range, 326, 285) X(preadv2, 327, 286)             \
	X(pwritev2, 328, 287)       X(close_range, 436, 436)    X(openat2, 437, 437)              \
	X(fchmodat2, 452, 452)      X(setxattrat, 463, 463)     X(removexattrat, 466, 466)        \
	/* network family */                                                                       \
	X(socket, 41, 198)          X(connect, 42, 203)         X(accept, 43, 202)                \
	X(sendto, 44, 206)          X(sendmsg, 46, 211)         X(bind, 49, 200)                  \
	X(listen, 50, 201)          X(accept4, 288, 242)        X(sendmmsg, 307, 269)             \
	/* security family */                                                                      \
	X(setuid, 105, 146)         X(setgid, 106, 144)         X(setreuid, 113, 145)             \
	X(setregid, 114, 143)       X(setgroups, 116, 159)      X(setresuid, 117, 147)            \
	X(setresgid, 119, 149)      X(setfsuid, 122, 151)       X(setfsgid, 123, 152)             \
	X(capset, 126, 91)          X(execve, 59, 221)          X(execveat, 322, 281)             \
	X(pkey_mprotect, 329, 288)  X(exit_group, 231, 94)      X(unshare, 272, 97)               \
	X(setns, 308, 268)          X(clone, 56, 220)           X(clone3, 435, 435)               \
	X(seccomp, 317, 277)        X(prctl, 157, 167)          X(ptrace, 101, 117)               \
	X(process_vm_readv, 310, 270) X(process_vm_writev, 311, 271)                              \
	X(init_module, 175, 105)    X(finit_module, 313, 273)   X(delete_module, 176, 106)        \
	X(mount, 165, 40)           X(umount2, 166, 39)         X(pivot_root, 155, 41)            \
	X(open_tree, 428, 428)      X(move_mount, 429, 429)     X(fsopen, 430, 430)               \
	X(fsmount, 432, 432)        X(mount_setattr, 442, 442)  X(bpf, 321, 280)                  \
	X(perf_event_open, 298, 241) X(io_uring_setup, 425, 425)                                  \
	X(kill, 62, 129)            X(tkill, 200, 130)          X(tgkill, 234, 131)               \
	X(rt_sigqueueinfo, 129, 138) X(rt_tgsigqueueinfo, 297, 240)                               \
	X(pidfd_send_signal, 424, 424) X(pidfd_getfd, 438, 438)                                   \
	X(ioctl, 16, 29)            X(shmat, 30, 196)           X(recvmsg, 47, 212)               \
	/* policy family: labels carried by socket reads */                                        \
	X(recvfrom, 45, 207)                                                                       \
	/* named by the decoders only */                                                           \
	X(fork, 57, PR_NR_NONE)     X(vfork, 58, PR_NR_NONE)    X(io_uring_enter, 426, 426)

/* R(name, family, direction, program, chains): the tail program the
 * dispatcher runs for syscall name at ENTER or EXIT. One program per
 * (syscall, direction), unless the first one listed chains (ends with
 * PR_CHAIN_*): then a second family's program runs after it. Programs are
 * in bpf/<family>/; tests/unit/test_syscall_hooks.c checks that each one
 * exists in the built object. */
#define PR_SYSCALL_ROUTES(R)                                                                       \
	/* file: opens, metadata and read/write at exit; closes at entry */                        \
	R(open, file, EXIT, tail_file_open, 0)             R(creat, file, EXIT, tail_file_open, 0) \
	R(openat, file, EXIT, tail_file_open, 0)           R(openat2, file, EXIT, tail_file_open, 0) \
	R(open_by_handle_at, file, EXIT, tail_file_open, 0)                                        \
	R(unlink, file, EXIT, tail_file_meta, 0)           R(rmdir, file, EXIT, tail_file_meta, 0) \
	R(rename, file, EXIT, tail_file_meta, 0)           R(link, file, EXIT, tail_file_meta, 0) \
	R(symlink, file, EXIT, tail_file_meta, 0)          R(mkdir, file, EXIT, tail_file_meta, 0) \
	R(mknod, file, EXIT, tail_file_meta, 0)            R(chmod, file, EXIT, tail_file_meta, 0) \
	R(chown, file, EXIT, tail_file_meta, 0)            R(lchown, file, EXIT, tail_file_meta, 0) \
	R(utime, file, EXIT, tail_file_meta, 0)            R(utimes, file, EXIT, tail_file_meta, 0) \
	R(futimesat, file, EXIT, tail_file_meta, 0)        R(unlinkat, file, EXIT, tail_file_meta, 0) \
	R(renameat, file, EXIT, tail_file_meta, 0)         R(renameat2, file, EXIT, tail_file_meta, 0) \
	R(linkat, file, EXIT, tail_file_meta, 0)           R(symlinkat, file, EXIT, tail_file_meta, 0) \
	R(mkdirat, file, EXIT, tail_file_meta, 0)          R(mknodat, file, EXIT, tail_file_meta, 0) \
	R(fchmod, file, EXIT, tail_file_meta, 0)           R(fchmodat, file, EXIT, tail_file_meta, 0) \
	R(fchmodat2, file, EXIT, tail_file_meta, 0)        R(fchown, file, EXIT, tail_file_meta, 0) \
	R(fchownat, file, EXIT, tail_file_meta, 0)         R(truncate, file, EXIT, tail_file_meta, 0) \
	R(ftruncate, file, EXIT, tail_file_meta, 0)        R(utimensat, file, EXIT, tail_file_meta, 0) \
	R(setxattr, file, EXIT, tail_file_meta, 0)         R(lsetxattr, file, EXIT, tail_file_meta, 0) \
	R(fsetxattr, file, EXIT, tail_file_meta, 0)        R(removexattr, file, EXIT, tail_file_meta, 0) \
	R(lremovexattr, file, EXIT, tail_file_meta, 0)     R(fremovexattr, file, EXIT, tail_file_meta, 0) \
	R(setxattrat, file, EXIT, tail_file_meta, 0)       R(removexattrat, file, EXIT, tail_file_meta, 0) \
	R(read, file, EXIT, tail_file_rw, 0)               R(write, file, EXIT, tail_file_rw, 0)   \
	R(pread64, file, EXIT, tail_file_rw, 0)            R(pwrite64, file, EXIT, tail_file_rw, 0) \
	R(readv, file, EXIT, tail_file_rw, 0)              R(writev, file, EXIT, tail_file_rw, 0)  \
	R(preadv, file, EXIT, tail_file_rw, 0)             R(pwritev, file, EXIT, tail_file_rw, 0) \
	R(preadv2, file, EXIT, tail_file_rw, 0)            R(pwritev2, file, EXIT, tail_file_rw, 0) \
	R(sendfile, file, EXIT, tail_file_rw, 0)           R(splice, file, EXIT, tail_file_rw, 0)  \
	R(copy_file_range, file, EXIT, tail_file_rw, 0)                                            \
	/* mmap and mprotect: security (memexec) wants them too, so files chain */                 \
	R(mmap, file, EXIT, tail_file_mmap, 1)             R(mprotect, file, EXIT, tail_file_mprotect, 1) \
	R(close, file, ENTER, tail_file_close, 0)          R(close_range, file, ENTER, tail_file_close, 0) \
	R(dup2, file, ENTER, tail_file_close, 0)           R(dup3, file, ENTER, tail_file_close, 0) \
	/* security.privilege: credentials snapshot at entry, compared at exit */                  \
	R(setuid, security, ENTER, tail_sec_cred_enter, 0)    R(setuid, security, EXIT, tail_sec_setuid_exit, 0) \
	R(setgid, security, ENTER, tail_sec_cred_enter, 0)    R(setgid, security, EXIT, tail_sec_setgid_exit, 0) \
	R(setreuid, security, ENTER, tail_sec_cred_enter, 0)  R(setreuid, security, EXIT, tail_sec_setreuid_exit, 0) \
	R(setregid, security, ENTER, tail_sec_cred_enter, 0)  R(setregid, security, EXIT, tail_sec_setregid_exit, 0) \
	R(setresuid, security, ENTER, tail_sec_cred_enter, 0) R(setresuid, security, EXIT, tail_sec_setresuid_exit, 0) \
	R(setresgid, security, ENTER, tail_sec_cred_enter, 0) R(setresgid, security, EXIT, tail_sec_setresgid_exit, 0) \
	R(setfsuid, security, ENTER, tail_sec_cred_enter, 0)  R(setfsuid, security, EXIT, tail_sec_setfsuid_exit, 0) \
	R(setfsgid, security, ENTER, tail_sec_cred_enter, 0)  R(setfsgid, security, EXIT, tail_sec_setfsgid_exit, 0) \
	R(setgroups, security, ENTER, tail_sec_cred_enter, 0) R(setgroups, security, EXIT, tail_sec_setgroups_exit, 0) \
	R(capset, security, ENTER, tail_sec_cred_enter, 0)    R(capset, security, EXIT, tail_sec_capset_exit, 0) \
	/* prctl: privilege options here, PR_SET_SECCOMP chained on to the escape program */      \
	R(prctl, security, ENTER, tail_sec_prctl_enter, 0)    R(prctl, security, EXIT, tail_sec_prctl_priv_exit, 1) \
	R(execve, security, ENTER, tail_sec_execve_enter, 0)  R(execve, security, EXIT, tail_sec_exec_exit, 0) \
	R(execveat, security, ENTER, tail_sec_execveat_enter, 0) R(execveat, security, EXIT, tail_sec_exec_exit, 0) \
	/* security.memexec; exit_group flushes the aggregation summaries */                       \
	R(mmap, security, EXIT, tail_sec_mmap_exit, 0)     R(mprotect, security, EXIT, tail_sec_mprotect_exit, 0) \
	R(pkey_mprotect, security, EXIT, tail_sec_pkey_mprotect_exit, 0)                           \
	R(shmat, security, EXIT, tail_sec_shmat_exit, 0)                                           \
	R(exit_group, security, ENTER, tail_sec_exit_group_enter, 0)                               \
	/* security.escape */                                                                      \
	R(unshare, security, EXIT, tail_sec_unshare_exit, 0) R(setns, security, EXIT, tail_sec_setns_exit, 0) \
	R(clone, security, EXIT, tail_sec_clone_exit, 0)   R(clone3, security, EXIT, tail_sec_clone3_exit, 0) \
	R(seccomp, security, EXIT, tail_sec_seccomp_exit, 0) R(prctl, security, EXIT, tail_sec_prctl_exit, 0) \
	R(ptrace, security, EXIT, tail_sec_ptrace_exit, 0)                                         \
	R(process_vm_readv, security, EXIT, tail_sec_process_vm_exit, 0)                           \
	R(process_vm_writev, security, EXIT, tail_sec_process_vm_exit, 0)                          \
	R(init_module, security, EXIT, tail_sec_init_module_exit, 0)                               \
	R(finit_module, security, EXIT, tail_sec_finit_module_exit, 0)                             \
	R(delete_module, security, EXIT, tail_sec_delete_module_exit, 0)                           \
	R(mount, security, EXIT, tail_sec_mount_exit, 0)   R(umount2, security, EXIT, tail_sec_umount2_exit, 0) \
	R(pivot_root, security, EXIT, tail_sec_pivot_root_exit, 0)                                 \
	R(move_mount, security, EXIT, tail_sec_move_mount_exit, 0)                                 \
	R(fsopen, security, EXIT, tail_sec_fsopen_exit, 0) R(fsmount, security, EXIT, tail_sec_fsmount_exit, 0) \
	R(open_tree, security, EXIT, tail_sec_open_tree_exit, 0)                                   \
	R(mount_setattr, security, EXIT, tail_sec_mount_setattr_exit, 0)                           \
	R(bpf, security, EXIT, tail_sec_bpf_exit, 0)                                               \
	R(perf_event_open, security, EXIT, tail_sec_perf_event_open_exit, 0)                       \
	R(io_uring_setup, security, EXIT, tail_sec_io_uring_setup_exit, 0)                         \
	/* process.signal */                                                                       \
	R(kill, security, EXIT, tail_sec_signal_exit, 0)   R(tkill, security, EXIT, tail_sec_signal_exit, 0) \
	R(tgkill, security, EXIT, tail_sec_signal_exit, 0)                                         \
	R(rt_sigqueueinfo, security, EXIT, tail_sec_signal_exit, 0)                                \
	R(rt_tgsigqueueinfo, security, EXIT, tail_sec_signal_exit, 0)                              \
	R(pidfd_send_signal, security, EXIT, tail_sec_signal_exit, 0)                              \
	R(pidfd_getfd, security, EXIT, tail_sec_pidfd_getfd_exit, 0)                               \
	R(recvmsg, security, EXIT, tail_sec_recvmsg_exit, 0) /* SCM_RIGHTS from outside */          \
	/* file.metadata setflags (chattr): ioctl filtered on the command first; TIOCSTI chains */ \
	R(ioctl, file, ENTER, tail_file_ioctl_enter, 0)    R(ioctl, file, EXIT, tail_file_ioctl, 1) \
	R(ioctl, security, EXIT, tail_sec_ioctl_exit, 0)                                           \
	/* network: every record carries the result */                                            \
	R(socket, net, EXIT, tail_net_socket, 0)           R(connect, net, EXIT, tail_net_connect, 0) \
	R(bind, net, EXIT, tail_net_bind, 0)               R(listen, net, EXIT, tail_net_listen, 0) \
	R(accept, net, EXIT, tail_net_accept, 0)           R(accept4, net, EXIT, tail_net_accept, 0) \
	R(sendto, net, EXIT, tail_net_sendto, 0)           R(sendmsg, net, EXIT, tail_net_sendmsg, 0) \
	R(sendmmsg, net, EXIT, tail_net_sendmmsg, 0)                                                \
	/* policy: information-flow labels of socket reads (send* and recvmsg call it too) */       \
	R(recvfrom, policy, EXIT, tail_label_recvfrom, 0)

/* I(name, i386_name, i386, program): the ia32 (int $0x80 / 32-bit compat)
 * syscalls decoded into the same records as their native namesake name,
 * with their name and number in the i386 table and the tail program the
 * dispatcher runs at their sys_exit (slot i386 of sys_ia32_exit_tails). The
 * programs translate the number (ia32_native_nr) and read the arguments from
 * bx, cx, dx, si, di, bp. PR_IA32_MUX lists the one without a native
 * namesake: socketcall(call, args) multiplexes the socket calls. */
#define PR_IA32_SYSCALLS(I)                                                                        \
	I(open, open, 5, tail_file_open_ia32)         I(creat, creat, 8, tail_file_open_ia32)   \
	I(openat, openat, 295, tail_file_open_ia32)   I(openat2, openat2, 437, tail_file_open_ia32) \
	I(open_by_handle_at, open_by_handle_at, 342, tail_file_open_ia32)                       \
	I(read, read, 3, tail_file_rw_ia32)           I(write, write, 4, tail_file_rw_ia32)     \
	I(pread64, pread64, 180, tail_file_rw_ia32)   I(pwrite64, pwrite64, 181, tail_file_rw_ia32) \
	I(readv, readv, 145, tail_file_rw_ia32)       I(writev, writev, 146, tail_file_rw_ia32) \
	I(preadv, preadv, 333, tail_file_rw_ia32)     I(pwritev, pwritev, 334, tail_file_rw_ia32) \
	I(preadv2, preadv2, 378, tail_file_rw_ia32)   I(pwritev2, pwritev2, 379, tail_file_rw_ia32) \
	I(sendfile, sendfile, 187, tail_file_rw_ia32) I(splice, splice, 313, tail_file_rw_ia32) \
	I(copy_file_range, copy_file_range, 377, tail_file_rw_ia32)                             \
	I(unlink, unlink, 10, tail_file_meta_ia32)    I(link, link, 9, tail_file_meta_ia32)     \
	I(rename, rename, 38, tail_file_meta_ia32)    I(mkdir, mkdir, 39, tail_file_meta_ia32)  \
	I(rmdir, rmdir, 40, tail_file_meta_ia32)      I(symlink, symlink, 83, tail_file_meta_ia32) \
	I(mknod, mknod, 14, tail_file_meta_ia32)      I(chmod, chmod, 15, tail_file_meta_ia32)  \
	I(fchmod, fchmod, 94, tail_file_meta_ia32)    I(chown, chown32, 212, tail_file_meta_ia32) \
	I(lchown, lchown32, 198, tail_file_meta_ia32) I(fchown, fchown32, 207, tail_file_meta_ia32) \
	I(truncate, truncate, 92, tail_file_meta_ia32) I(ftruncate, ftruncate, 93, tail_file_meta_ia32) \
	I(unlinkat, unlinkat, 301, tail_file_meta_ia32) I(renameat, renameat, 302, tail_file_meta_ia32) \
	I(renameat2, renameat2, 353, tail_file_meta_ia32) I(linkat, linkat, 303, tail_file_meta_ia32) \
	I(symlinkat, symlinkat, 304, tail_file_meta_ia32) I(mkdirat, mkdirat, 296, tail_file_meta_ia32) \
	I(mknodat, mknodat, 297, tail_file_meta_ia32) I(fchmodat, fchmodat, 306, tail_file_meta_ia32) \
	I(fchmodat2, fchmodat2, 452, tail_file_meta_ia32) I(fchownat, fchownat, 298, tail_file_meta_ia32) \
	I(utimensat, utimensat, 320, tail_file_meta_ia32) I(setxattr, setxattr, 226, tail_file_meta_ia32) \
	I(lsetxattr, lsetxattr, 227, tail_file_meta_ia32) I(fsetxattr, fsetxattr, 228, tail_file_meta_ia32) \
	I(removexattr, removexattr, 235, tail_file_meta_ia32)                                   \
	I(lremovexattr, lremovexattr, 236, tail_file_meta_ia32)                                 \
	I(fremovexattr, fremovexattr, 237, tail_file_meta_ia32)                                 \
	/* 16-bit ids, split 64-bit lengths, compat times: fixed up by ia32_meta_fixup */          \
	I(chown, chown, 182, tail_file_meta_ia32)     I(lchown, lchown, 16, tail_file_meta_ia32) \
	I(fchown, fchown, 95, tail_file_meta_ia32)                                              \
	I(truncate, truncate64, 193, tail_file_meta_ia32)                                       \
	I(ftruncate, ftruncate64, 194, tail_file_meta_ia32)                                     \
	I(utime, utime, 30, tail_file_meta_ia32)      I(utimes, utimes, 271, tail_file_meta_ia32) \
	I(futimesat, futimesat, 299, tail_file_meta_ia32)                                       \
	I(utimensat, utimensat_time64, 412, tail_file_meta_ia32)                                \
	I(socket, socket, 359, tail_net_ia32)         I(bind, bind, 361, tail_net_ia32)         \
	I(connect, connect, 362, tail_net_ia32)       I(listen, listen, 363, tail_net_ia32)     \
	I(accept4, accept4, 364, tail_net_ia32)       I(sendto, sendto, 369, tail_net_ia32)     \
	I(sendmsg, sendmsg, 370, tail_net_ia32)       I(sendmmsg, sendmmsg, 345, tail_net_ia32) \
	/* memory: file.mmap accounting, then security.memexec */                               \
	I(mmap, mmap, 90, tail_file_mem_ia32)         I(mmap, mmap2, 192, tail_file_mem_ia32)   \
	I(mprotect, mprotect, 125, tail_file_mem_ia32)                                          \
	I(pkey_mprotect, pkey_mprotect, 380, tail_file_mem_ia32)                                \
	/* a failed exec: process.exec with its 32-bit argv */                                   \
	I(execve, execve, 11, tail_sec_exec_ia32_exit) I(execveat, execveat, 358, tail_sec_exec_ia32_exit) \
	/* process.signal */                                                                     \
	I(kill, kill, 37, tail_sec_signal_ia32_exit)  I(tkill, tkill, 238, tail_sec_signal_ia32_exit) \
	I(tgkill, tgkill, 270, tail_sec_signal_ia32_exit)                                       \
	I(rt_sigqueueinfo, rt_sigqueueinfo, 178, tail_sec_signal_ia32_exit)                     \
	I(rt_tgsigqueueinfo, rt_tgsigqueueinfo, 335, tail_sec_signal_ia32_exit)                 \
	I(pidfd_send_signal, pidfd_send_signal, 424, tail_sec_signal_ia32_exit)               \
	/* file.metadata setflags (chattr); the flags before are read at entry, below */        \
	I(ioctl, ioctl, 54, tail_file_ioctl_ia32)
#define PR_IA32_MUX(I) I(socketcall, socketcall, 102, tail_net_ia32)
/* The same at sys_enter (slot i386 of sys_ia32_enter_tails): the closes that
 * end I/O summaries. Their program then runs PR_IA32_PROG as well. */
#define PR_IA32_ENTER_SYSCALLS(I)                                                                  \
	I(close, close, 6, tail_file_close_ia32)      I(dup2, dup2, 63, tail_file_close_ia32)   \
	I(dup3, dup3, 330, tail_file_close_ia32)      I(close_range, close_range, 436, tail_file_close_ia32)
/* At sys_enter too, for calls PR_IA32_SYSCALLS has (their i386 number and name
 * are defined there): chattr's flags before. Then PR_IA32_PROG as well. */
#define PR_IA32_ENTER_ALSO(I) I(ioctl, ioctl, 54, tail_file_ioctl_ia32_enter)

/* clang-format on */

/* Or'ed into a record's syscall number: the call came through the ia32 ABI
 * (decoded as <family>.syscall_abi: "ia32"). */
#define PR_SYSCALL_IA32 0x8000

/* The program every ia32 syscall (int $0x80) goes to at entry (slot 0 of
 * sys_ia32_enter; bpf/security/escape.bpf.c). */
#define PR_IA32_PROG "tail_sec_ia32_enter"

/* i386 numbers: PR_NR32_<i386_name>. */
enum pr_syscall_nr32 {
#define PR_NR32_OF(name, i386_name, i386, prog) PR_NR32_##i386_name = (i386),
	PR_IA32_SYSCALLS(PR_NR32_OF) PR_IA32_MUX(PR_NR32_OF) PR_IA32_ENTER_SYSCALLS(PR_NR32_OF)
#undef PR_NR32_OF
};

/* Position of each syscall in PR_SYSCALLS. */
enum pr_syscall_index {
#define PR_SYSCALL_INDEX(name, x86_64, arm64) PR_SYSIDX_##name,
	PR_SYSCALLS(PR_SYSCALL_INDEX)
#undef PR_SYSCALL_INDEX
		PR_SYSCALL_COUNT
};

/* This architecture's number. A syscall the architecture lacks gets a
 * distinct negative number: no syscall has it, and switch cases stay
 * distinct. */
#if defined(__TARGET_ARCH_x86) || (!defined(__bpf__) && defined(__x86_64__))
#define PR_NR_OF(name, x86_64, arm64) (x86_64)
#elif defined(__TARGET_ARCH_arm64) || (!defined(__bpf__) && defined(__aarch64__))
#define PR_NR_OF(name, x86_64, arm64) ((arm64) == PR_NR_NONE ? -1000 - PR_SYSIDX_##name : (arm64))
#else
#error "proctor knows the syscall numbers of x86_64 and arm64 only"
#endif

enum pr_syscall_nr {
#define PR_SYSCALL_NR_OF(name, x86_64, arm64) PR_NR_##name = PR_NR_OF(name, x86_64, arm64),
	PR_SYSCALLS(PR_SYSCALL_NR_OF)
#undef PR_SYSCALL_NR_OF
};

#endif /* PROCTOR_SYSCALLS_H */
