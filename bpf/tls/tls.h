/* tls.h: what other families call in the tls family: the mmap exit of a
 * tracked process hands over executable file mappings, so that a TLS
 * library is hooked for that process when it maps it (bpf/tls/map.bpf.c). */
#ifndef PROCTOR_BPF_TLS_H
#define PROCTOR_BPF_TLS_H

#include "lib/emit.h"

/* mmap returned addr for a mapping of fd with prot: a tls.map record when
 * it is an executable mapping of a TLS library. */
int tls_mmap_exit(struct pr_tracked *tr, int fd, __u64 prot, __u64 addr);

#endif /* PROCTOR_BPF_TLS_H */
