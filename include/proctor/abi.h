/* abi.h: the kernel <-> user-space event ABI. The single definition of every
 * record the BPF programs put on the ring buffer and of every map value user
 * space reads. Included by bpf/ (after vmlinux.h) and by src/.
 *
 * Layout rules: every record starts with struct pr_hdr; fixed-size records are
 * reserved/committed in place, variable-size ones (paths, argv) are built in a
 * per-CPU scratch buffer and copied with bpf_ringbuf_output. Sizes are guarded
 * by _Static_assert so a change on one side cannot silently skew the other.
 * Hook families may add their own payloads in include/proctor/abi_*.h. */
#ifndef PROCTOR_ABI_H
#define PROCTOR_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PR_ABI_VERSION 2 /* the BPF object carries it (pr_abi_version); checked at load */

/* A field's offset, asserted on both sides of the ABI. */
#define PR_ABI_AT(type, field, off)                                                                \
	_Static_assert(__builtin_offsetof(struct type, field) == (off), #type "." #field)

/* Event types. Numbering is grouped by family; gaps leave room. */
enum pr_event_type {
	PR_EV_NONE = 0,
	/* process family */
	PR_EV_PROC_EXEC = 1,
	PR_EV_PROC_FORK = 2,
	PR_EV_PROC_EXIT = 3,
	PR_EV_PROC_CGROUP = 4, /* a tracked process moved to another cgroup */
	PR_EV_PROC_SIGNAL = 5, /* a signal sent (hooked by the security family) */
	/* file family */
	PR_EV_FILE_OPEN = 16,
	PR_EV_FILE_READ = 17,
	PR_EV_FILE_WRITE = 18,
	PR_EV_FILE_META = 19,
	/* network family */
	PR_EV_NET_SOCKET = 32,
	PR_EV_NET_CONNECT = 33,
	PR_EV_NET_ACCEPT = 34,
	PR_EV_NET_BIND = 35,
	PR_EV_NET_LISTEN = 36,
	PR_EV_NET_SEND = 37,
	PR_EV_NET_FLOW = 38,
	PR_EV_DNS_PACKET = 48, /* raw DNS payload; user space decodes it */
	/* security family */
	PR_EV_SEC_PRIV = 64,
	PR_EV_SEC_MEMEXEC = 65,
	PR_EV_SEC_ESCAPE = 66,
	/* internal bookkeeping, never exported as events */
	PR_EV_CGROUP_ADD = 80,
	/* policy family (abi_labels.h, abi_policy.h): decisions and labels */
	PR_EV_POLICY_LABEL = 84,      /* a process got a label */
	PR_EV_POLICY_NET = 85,	      /* a connect a label rule decided: a pr_flow */
	PR_EV_POLICY_LABEL_EXEC = 86, /* an exec a label rule decided */
	PR_EV_POLICY_EXEC = 88,	      /* an exec matched an exec rule */
	/* derived in user space from TLS plaintext (src/llm), never from the kernel */
	PR_EV_LLM_CALL = 89,
	PR_EV_LLM_TOOL_CALL = 90,
	PR_EV_LLM_CAPTURE = 91,
	/* a files rule decided an open (fanotify, Landlock): user space only */
	PR_EV_POLICY_FILE = 92,
	/* tls family (abi_tls.h): plaintext of TLS reads and writes */
	PR_EV_TLS_DATA = 93,
	/* a tracked process mapped a TLS library executable: user space hooks it */
	PR_EV_TLS_MAP = 94,
	/* the store's signed chain head, exported to the other sinks: user space only */
	PR_EV_STORE_HEAD = 95,
	/* a tool call did more than it declared (src/app/toolcall_intent.c): user space only */
	PR_EV_INTENT_MISMATCH = 104,
	/* the agent's own OTLP telemetry (src/otlp) and its cross-check: user space only */
	PR_EV_AGENT_TELEMETRY = 108,
	PR_EV_AGENT_TELEMETRY_MISMATCH = 109,
	PR_EV_MAX = 128, /* size of the per-type drop counter array */
};

/* Never called: a compile error ("duplicate case value") if two event types
 * share a number, as the label and TLS families once did. */
/* clang-format off */
static inline int pr_event_types_are_distinct(int t)
{
	switch (t) {
	case PR_EV_NONE: case PR_EV_PROC_EXEC: case PR_EV_PROC_FORK: case PR_EV_PROC_EXIT:
	case PR_EV_PROC_CGROUP: case PR_EV_PROC_SIGNAL: case PR_EV_FILE_OPEN: case PR_EV_FILE_READ:
	case PR_EV_FILE_WRITE: case PR_EV_FILE_META: case PR_EV_NET_SOCKET: case PR_EV_NET_CONNECT:
	case PR_EV_NET_ACCEPT: case PR_EV_NET_BIND: case PR_EV_NET_LISTEN: case PR_EV_NET_SEND:
	case PR_EV_NET_FLOW: case PR_EV_DNS_PACKET: case PR_EV_SEC_PRIV: case PR_EV_SEC_MEMEXEC:
	case PR_EV_SEC_ESCAPE: case PR_EV_CGROUP_ADD: case PR_EV_POLICY_LABEL: case PR_EV_POLICY_NET:
	case PR_EV_POLICY_LABEL_EXEC: case PR_EV_POLICY_EXEC: case PR_EV_LLM_CALL:
	case PR_EV_LLM_TOOL_CALL: case PR_EV_LLM_CAPTURE: case PR_EV_POLICY_FILE: case PR_EV_TLS_DATA:
	case PR_EV_TLS_MAP: case PR_EV_STORE_HEAD: case PR_EV_MAX:
	case PR_EV_INTENT_MISMATCH:
	case PR_EV_AGENT_TELEMETRY: case PR_EV_AGENT_TELEMETRY_MISMATCH:
		return 1;
	}
	return 0;
}
/* clang-format on */

/* Common header of every record. */
struct pr_hdr {
	__u16 type;	   /* enum pr_event_type */
	__u16 flags;	   /* per-type flags */
	__u32 size;	   /* whole record, header included */
	__u64 ts_ns;	   /* CLOCK_BOOTTIME */
	__u64 cgroup_id;   /* cgroup v2 id of the task */
	__u64 session_key; /* value of the tracked_cgroups entry that matched */
	__u32 pid;	   /* tgid */
	__u32 tid;	   /* thread id */
	__u32 ppid;	   /* real parent's tgid */
	__u32 uid;	   /* effective uid */
	__u32 gid;	   /* effective gid */
	__u16 labels;	   /* the process's information-flow labels (abi_labels.h) */
	__u16 _pad;
	char comm[16];
};
_Static_assert(sizeof(struct pr_hdr) == 72, "pr_hdr layout");

/* ---- tracking ---------------------------------------------------------- */

/* tracked_cgroups: cgroup id -> this. A cgroup created under a tracked one is
 * added by the kernel (cgroup_mkdir) with the same session. */
struct pr_tracked {
	__u64 session_key;
	__u32 depth; /* 0 = the session cgroup itself */
	__u32 flags; /* PR_TRACK_* (room for policy bits) */
};
_Static_assert(sizeof(struct pr_tracked) == 16, "pr_tracked layout");

/* Tunables in .rodata, set before load (defaults: bpf/lib/maps.h). */
struct pr_config {
	__u64 wakeup_bytes; /* force a reader wake-up past this much pending data */
	__u32 self_tgid;    /* proctor itself: never recorded */
	__u32 _pad;
	__u64 file_open_window_ns; /* opens of one key within this are folded (EVENTS-file.md) */
	__u64 file_io_period_ns;   /* a file open longer gets a partial I/O summary */
};
_Static_assert(sizeof(struct pr_config) == 32, "pr_config layout");

/* ---- limits user space depends on: one definition each ---------------- */
#define PR_MAX_TRACKED	65536 /* cgroups tracked at once (tracked_cgroups) */
#define PR_MAX_SESSIONS 1024  /* sessions live at once (egress_policy, pipeline, egress) */
/* session_drops: a session's kernel losses, read at its end and then
 * deleted; room for the live sessions and for entries a late loss of a
 * process that outlived its session makes again (never read, never
 * deleted: sixteen generations of them before a new session's losses
 * would be counted only by type, in drops). */
#define PR_SESSION_DROP_KEYS (PR_MAX_SESSIONS * 16)

/* ---- bounds (documented in docs/EVENTS.md) ----------------------------- */
#define PR_ARGV_CAP	 4096 /* bytes of NUL-separated argv captured */
#define PR_PATH_CAP	 4096 /* bytes of one path, NUL included */
#define PR_SYSCALL_SLOTS 512  /* syscall numbers the dispatcher routes */

/* ---- process family ---------------------------------------------------- */

#define PR_EXEC_ARGS_TRUNC 0x1
#define PR_EXEC_EXE_TRUNC  0x2
#define PR_EXEC_CWD_TRUNC  0x4
/* execve/execveat returned err: exe = the path as passed, no cwd, argv as passed */
#define PR_EXEC_FAILED 0x8
/* with PR_EXEC_FAILED: the execve/execveat came through the ia32 ABI (int $0x80) */
#define PR_EXEC_IA32 0x10

/* process.exec: followed by data = exe\0 cwd\0 argv (args_size bytes, each
 * argument NUL-terminated unless cut by the cap). */
struct pr_exec {
	struct pr_hdr hdr;
	__u32 old_tid;	  /* thread that called execve (differs when a non-leader did) */
	__u32 args_total; /* bytes of argv in the process; > args_size when cut */
	__u32 args_size;
	__u16 exe_len; /* including NUL */
	__u16 cwd_len; /* including NUL */
	__u32 ruid;    /* real uid, euid is in hdr: a difference is a setuid exec */
	__s32 err;     /* PR_EXEC_FAILED: the negative errno; else 0 */
	char data[];
};
_Static_assert(sizeof(struct pr_exec) == 96, "pr_exec layout");

#define PR_FORK_THREAD 0x1 /* CLONE_THREAD: a new thread, not a new process */
#define PR_FORK_VFORK  0x2

/* process.fork: the header describes the child. */
struct pr_fork {
	struct pr_hdr hdr;
	__u64 clone_flags; /* from clone/clone3 args when the syscall carries them */
	__u32 syscall_nr;  /* fork/vfork/clone/clone3 of the parent, -1 unknown */
	__u32 parent_tid;
};
_Static_assert(sizeof(struct pr_fork) == 88, "pr_fork layout");

/* process.exit: emitted once, when the last thread of a process exits. */
struct pr_exit {
	struct pr_hdr hdr;
	__u32 exit_code; /* wait(2) status layout: code<<8 | core<<7 | signal */
	__u32 _pad;
	__u64 start_ns; /* task start, CLOCK_BOOTTIME */
};
_Static_assert(sizeof(struct pr_exit) == 88, "pr_exit layout");

#define PR_CGROUP_OWN	    0 /* the new cgroup is one of the process's own session */
#define PR_CGROUP_UNTRACKED 1 /* no session's cgroup (the root, another slice) */
#define PR_CGROUP_OTHER	    2 /* a cgroup of another session */

#define PR_CGROUP_CHANGE_PATH_CAP 256 /* bytes of the new cgroup's path, NUL included */

/* process.cgroup_change: a tracked process (hdr.pid, the thread group
 * leader moved) left its cgroup. It stays in its session (hdr.session_key)
 * wherever it goes; data = the new cgroup's path (path_len bytes, NUL
 * included), relative to the cgroup v2 root. */
struct pr_cgroup_change {
	struct pr_hdr hdr;
	__u64 old_cgroup_id;
	__u64 new_cgroup_id;
	__u32 relation;	       /* PR_CGROUP_OWN / UNTRACKED / OTHER */
	__u32 path_len;	       /* including NUL; 0 when the kernel gave no path */
	__u64 new_session_key; /* the new cgroup's session when relation is OTHER */
	char data[];
};
_Static_assert(sizeof(struct pr_cgroup_change) == 104, "pr_cgroup_change layout");

/* internal: a cgroup was created under a tracked one. */
struct pr_cgroup_add {
	struct pr_hdr hdr;
	__u64 new_cgroup_id;
	__u64 parent_cgroup_id;
};
_Static_assert(sizeof(struct pr_cgroup_add) == 88, "pr_cgroup_add layout");

/* Field offsets: a field moved on one side cannot go unnoticed. */
/* clang-format off */
/* pr_hdr */
PR_ABI_AT(pr_hdr, type, 0);
PR_ABI_AT(pr_hdr, flags, 2);
PR_ABI_AT(pr_hdr, size, 4);
PR_ABI_AT(pr_hdr, ts_ns, 8);
PR_ABI_AT(pr_hdr, cgroup_id, 16);
PR_ABI_AT(pr_hdr, session_key, 24);
PR_ABI_AT(pr_hdr, pid, 32);
PR_ABI_AT(pr_hdr, tid, 36);
PR_ABI_AT(pr_hdr, ppid, 40);
PR_ABI_AT(pr_hdr, uid, 44);
PR_ABI_AT(pr_hdr, gid, 48);
PR_ABI_AT(pr_hdr, labels, 52);
PR_ABI_AT(pr_hdr, comm, 56);
/* pr_tracked */
PR_ABI_AT(pr_tracked, session_key, 0);
PR_ABI_AT(pr_tracked, depth, 8);
PR_ABI_AT(pr_tracked, flags, 12);
/* pr_config */
PR_ABI_AT(pr_config, wakeup_bytes, 0);
PR_ABI_AT(pr_config, self_tgid, 8);
PR_ABI_AT(pr_config, file_open_window_ns, 16);
PR_ABI_AT(pr_config, file_io_period_ns, 24);
/* pr_exec */
PR_ABI_AT(pr_exec, hdr, 0);
PR_ABI_AT(pr_exec, old_tid, 72);
PR_ABI_AT(pr_exec, args_total, 76);
PR_ABI_AT(pr_exec, args_size, 80);
PR_ABI_AT(pr_exec, exe_len, 84);
PR_ABI_AT(pr_exec, cwd_len, 86);
PR_ABI_AT(pr_exec, ruid, 88);
PR_ABI_AT(pr_exec, err, 92);
PR_ABI_AT(pr_exec, data, 96);
/* pr_fork */
PR_ABI_AT(pr_fork, hdr, 0);
PR_ABI_AT(pr_fork, clone_flags, 72);
PR_ABI_AT(pr_fork, syscall_nr, 80);
PR_ABI_AT(pr_fork, parent_tid, 84);
/* pr_exit */
PR_ABI_AT(pr_exit, hdr, 0);
PR_ABI_AT(pr_exit, exit_code, 72);
PR_ABI_AT(pr_exit, start_ns, 80);
/* pr_cgroup_change */
PR_ABI_AT(pr_cgroup_change, old_cgroup_id, 72);
PR_ABI_AT(pr_cgroup_change, new_cgroup_id, 80);
PR_ABI_AT(pr_cgroup_change, relation, 88);
PR_ABI_AT(pr_cgroup_change, path_len, 92);
PR_ABI_AT(pr_cgroup_change, new_session_key, 96);
/* pr_cgroup_add */
PR_ABI_AT(pr_cgroup_add, hdr, 0);
PR_ABI_AT(pr_cgroup_add, new_cgroup_id, 72);
PR_ABI_AT(pr_cgroup_add, parent_cgroup_id, 80);
/* clang-format on */

#endif /* PROCTOR_ABI_H */
