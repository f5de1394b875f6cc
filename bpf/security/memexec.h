/* memexec.h: what the file family calls in the security family's memexec
 * object: the ia32 mmap/mmap2/mprotect/pkey_mprotect exit, which the file
 * family's ia32 program (file/io.bpf.c, tail_file_mem_ia32) owns and hands
 * on after its own part, as the native programs chain. */
#ifndef PROCTOR_BPF_SECURITY_MEMEXEC_H
#define PROCTOR_BPF_SECURITY_MEMEXEC_H

#include "lib/task.h"

/* a: the call as the native ABI passes it (sysargs_ia32; an old mmap's
 * argument block already read); a->nr is mmap, mprotect or pkey_mprotect. */
int sec_memexec_ia32(struct pr_tracked *tr, const struct pr_sysargs *a, long ret);

#endif /* PROCTOR_BPF_SECURITY_MEMEXEC_H */
