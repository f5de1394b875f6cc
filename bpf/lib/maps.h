/* maps.h: every map and every global of the BPF programs, each defined once.
 * All are __weak: each object under bpf/ includes this header and the
 * static linker (bpftool gen object) merges them into one. User space
 * reaches them through the skeleton (proctor.skel.h) by these names. */
#ifndef PROCTOR_BPF_MAPS_H
#define PROCTOR_BPF_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/types.h"

/* ---- emission (lib/emit.h) --------------------------------------------- */

/* All records go through one ring buffer; user space sizes it before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps") __weak;

/* Reserve/output failures, per CPU and per event type. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PR_EV_MAX);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps") __weak;

/* Lost records per session (for the session summary). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PR_SESSION_DROP_KEYS);
	__type(key, __u64);
	__type(value, __u64);
} session_drops SEC(".maps") __weak;

/* Last forced wake-up of the reader, per CPU (ns). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} wakeup_last SEC(".maps") __weak;

/* Per-CPU assembly area for variable-size records and the path walk. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pr_scratch);
} scratch SEC(".maps") __weak;

/* The ABI this object was built with; user space refuses another. */
const volatile __u32 pr_abi_version __weak = PR_ABI_VERSION;

/* Tunables set in .rodata before load. */
const volatile struct pr_config pr_cfg __weak = {
	.wakeup_bytes = 1 << 20,
	.file_open_window_ns = 1000000000ull,
	.file_io_period_ns = 10000000000ull,
};

/* ---- scoping (lib/task.h) ---------------------------------------------- */

/* cgroup v2 id -> session. Session cgroups and their descendants. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PR_MAX_TRACKED);
	__type(key, __u64);
	__type(value, struct pr_tracked);
} tracked_cgroups SEC(".maps") __weak;

/* Lineage: task -> the session it belongs to, whatever its cgroup. Set when
 * a task first runs tracked (entry into a session cgroup, its first exec or
 * fork there) and copied to every child at fork, so a tracked task and its
 * descendants stay in their own session wherever they move (another
 * cgroup, the root, another session's cgroup). Freed with the task. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct pr_lineage);
} task_lineage SEC(".maps") __weak;

/* Untracked-task filter in front of tracked_cgroups: one byte per slot,
 * indexed by the low bits of the cgroup id (lib/task.h explains the rules).
 * A global (.bss) array: a load, no helper call. pr_track_filter_mask
 * (rodata, known to the verifier) shrinks the table for tests that force
 * collisions. */
#define PR_TRACK_FILTER_SLOTS (1u << 16)
__u8 pr_track_filter[PR_TRACK_FILTER_SLOTS] __weak SEC(".bss");
const volatile __u32 pr_track_filter_mask __weak = PR_TRACK_FILTER_SLOTS - 1;

/* ---- syscall dispatch (dispatch/syscalls.bpf.c) ------------------------ */

/* Syscall number -> the tail program a family registered (user space fills
 * them from src/sensor/syscall_table.c). */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, PR_SYSCALL_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} sys_enter_tails SEC(".maps") __weak;

/* The same at sys_exit. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, PR_SYSCALL_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} sys_exit_tails SEC(".maps") __weak;

/* Second-level routing for syscalls two families hook (mmap, mprotect): a
 * program registered with .chains ends with PR_CHAIN_EXIT/ENTER
 * (dispatch/dispatch.h), which tail-calls the next family's program. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, PR_SYSCALL_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} sys_exit_chain SEC(".maps") __weak;

/* The same at sys_enter. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, PR_SYSCALL_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} sys_enter_chain SEC(".maps") __weak;

/* ia32 syscalls (int $0x80) never reach the native tables: their one
 * program (slot 0, security/escape.bpf.c) records them. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} sys_ia32_enter SEC(".maps") __weak;

/* ---- ia32 file and network syscalls (issue 16) --------------------------- */

/* ia32 syscall number -> its program at sys_exit (PR_IA32_SYSCALLS in
 * include/proctor/syscalls.h): the file and network programs' ia32 entry
 * points, which decode them into the native records. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, PR_SYSCALL_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} sys_ia32_exit_tails SEC(".maps") __weak;

/* The same at sys_enter (PR_IA32_ENTER_SYSCALLS); an empty slot falls
 * through to sys_ia32_enter. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, PR_SYSCALL_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} sys_ia32_enter_tails SEC(".maps") __weak;

/* ---- file family -------------------------------------------------------- */

/* tgid -> fold table of repeated opens; removed (after flushing) at exec
 * and when the process exits. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct open_table);
} file_open_tables SEC(".maps") __weak;

/* tgid -> I/O summaries of the process's open files; removed at exit. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct io_table);
} file_io_tables SEC(".maps") __weak;

/* struct io_kiocb * -> names of an io_uring request, from submission to
 * completion. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, struct uring_stash);
} file_uring_stash SEC(".maps") __weak;

/* Per-CPU staging of one uring_stash (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct uring_stash);
} file_uring_tmp SEC(".maps") __weak;

/* ---- network family ----------------------------------------------------- */

#define PR_MAX_FLOWS 65536

/* Live flows: (socket, peer) -> the flow record being accumulated. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PR_MAX_FLOWS);
	__type(key, struct pr_flow_key);
	__type(value, struct pr_flow);
} flows SEC(".maps") __weak;

/* First connectionless send per (process, destination, outcome). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct send_key);
	__type(value, __u8);
} send_seen SEC(".maps") __weak;

/* io_uring network requests in flight (net/uring.bpf.c): struct io_kiocb *
 * -> fd and address, from submission to completion. LRU: a request that
 * never completes (ring torn down) is forgotten. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct net_uring_req);
} net_uring_reqs SEC(".maps") __weak;

/* session -> egress policy (written by user space, removed at detach). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* user space writes it; 1024 sessions */
	__uint(max_entries, PR_MAX_SESSIONS);
	__type(key, __u64);
	__type(value, struct pr_egress_policy);
} egress_policy SEC(".maps") __weak;

/* (session, domain hash) -> rules naming that domain (written by user space). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct pr_domain_key);
	__type(value, struct pr_domain_rules);
} egress_domains SEC(".maps") __weak;

/* (session, address) -> the domain it was resolved from (learnt from DNS). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct pr_ip_key);
	__type(value, struct pr_ip_domain);
} dns_ips SEC(".maps") __weak;

/* (session, resolver address): DNS servers whose answers are learnt. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct pr_ip_key);
	__type(value, __u8);
} dns_resolvers SEC(".maps") __weak;

/* Per-CPU work area of the cgroup programs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct net_scratch);
} net_scratch SEC(".maps") __weak;

/* ---- security family ---------------------------------------------------- */

/* Credentials before a privilege syscall or an exec, per thread id. LRU: an
 * entry whose exit never came (thread killed mid-call) ages out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct pr_cred_snap);
} sec_cred_stash SEC(".maps") __weak;

/* Aggregation slots per process (tgid), flushed at process exit. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct pr_agg);
} sec_agg SEC(".maps") __weak;

/* Thread id -> name of the memfd its execve/execveat is about to run: found
 * at entry, reported at exec (a #! script in a memfd is gone by then). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct memfd_name);
} sec_exec_memfd SEC(".maps") __weak;

/* tgid << 32 | ia32 syscall number -> calls so far (first one recorded). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} sec_ia32_seen SEC(".maps") __weak;

/* ---- file family: ioctl attribute changes (file/meta.bpf.c) -------------- */

/* Thread id -> the inode's flags (i_flags) when its FS_IOC_SETFLAGS /
 * FS_IOC_FSSETXATTR began: the "before" of the file.metadata setflags. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} file_flags_stash SEC(".maps") __weak;

/* ---- policy family (bpf/policy/) ---------------------------------------- */

/* Session key -> its exec rules, compiled (abi_policy.h). No entry: the
 * session has no exec rules and its execs pay one lookup. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* user space writes it; 1024 sessions */
	__uint(max_entries, PR_MAX_SESSIONS);
	__type(key, __u64);
	__type(value, struct pr_exec_policy);
} policy_exec SEC(".maps") __weak;

/* The DFA states every session's exec globs run on (state 0: dead). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PR_DFA_STATES);
	__type(key, __u32);
	__type(value, struct pr_dfa_state);
} policy_dfa SEC(".maps") __weak;

/* (session, dev, inode) of an executable a literal exec.deny path names ->
 * its rule bits: a hard link or bind mount of it is the same inode. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* user space writes it; 1024 sessions */
	__uint(max_entries, PR_MAX_SESSIONS *PR_POLICY_BITS);
	__type(key, struct pr_inode_key);
	__type(value, __u64);
} policy_exec_inode SEC(".maps") __weak;

/* ---- information-flow labels (bpf/policy/labels.bpf.c) ------------------- */

/* Session key -> its label policy (abi_labels.h). No entry: no labels. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* user space writes it; 1024 sessions */
	__uint(max_entries, PR_MAX_SESSIONS);
	__type(key, __u64);
	__type(value, struct pr_label_policy);
} label_policy SEC(".maps") __weak;

/* tgid -> labels of a process of a session with labels (made when it first
 * gets one or is declassified, copied at fork, deleted at exit). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct pr_label_proc);
} label_procs SEC(".maps") __weak;

/* (session, dev, inode) -> labels of a file, pipe or socket a labelled
 * process wrote (or that a source glob named when it was opened). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH); /* full: counted as a PR_EV_POLICY_LABEL drop */
	__uint(max_entries, 65536);
	__type(key, struct pr_inode_key);
	__type(value, __u16);
} label_inodes SEC(".maps") __weak;

/* ---- policy family: temporal rules (policy/temporal.bpf.c) ---------------- */

/* Session key -> its temporal rules and their satisfied bits (abi_policy.h).
 * No entry: the session has none, and its opens pay one lookup. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* user space writes it; 1024 sessions */
	__uint(max_entries, PR_MAX_SESSIONS);
	__type(key, __u64);
	__type(value, struct pr_temporal_policy);
} policy_temporal SEC(".maps") __weak;

/* Tgid of a running process whose image matched a succeeded pattern -> what
 * its exit with status 0 satisfies. LRU: an evicted entry loses that
 * success (the rule stays unsatisfied: fail closed). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct pr_temporal_proc);
} policy_temporal_proc SEC(".maps") __weak;

/* ---- auto-adoption (lifecycle/auto.bpf.c) -------------------------------- */

/* Executable basename of a known agent -> its rule's index (abi_auto.h),
 * filled by the daemon. An untracked task's exec looks its new image up
 * here only while pr_auto_enabled is set. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PR_AUTO_MAX_RULES);
	__type(key, struct pr_auto_key);
	__type(value, __u32);
} auto_agents SEC(".maps") __weak;

/* The file a known agent is pinned by (a rule's `path`, resolved by the
 * daemon) -> its rule's index: a renamed or hard-linked agent matches, a
 * different file of the same name does not. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PR_AUTO_MAX_RULES);
	__type(key, struct pr_auto_inode);
	__type(value, __u32);
} auto_inodes SEC(".maps") __weak;

/* PR_AUTO_BY_NAME while auto_agents holds rules, PR_AUTO_BY_INODE while
 * auto_inodes does (set by the daemon): with neither an untracked exec pays
 * one load. */
__u32 pr_auto_enabled __weak SEC(".bss");

/* Sequence number of the provisional session keys the kernel makes. */
__u64 pr_auto_seq __weak SEC(".bss");
/* ---- tls family (bpf/tls/) ---------------------------------------------- */

/* pid_tgid -> the SSL call in progress on that thread, from the uprobe at
 * entry to the one at return (a call stack is per thread; the connection
 * is the SSL * it carries). LRU: a call whose return never came ages out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct tls_call);
} tls_calls SEC(".maps") __weak;

/* Session key -> plaintext captured and left out (abi_tls.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PR_SESSION_DROP_KEYS);
	__type(key, __u64);
	__type(value, struct pr_tls_budget);
} tls_budget SEC(".maps") __weak;

/* Plaintext bytes a session may put on the ring (set before load). */
const volatile __u64 pr_tls_budget_bytes __weak = PR_TLS_BUDGET_BYTES;

#endif /* PROCTOR_BPF_MAPS_H */
