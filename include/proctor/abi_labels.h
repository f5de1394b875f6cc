/* abi_labels.h: information-flow labels in the kernel (docs/POLICY.md
 * "labels"): a label set is a bitmask of a session's labels (bit i is
 * labels[i] of its policy, at most 16), kept per process (by tgid) and per
 * inode (session, dev, ino); the session's label policy (source and
 * declassify DFAs, the label rules the connect hook decides); and the
 * records: a process getting a label, a connect a label rule denied. */
#ifndef PROCTOR_ABI_LABELS_H
#define PROCTOR_ABI_LABELS_H

#include "proctor/abi.h"
#include "proctor/abi_net.h"

/* event types (PR_EV_POLICY_*): enum pr_event_type, abi.h */

#define PR_LABELS	 16  /* labels of one policy: the bits of a __u16 */
#define PR_LABEL_RULES	 8   /* label rules with deny: connect, per session */
#define PR_LABEL_EXCEPTS 8   /* except destinations of them, in all */
#define PR_LABEL_EXECS	 8   /* label rules with deny: exec (any, or by path) */
#define PR_RULE_LABEL	 -16 /* pr_flow.rule of label rule k: PR_RULE_LABEL - k */

/* One `rules:` entry with `if: {label}` and `deny: connect`. */
struct pr_label_rule {
	__u16 labels;	/* the label it names */
	__u8 audit;	/* mode audit: decided, recorded, let through */
	__u8 notify;	/* effect notify: recorded, let through */
	__u8 except;	/* bits of pr_label_policy.except */
	__u8 resolvers; /* a domain except: the session's resolvers (port 53) are excepted too */
	__u8 _pad[2];
};
_Static_assert(sizeof(struct pr_label_rule) == 8, "pr_label_rule layout");

/* One `rules:` entry with `if: {label}` and `deny: exec` (any program, or
 * {exec: {path: GLOB}}: its bit in the exec path DFA's accept set). */
struct pr_label_exec_rule {
	__u16 labels;
	__u8 by_path; /* 1: only executables exec_path_start accepts (bit k) */
	__u8 kill;    /* enforce and block/kill: SIGKILL from the exec */
	__u8 audit, notify;
	__u8 _pad[2];
};
_Static_assert(sizeof(struct pr_label_exec_rule) == 8, "pr_label_exec_rule layout");

/* label_policy: session key -> this (no entry: the session has no labels
 * and its processes pay one lookup per hooked call). DFA states are in
 * policy_dfa (abi_policy.h); accept bits are label bits. */
struct pr_label_policy {
	__u16 source_start;    /* runs on the path of each file opened for reading */
	__u16 declass_path;    /* on the executable's path at exec */
	__u16 declass_base;    /* on its basename */
	__u8 nrules;	       /* of rules */
	__u8 nexcept;	       /* of except */
	__u16 connect_labels;  /* union of the rules' labels */
	__u16 nexec;	       /* of exec */
	__u16 exec_labels;     /* union of the exec rules' labels */
	__u16 exec_path_start; /* DFA on the executable's path: bit k = exec rule k */
	struct pr_label_rule rules[PR_LABEL_RULES];
	/* except destinations, egress rule syntax: a domain one matches the
	 * addresses the session's resolvers gave for it (dns_ips rule bit
	 * 63 - index, registered in egress_domains) */
	struct pr_egress_rule except[PR_LABEL_EXCEPTS];
	struct pr_label_exec_rule exec[PR_LABEL_EXECS];
};
_Static_assert(sizeof(struct pr_label_policy) ==
		       16 + 8 * PR_LABEL_RULES + 72 * PR_LABEL_EXCEPTS + 8 * PR_LABEL_EXECS,
	       "pr_label_policy layout");

/* label_procs: tgid -> this. */
struct pr_label_proc {
	__u64 session_key;
	__u64 labels;	    /* label bits (the low 16 are used; 64 for atomic updates) */
	__u32 declassified; /* labels its writes do not carry (declassify) */
	__u32 _pad;
};
_Static_assert(sizeof(struct pr_label_proc) == 24, "pr_label_proc layout");

/* label_inodes: struct pr_inode_key (abi_policy.h) -> __u16 label bits. */

#define PR_LABEL_SOURCE 1 /* opened a file a label's sources match */
#define PR_LABEL_READ	2 /* read a labelled file, pipe or socket */

/* PR_EV_POLICY_LABEL: hdr.labels holds the labels after it; data = the
 * path of the file it came from (path_len bytes, NUL included; 0 for a
 * pipe or socket: then ino names it). */
struct pr_policy_label {
	struct pr_hdr hdr;
	__u16 gained; /* the new labels */
	__u8 cause;   /* PR_LABEL_SOURCE / PR_LABEL_READ */
	__u8 _pad;
	__u32 path_len;
	__u64 ino;
	__u32 dev;
	__u32 fd;
	char data[];
};
_Static_assert(sizeof(struct pr_policy_label) == 96, "pr_policy_label layout");

#define PR_LABEL_EXEC_KILLED 0x1 /* SIGKILL sent: the image never ran */

/* PR_EV_POLICY_LABEL_EXEC: data (at the same offset as pr_policy_label's)
 * = the executable's path (exe_len bytes, NUL included). */
struct pr_policy_label_exec {
	struct pr_hdr hdr;
	__u16 rule; /* index in pr_label_policy.exec */
	__u16 _pad;
	__u32 exe_len;
	__u64 _reserved[2];
	char data[];
};
_Static_assert(sizeof(struct pr_policy_label_exec) == 96, "pr_policy_label_exec layout");

#endif
