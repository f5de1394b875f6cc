/* temporal.h: the temporal rules' kernel side (temporal.bpf.c), called by
 * the exec-kill hook (policy/exec.bpf.c), the open hook (file/open.bpf.c)
 * and the exit program (lifecycle/exit.bpf.c). Each is a global function
 * defined once in temporal.bpf.c; a session without temporal rules pays one
 * hash lookup in each. */
#ifndef PROCTOR_BPF_POLICY_TEMPORAL_H
#define PROCTOR_BPF_POLICY_TEMPORAL_H

#include "lib/emit.h"

/* At exec: the exec rule bits that matched, less the temporal deny bits
 * satisfied now, the watch bits (remembered for the process's exit) and
 * the after {exec: {argv}} bits (each resets its rule first);
 * then the after_exec resets of the executable's path (in scratch at
 * exe_off, exe_len bytes with its NUL). */
__u64 policy_temporal_exec(__u64 session_key, __u64 matched, __u32 exe_off, __u32 exe_len);
/* A successful open of file (a struct file *) with open flags: resets. */
int policy_temporal_open(struct pr_tracked *tr, __u64 file, __u32 flags);
/* The last thread of the current process exits with exit_code. */
int policy_temporal_exit(struct pr_tracked *tr, __u32 exit_code);

#endif /* PROCTOR_BPF_POLICY_TEMPORAL_H */
