/* abi_tls.h: kernel records of the tls family: the plaintext an
 * instrumented TLS library (OpenSSL's SSL_read/SSL_write and their _ex
 * variants) read or wrote, keyed by the library's connection object (the
 * SSL *), never by thread. A call's bytes arrive in chunks of at most
 * PR_TLS_CHUNK; at most PR_TLS_CALL_CHUNKS per call, and within the
 * session's byte budget (pr_tls_budget_bytes): what is left out is counted
 * in tls_budget (struct pr_tls_budget) and flagged on the record.
 * Semantics: docs/EVENTS-llm.md. */
#ifndef PROCTOR_ABI_TLS_H
#define PROCTOR_ABI_TLS_H

#include "proctor/abi.h"

#define PR_TLS_CHUNK	    4096	  /* plaintext bytes per record */
#define PR_TLS_CALL_CHUNKS  32		  /* records per SSL call (128 KiB) */
#define PR_TLS_BUDGET_BYTES (64ull << 20) /* default per-session budget */

/* pr_hdr.flags of a tls.data record */
#define PR_TLS_READ 0x1 /* SSL_read*: plaintext received (else sent) */
#define PR_TLS_CUT  0x2 /* bytes of this call after this chunk were left out */

enum pr_tls_lib {
	PR_TLS_LIB_OPENSSL = 1,
	PR_TLS_LIB_GNUTLS = 2,
	PR_TLS_LIB_BORINGSSL = 3, /* built into a stripped executable (Bun) */
};

/* tls.data: data = len bytes of plaintext at offset off of a call that
 * moved total bytes. */
struct pr_tls_data {
	struct pr_hdr hdr;
	__u64 conn; /* the SSL * */
	__u32 total;
	__u32 off;
	__u32 len;
	__u16 lib; /* enum pr_tls_lib */
	__u16 _pad;
	char data[];
};
_Static_assert(sizeof(struct pr_tls_data) == 96, "pr_tls_data layout");

/* tls_budget: session key -> what was captured and what was left out. */
struct pr_tls_budget {
	__u64 bytes;	 /* plaintext bytes put on the ring */
	__u64 cut_bytes; /* left out: over the budget or the per-call cap */
	__u64 cut_calls; /* calls that lost bytes */
};
_Static_assert(sizeof(struct pr_tls_budget) == 24, "pr_tls_budget layout");

/* tls.map: a tracked process (hdr.pid) mapped, executable, a file whose
 * name says TLS library (libssl*, libgnutls*); the mapping is in place (mmap exit).
 * User space hooks that library for that process only (src/probe/tls.c):
 * no other process carries the breakpoints. */
struct pr_tls_map {
	struct pr_hdr hdr;
	__u64 dev; /* the file's super block s_dev (kernel encoding) */
	__u64 ino;
	__u64 addr; /* start of the mapping */
};
_Static_assert(sizeof(struct pr_tls_map) == 96, "pr_tls_map layout");

/* clang-format off */
PR_ABI_AT(pr_tls_data, hdr, 0);
PR_ABI_AT(pr_tls_data, conn, 72);
PR_ABI_AT(pr_tls_data, total, 80);
PR_ABI_AT(pr_tls_data, off, 84);
PR_ABI_AT(pr_tls_data, len, 88);
PR_ABI_AT(pr_tls_data, lib, 92);
PR_ABI_AT(pr_tls_data, data, 96);
PR_ABI_AT(pr_tls_map, dev, 72);
PR_ABI_AT(pr_tls_map, ino, 80);
PR_ABI_AT(pr_tls_map, addr, 88);
/* clang-format on */

#endif /* PROCTOR_ABI_TLS_H */
