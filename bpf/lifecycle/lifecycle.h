/* lifecycle.h: what each family does when a tracked process execs or exits.
 * One program per lifecycle tracepoint (exec.bpf.c, exit.bpf.c) calls these
 * in a fixed order, so that a family's last records always come before the
 * process record that ends them. Each runs in the context of the process
 * (current), takes its tracked entry (NULL: untracked) and is a global
 * function defined in the family's object named beside it. */
#ifndef PROCTOR_BPF_LIFECYCLE_H
#define PROCTOR_BPF_LIFECYCLE_H

#include "lib/emit.h"
#include "policy/labels.h" /* label_fork/exec/exit (policy/labels.bpf.c) */

/* exec, in this order: file, process.exec, security, policy */
int file_flush_exec(struct pr_tracked *tr);		 /* file/io.bpf.c */
int sec_priv_exec(struct pr_tracked *tr, __u32 old_tid); /* security/priv.bpf.c */
int sec_memexec_exec(struct pr_tracked *tr, __u32 old_tid,
		     __u64 exec_file); /* security/memexec.bpf.c */
/* then policy: the exec rules (may SIGKILL the new image) */
int policy_exec_check(struct pr_tracked *tr, __u64 exe, __u64 script,
		      __u64 script_name); /* policy/exec.bpf.c */

/* exit of the last thread, in this order: file, security, process.exit */
int file_flush_exit(struct pr_tracked *tr); /* file/io.bpf.c (also untracked) */
int sec_flush_exit(struct pr_tracked *tr);  /* security/agg.bpf.c */

#endif /* PROCTOR_BPF_LIFECYCLE_H */
