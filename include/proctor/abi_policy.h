/* abi_policy.h: the policy family's kernel ABI: the exec rules of a session
 * compiled for the exec-kill hook (bpf/policy/exec.bpf.c), the shared DFA
 * table their globs run on, literal paths by inode, and the record of a
 * decision (policy.violation, docs/EVENTS-policy.md). */
#ifndef PROCTOR_ABI_POLICY_H
#define PROCTOR_ABI_POLICY_H

#include "proctor/abi.h"

/* event types (PR_EV_POLICY_*): enum pr_event_type, abi.h */

#define PR_POLICY_BITS	64   /* exec rules of one session (one bit each) */
#define PR_POLICY_ARGV	16   /* argv positions a rule can name */
#define PR_DFA_STATES	4096 /* states of all sessions' DFAs; state 0 is dead */
#define PR_POLICY_ARGS	4096 /* bytes of argv the hook reads (PR_ARGV_CAP) */
#define PR_DFA_NO_STATE 0

/* One DFA state: the next state per byte, and the rule bits accepted here. */
struct pr_dfa_state {
	__u16 next[256];
	__u64 accept;
};
_Static_assert(sizeof(struct pr_dfa_state) == 520, "pr_dfa_state layout");

/* policy_exec: session key -> this. A rule is a bit; user space compiles
 * the policy's exec rules into DFA start states and masks:
 *   path_start  runs on the resolved executable path(s): bits of path rules
 *               and allow_only, and of argv rules whose first element names a
 *               path;
 *   argv_start[j] runs on argument j (argument 0 and the executable from
 *               their last '/': the basename);
 *   a rule with n elements matches when every element j < n matched, the
 *   argument count is n or (rest) at least n. */
struct pr_exec_policy {
	__u64 argv_rules;		 /* bits of argv rules */
	__u64 path_rules;		 /* bits of path-deny rules */
	__u64 allow_only;		 /* the allow_only bit (0: none) */
	__u64 kill;			 /* bits whose match kills the exec */
	__u64 rest;			 /* argv rules ending in "**" */
	__u64 need[PR_POLICY_ARGV + 1];	 /* need[j]: rules with more than j elements */
	__u64 exact[PR_POLICY_ARGV + 1]; /* exact[j]: rules without rest, fewer than j elements */
	__u16 path_start;
	__u16 argv_start[PR_POLICY_ARGV];
	__u16 _pad[3];
	__u64 label_rules;    /* bits of label rules `if: {label}, deny: {exec: {argv}}` */
	__u64 label_bits[16]; /* label_bits[i]: of those, the ones label i (PR_LABELS) allows */
};
_Static_assert(sizeof(struct pr_exec_policy) == 40 + 2 * 8 * (PR_POLICY_ARGV + 1) + 40 + 8 * 17,
	       "pr_exec_policy layout");

/* policy_exec_inode: an executable named by a literal path, by inode. */
struct pr_inode_key {
	__u64 session_key;
	__u64 ino;
	__u32 dev; /* the kernel's dev_t: major << 20 | minor */
	__u32 _pad;
};
_Static_assert(sizeof(struct pr_inode_key) == 24, "pr_inode_key layout");

#define PR_POLICY_KILLED     0x1 /* SIGKILL sent from the exec: the image never ran */
#define PR_POLICY_PATH_TRUNC 0x2 /* a path too deep to decide: path rules taken as matched */
#define PR_POLICY_ARGS_TRUNC                                                                       \
	0x4 /* argv longer than the hook reads: argv rules still open taken as matched */
#define PR_POLICY_SCRIPT 0x8 /* a #! script: data holds the script's path too */

/* policy exec record: data = executable path\0 [script path\0] argv
 * (args_size bytes, NUL-separated, as the hook read them). */
struct pr_policy_exec {
	struct pr_hdr hdr;
	__u64 matched; /* rule bits that matched (allow_only: its bit = not allowed) */
	__u16 exe_len; /* including NUL */
	__u16 script_len;
	__u32 args_size;
	char data[];
};
_Static_assert(sizeof(struct pr_policy_exec) == 88, "pr_policy_exec layout");

/* ---- temporal rules (rules[] with deny exec + unless succeeded/after) ----
 * policy_temporal: session key -> this (bpf/policy/temporal.bpf.c). Rule k's
 * deny pattern is an exec rule bit (deny_of[k]); its succeeded pattern an
 * argv bit of the same DFAs that is never a deny (watch_of[k]). At the exec
 * of a process matching watch_of[k] the kernel remembers it (pid-keyed); at
 * that process's exit with status 0 it sets deny_of[k] in satisfied, before
 * the parent can see the exit. An open (for writing: after_write) or exec
 * (after_exec) whose resolved path the after DFA accepts clears the rule's
 * bit before the syscall returns. A deny bit in satisfied does not deny. */
#define PR_TEMPORAL_RULES 8

struct pr_temporal_policy {
	__u64 deny;				   /* deny bits of every temporal rule */
	__u64 watch;				   /* watch bits of every temporal rule */
	__u64 deny_of[PR_TEMPORAL_RULES];	   /* rule k's deny bit */
	__u64 watch_of[PR_TEMPORAL_RULES];	   /* rule k's watch bit */
	__u64 after_write, after_open, after_exec; /* deny bits reset by that kind */
	__u64 after_argv;			   /* after {exec: {argv}} bits of every rule */
	__u64 after_argv_of[PR_TEMPORAL_RULES];	   /* rule k's (0: none) */
	__u64 satisfied;			   /* written by the kernel only */
	__u16 after_start;			   /* DFA on resolved paths: accept = deny bits */
	__u16 _pad[3];
};
_Static_assert(sizeof(struct pr_temporal_policy) == 8 * (3 + 3 * PR_TEMPORAL_RULES + 4) + 8,
	       "pr_temporal_policy layout");

/* policy_temporal_proc: tgid -> the deny bits its exit with status 0
 * satisfies (the session is its key). */
struct pr_temporal_proc {
	__u64 session_key;
	__u64 satisfies;
};
_Static_assert(sizeof(struct pr_temporal_proc) == 16, "pr_temporal_proc layout");

#endif
