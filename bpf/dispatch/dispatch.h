/* dispatch.h: what the tail programs the dispatcher routes to share: the
 * chain to a second family's program for the same syscall (mmap, mprotect).
 * A program registered with .chains = true ends with PR_CHAIN_EXIT/ENTER. */
#ifndef PROCTOR_BPF_DISPATCH_H
#define PROCTOR_BPF_DISPATCH_H

#include "lib/task.h"

#define PR_CHAIN(ctx, map, nr)                                                                     \
	do {                                                                                       \
		__u64 __nr = (nr);                                                                 \
		if (__nr < PR_SYSCALL_SLOTS)                                                       \
			bpf_tail_call(ctx, &map, (__u32)__nr);                                     \
	} while (0)
#define PR_CHAIN_EXIT(ctx, regs) PR_CHAIN(ctx, sys_exit_chain, PR_SYSCALL_NR_DIRECT(regs))
#define PR_CHAIN_ENTER(ctx, id)	 PR_CHAIN(ctx, sys_enter_chain, id)

#endif /* PROCTOR_BPF_DISPATCH_H */
