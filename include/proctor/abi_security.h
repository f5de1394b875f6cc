/* abi_security.h: kernel records of the security family: security.privilege
 * (credential changes by syscall or at exec), security.memexec (executable
 * anonymous or W+X memory, memfd execution) and security.escape (namespace,
 * seccomp, ptrace, module, mount, bpf, perf_event, io_uring attempts), and
 * the per-process aggregation slots that keep JIT-style repeats from
 * flooding. Included by bpf/security.bpf.c and src/sensor/decode_security.c.
 * Bounds are documented in docs/EVENTS-security.md. */
#ifndef PROCTOR_ABI_SECURITY_H
#define PROCTOR_ABI_SECURITY_H

#include "proctor/abi.h"

#define PR_SEC_GROUPS_CAP 16	  /* supplementary groups shown per cred snapshot */
#define PR_SEC_STR_CAP	  256	  /* bytes of one string argument (NUL included) */
#define PR_SEC_STRS	  3	  /* string arguments per escape record */
#define PR_AGG_ANY	  (~0ULL) /* aggregation key argument: "any other value" */

/* Common record flags (pr_hdr.flags). */
#define PR_SEC_SUMMARY	    0x1 /* aggregation summary: count is the total so far */
#define PR_SEC_STR0_TRUNC   0x2 /* string 0 was cut at PR_SEC_STR_CAP (1, 2 follow) */
#define PR_SEC_STR1_TRUNC   0x4
#define PR_SEC_STR2_TRUNC   0x8
#define PR_SEC_GROUPS_TRUNC 0x10 /* more groups than PR_SEC_GROUPS_CAP */
#define PR_SEC_AUX_VALID    0x20 /* escape: aux[] holds user memory read at arg aux_arg */
#define PR_SEC_NO_SNAPSHOT  0x40 /* privilege: no "before" snapshot (tracking began mid-call) */
#define PR_SEC_IA32	    0x80 /* escape: nr is an ia32 (int $0x80) number, seen at entry */

/* ---- security.privilege ------------------------------------------------ */

enum pr_priv_op {
	PR_PRIV_SETUID = 1,
	PR_PRIV_SETGID,
	PR_PRIV_SETREUID,
	PR_PRIV_SETREGID,
	PR_PRIV_SETRESUID,
	PR_PRIV_SETRESGID,
	PR_PRIV_SETFSUID,
	PR_PRIV_SETFSGID,
	PR_PRIV_SETGROUPS,
	PR_PRIV_CAPSET,
	PR_PRIV_EXEC, /* credentials changed by execve: user space names it */
	/* prctl (args: option, arg2, arg3): */
	PR_PRIV_CAP_AMBIENT,  /* PR_CAP_AMBIENT RAISE/LOWER/CLEAR_ALL (arg2) */
	PR_PRIV_SECUREBITS,   /* PR_SET_SECUREBITS */
	PR_PRIV_KEEPCAPS,     /* PR_SET_KEEPCAPS (SECBIT_KEEP_CAPS) */
	PR_PRIV_NO_NEW_PRIVS, /* PR_SET_NO_NEW_PRIVS */
};

#define PR_CRED_SECBITS 0xffff	   /* in secbits: the cred's securebits */
#define PR_CRED_NNP	0x80000000 /* in secbits: the thread has no_new_privs */

/* One thread's credentials. */
struct pr_cred_snap {
	__u32 uid, euid, suid, fsuid;
	__u32 gid, egid, sgid, fsgid;
	__u64 cap_inh, cap_prm, cap_eff, cap_amb;
	__u32 ngroups;
	__u32 secbits; /* PR_CRED_SECBITS | PR_CRED_NNP */
	__u32 groups[PR_SEC_GROUPS_CAP];
};
_Static_assert(sizeof(struct pr_cred_snap) == 136, "pr_cred_snap layout");

struct pr_sec_priv {
	struct pr_hdr hdr;
	__u16 op; /* enum pr_priv_op */
	__u16 _pad;
	__s32 ret;     /* syscall result; setfs[ug]id: the previous id */
	__u64 args[3]; /* requested ids as passed; capset: requested eff/prm/inh */
	struct pr_cred_snap from, to;
};
_Static_assert(sizeof(struct pr_sec_priv) == 376, "pr_sec_priv layout");

/* ---- security.memexec -------------------------------------------------- */

enum pr_mem_op {
	PR_MEM_MMAP = 1,
	PR_MEM_MPROTECT,
	PR_MEM_PKEY_MPROTECT,
	PR_MEM_MEMFD_EXEC,
	PR_MEM_UNLINKED_EXEC, /* exec of an unlinked regular file (O_TMPFILE, deleted) */
	PR_MEM_EXEC_STACK,    /* exec of a program whose stack is writable and executable */
	PR_MEM_SHMAT,	      /* shmat(SHM_EXEC): a System V segment attached executable */
};

#define PR_MEM_PROT_IMPLIED 0x100 /* in prot: PROT_EXEC implied by READ_IMPLIES_EXEC */
#define PR_MEM_ANON	    0x1	  /* no file, or a memfd / unlinked file */
#define PR_MEM_FILE	    0x2	  /* path[] holds the backing file's name (last component) */
#define PR_MEM_MEMFD	    0x4	  /* backing file is a memfd */
#define PR_MEM_PATH_TRUNC   0x8
#define PR_MEM_WRITTEN	    0x10 /* private file mapping with written (copied-on-write) pages */
#define PR_MEM_IA32	    0x20 /* the mmap/mprotect came through the ia32 ABI (int $0x80) */

/* Fixed part; when PR_MEM_FILE, path_len bytes of path follow. */
struct pr_sec_memexec {
	struct pr_hdr hdr;
	__u16 op;	 /* enum pr_mem_op */
	__u16 prot;	 /* PROT_* requested */
	__u32 mem_flags; /* PR_MEM_* */
	__u32 map_flags; /* mmap flags (MAP_*) */
	__s32 err;	 /* 0 or -errno */
	__u64 addr, len;
	__u64 count;	/* occurrences of this kind in the process, this one included */
	__u32 path_len; /* including NUL */
	__u32 _pad;
	char path[];
};
_Static_assert(sizeof(struct pr_sec_memexec) == 120, "pr_sec_memexec layout");

/* ---- security.escape --------------------------------------------------- */

/* Which arguments a syscall's record carries as strings: 2 bits per
 * argument (0..5), strings filled in argument order, at most PR_SEC_STRS. */
#define PR_ESC_STR_USER 1 /* NUL-terminated user string */
#define PR_ESC_STR_FD	2 /* file descriptor: its dentry name */
#define PR_ESC_STR_TTY	3 /* file descriptor of a terminal: the tty's name (pts3) */

struct pr_sec_escape {
	struct pr_hdr hdr;
	__u32 nr;      /* native syscall number */
	__u16 aux_arg; /* argument whose user memory is in aux[] (PR_SEC_AUX_VALID) */
	__u16 _pad;
	__s64 ret; /* syscall result (>= 0) or -errno */
	__u64 args[6];
	__u64 aux[2]; /* first 16 bytes of a struct argument (clone_args, perf attr, ...) */
	__u64 count;  /* occurrences in the process, this one included */
	__u16 str_len[PR_SEC_STRS]; /* bytes including NUL, 0 = unused */
	__u16 _pad2;
	char str[PR_SEC_STRS][PR_SEC_STR_CAP];
};
_Static_assert(sizeof(struct pr_sec_escape) == 936, "pr_sec_escape layout");

/* ---- process.signal (bpf/security/signal.bpf.c) ------------------------ */

enum pr_sig_relation {
	PR_SIG_UNKNOWN = 0, /* no single target found (a group, -1, gone) */
	PR_SIG_SELF,	    /* the sender's own process */
	PR_SIG_SESSION,	    /* another process of the sender's session */
	PR_SIG_OUTSIDE,	    /* a process outside the session */
};

#define PR_SIG_OTHER_TARGETS 0x100 /* summary of the coarse slot: targets not kept apart */
#define PR_SIG_EXE_CAP	     64	   /* bytes of the target's executable name (last component) */

/* kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_send_signal
 * at exit. Repeats per (sender process, syscall, target, signal, result)
 * are aggregated (PR_SEC_SUMMARY records at the sender's exit). */
struct pr_signal {
	struct pr_hdr hdr;
	__u32 nr;	  /* native syscall number */
	__s32 sig;	  /* signal number, 0 = existence probe */
	__s32 target;	  /* as passed: pid (kill: <= 0 for groups), tid, or pidfd */
	__u32 target_pid; /* the target's tgid in the host pid namespace, 0 = unknown */
	__s64 ret;	  /* 0 or -errno */
	__u64 count;	  /* occurrences, this one included */
	__u32 relation;	  /* enum pr_sig_relation */
	__u32 target_tid; /* tkill/tgkill: the thread, host namespace; else 0 */
	char target_comm[16];
	char target_exe[PR_SIG_EXE_CAP];
};
_Static_assert(sizeof(struct pr_signal) == 192, "pr_signal layout");

/* Field offsets: a field moved on one side cannot go unnoticed. */
/* clang-format off */
/* pr_cred_snap */
PR_ABI_AT(pr_cred_snap, uid, 0);
PR_ABI_AT(pr_cred_snap, euid, 4);
PR_ABI_AT(pr_cred_snap, suid, 8);
PR_ABI_AT(pr_cred_snap, fsuid, 12);
PR_ABI_AT(pr_cred_snap, gid, 16);
PR_ABI_AT(pr_cred_snap, egid, 20);
PR_ABI_AT(pr_cred_snap, sgid, 24);
PR_ABI_AT(pr_cred_snap, fsgid, 28);
PR_ABI_AT(pr_cred_snap, cap_inh, 32);
PR_ABI_AT(pr_cred_snap, cap_prm, 40);
PR_ABI_AT(pr_cred_snap, cap_eff, 48);
PR_ABI_AT(pr_cred_snap, cap_amb, 56);
PR_ABI_AT(pr_cred_snap, ngroups, 64);
PR_ABI_AT(pr_cred_snap, secbits, 68);
PR_ABI_AT(pr_cred_snap, groups, 72);
/* pr_sec_priv */
PR_ABI_AT(pr_sec_priv, hdr, 0);
PR_ABI_AT(pr_sec_priv, op, 72);
PR_ABI_AT(pr_sec_priv, ret, 76);
PR_ABI_AT(pr_sec_priv, args, 80);
PR_ABI_AT(pr_sec_priv, from, 104);
PR_ABI_AT(pr_sec_priv, to, 240);
/* pr_sec_memexec */
PR_ABI_AT(pr_sec_memexec, hdr, 0);
PR_ABI_AT(pr_sec_memexec, op, 72);
PR_ABI_AT(pr_sec_memexec, prot, 74);
PR_ABI_AT(pr_sec_memexec, mem_flags, 76);
PR_ABI_AT(pr_sec_memexec, map_flags, 80);
PR_ABI_AT(pr_sec_memexec, err, 84);
PR_ABI_AT(pr_sec_memexec, addr, 88);
PR_ABI_AT(pr_sec_memexec, len, 96);
PR_ABI_AT(pr_sec_memexec, count, 104);
PR_ABI_AT(pr_sec_memexec, path_len, 112);
PR_ABI_AT(pr_sec_memexec, path, 120);
/* pr_sec_escape */
PR_ABI_AT(pr_sec_escape, hdr, 0);
PR_ABI_AT(pr_sec_escape, nr, 72);
PR_ABI_AT(pr_sec_escape, aux_arg, 76);
PR_ABI_AT(pr_sec_escape, ret, 80);
PR_ABI_AT(pr_sec_escape, args, 88);
PR_ABI_AT(pr_sec_escape, aux, 136);
PR_ABI_AT(pr_sec_escape, count, 152);
PR_ABI_AT(pr_sec_escape, str_len, 160);
PR_ABI_AT(pr_sec_escape, str, 168);
/* pr_signal */
PR_ABI_AT(pr_signal, nr, 72);
PR_ABI_AT(pr_signal, sig, 76);
PR_ABI_AT(pr_signal, target, 80);
PR_ABI_AT(pr_signal, target_pid, 84);
PR_ABI_AT(pr_signal, ret, 88);
PR_ABI_AT(pr_signal, count, 96);
PR_ABI_AT(pr_signal, relation, 104);
PR_ABI_AT(pr_signal, target_tid, 108);
PR_ABI_AT(pr_signal, target_comm, 112);
PR_ABI_AT(pr_signal, target_exe, 128);
/* clang-format on */

#endif /* PROCTOR_ABI_SECURITY_H */
