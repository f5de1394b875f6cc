/* hash.h: the one FNV-1a (64-bit) of user space. The kernel keeps its own
 * copy in bpf/ (and the egress domain hash, which must match it, hashes the
 * name backwards: src/policy/). */
#ifndef PROCTOR_HASH_H
#define PROCTOR_HASH_H
#include <stddef.h>
#include <stdint.h>

#define FNV1A_64_OFFSET 0xcbf29ce484222325ull
#define FNV1A_64_PRIME	0x100000001b3ull
/* The seed proctor has always used in user space: the standard offset
 * basis with its last decimal digit lost. Kept, because spool file names,
 * OpenSearch document ids and the store's session hashes derive from it. */
#define FNV1A_64_SEED 1469598103934665603ull

static inline uint64_t fnv1a_64(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = seed;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * FNV1A_64_PRIME;
	return h;
}

#endif
