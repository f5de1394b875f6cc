/* types.h: kernel-internal structs: the values of the maps only the BPF
 * programs read (fold and I/O tables, stashes, per-CPU work areas). User
 * space never sees them; what it does see is in include/proctor/abi*.h. */
#ifndef PROCTOR_BPF_TYPES_H
#define PROCTOR_BPF_TYPES_H

#include "vmlinux.h"
#include "proctor/abi.h"
#include "proctor/abi_file.h"
#include "proctor/abi_net.h"
#include "proctor/abi_policy.h"
#include "proctor/abi_labels.h"
#include "proctor/abi_security.h"
#include "proctor/abi_auto.h"
#include "proctor/abi_tls.h"

/* ---- tuning knobs (bounds documented in docs/EVENTS*.md) ---------------- */
#define PR_PATH_DEPTH	  64	/* path components walked */
#define PR_SCRATCH_SIZE	  16384 /* largest record assembled in scratch */
#define PR_FILE_IO_SLOTS  32	/* open files with I/O summarised per process */
#define PR_DNS_ANSWERS	  16	/* answer records the kernel walks per response */
#define PR_DNS_MIN_TTL	  30	/* seconds an IP -> domain entry lives at least */
#define PR_MMSG_SCAN	  8	/* sendmmsg entries inspected per call */
#define PR_DNS_TCP_MSGS	  4	/* DNS messages decoded per TCP segment */
#define PR_SEC_AGG_SLOTS  16	/* distinct aggregated kinds per process */
#define PR_SEC_AGG_COARSE 2	/* of which kept for coarse keys (PR_AGG_ANY) */

/* ---- lineage (lib/task.h) ---------------------------------------------- */

/* task_lineage value: the session a tracked task belongs to, inherited at
 * fork, and the cgroup it was last seen in (the "from" of a move). */
struct pr_lineage {
	struct pr_tracked tr;
	__u64 cgroup_id;
};

/* ---- path walking (lib/path.h) ----------------------------------------- */

/* Path walking state shared by the two bpf_loop callbacks of read_path().
 * It lives in the per-CPU scratch map value, not on the stack: the verifier
 * treats map contents as unknown, so each callback body is verified once
 * instead of once per iteration. */
struct path_walk {
	struct dentry *d, *mnt_root;
	struct mount *mnt;
	__u32 n;   /* components collected (leaf first) */
	__u32 off; /* where the path starts in scratch->buf */
	__u32 pos; /* write position */
	__u32 trunc;
};

/* Per-CPU assembly area for variable-size records. */
struct pr_scratch {
	struct path_walk walk;
	char buf[PR_SCRATCH_SIZE + PR_PATH_CAP + 256];
	const unsigned char *names[PR_PATH_DEPTH];
	__u32 lens[PR_PATH_DEPTH];
};

/* ---- file family: open folding ----------------------------------------- */

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

/* ---- file family: I/O summaries ---------------------------------------- */

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

/* ---- file family: io_uring --------------------------------------------- */

/* Names of an io_uring open or namespace operation, copied at submission
 * (the kernel frees its struct filename before the completion). */
struct uring_stash {
	__u64 flags, mode, resolve;
	__s32 dfd, dfd2;
	__u32 file_slot, op_flags;
	__u16 hflags;
	__u16 _pad[3];
	char name[PR_PATH_CAP];
	char name2[PR_PATH_CAP];
};

/* ---- network family ---------------------------------------------------- */

/* First connectionless send per (process, destination, outcome). */
struct send_key {
	__u32 tgid;
	__u16 port;
	__u8 family;
	__u8 ok;
	__u8 addr[16];
	__u64 path_hash;
};

/* An io_uring network request between submission and completion
 * (net/uring.bpf.c): its fd (the completion's cqe has none) and the
 * destination or bind address the kernel copied at prep. */
#define PR_URING_ADDR_CAP 112
struct net_uring_req {
	__s32 fd;
	__u32 alen; /* 0: no address */
	char addr[PR_URING_ADDR_CAP];
};

/* State of the in-kernel DNS response walk (net/skb_dns.bpf.c). */
struct dns_walk {
	__u32 base; /* DNS message start in scratch->buf */
	__u32 len;  /* message bytes available */
	__u32 pos;  /* read position, relative to base */
	__u32 out;  /* name bytes written */
	__u32 left; /* label bytes left (name) / records left (answers) */
	__u32 done;
	__u64 session_key;
	__u64 hash, exact, wildcard;
};

/* dns_ips: (session, address) -> the name it was resolved from. */
struct pr_ip_domain {
	__u64 expires_ns; /* CLOCK_BOOTTIME: resolve time + max(TTL, PR_DNS_MIN_TTL) */
	__u64 rules;	  /* domain rules the name matched */
	__u32 ttl;
	__u16 trunc;
	__u16 _pad;
	char name[PR_DOMAIN_CAP];
};
_Static_assert(sizeof(struct pr_ip_domain) == 152, "pr_ip_domain layout");

/* Per-CPU work area of the cgroup programs. */
struct net_scratch {
	struct pr_flow flow;
	struct pr_ip_domain ipd;
	struct dns_walk w;
	char name[256]; /* dotted lower-case question name */
};

/* ---- security family --------------------------------------------------- */

/* ---- per-process aggregation (sec_agg map value) ------------- */

enum pr_agg_kind { PR_AGG_NONE = 0, PR_AGG_MEMEXEC = 1, PR_AGG_ESCAPE = 2, PR_AGG_SIGNAL = 3 };

struct pr_agg_slot {
	__u16 kind; /* enum pr_agg_kind */
	__u16 op;   /* memexec: enum pr_mem_op */
	__s32 err;
	__u32 nr; /* escape: syscall number */
	__u32 _pad;
	__u64 a0, a1; /* key: memexec prot|flags<<16; escape: the first two args;
		       * signal: target as passed, relation | target pid << 32 */
	__u64 count;
};
_Static_assert(sizeof(struct pr_agg_slot) == 40, "pr_agg_slot layout");

struct pr_agg {
	struct pr_agg_slot slot[PR_SEC_AGG_SLOTS];
};

/* Name of the memfd an execve/execveat is about to run (security/priv). */
struct memfd_name {
	char name[64];
};

/* ---- tls family (bpf/tls/) ---------------------------------------------- */

/* An SSL_read/SSL_write call between its entry and its return. */
struct tls_call {
	__u64 conn;	/* the SSL * */
	__u64 buf;	/* user buffer */
	__u64 done_ptr; /* _ex variants: size_t * of bytes moved; 0 otherwise */
	__u32 read;	/* 1: SSL_read*, 0: SSL_write* */
	__u32 lib;	/* enum pr_tls_lib (the attach cookie) */
};

#endif /* PROCTOR_BPF_TYPES_H */
