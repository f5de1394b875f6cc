/* tls_boring.h: BoringSSL's SSL_read and SSL_write located in an
 * executable that has it built in and stripped (Bun, so Claude Code), for
 * the tls uprobes (src/probe/tls.c). No symbols and no byte patterns of a
 * prologue: function starts come from .eh_frame_hdr and from the direct
 * call targets that follow inter-function padding; the functions are
 * told apart by what they reference, the rodata string "ssl/ssl_lib.cc"
 * (OPENSSL_PUT_ERROR's __FILE__) and the error reasons passed with it,
 * which stay the same across BoringSSL versions where code layout and
 * line numbers do not. x86-64 only. */
#ifndef PROCTOR_PROBE_TLS_BORING_H
#define PROCTOR_PROBE_TLS_BORING_H

#include <stddef.h>
#include <stdint.h>

/* BoringSSL's error reasons this file identifies the functions by
 * (include/openssl/err.h, ssl.h): stable, part of its API. */
#define BORING_ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED 0x42 /* the QUIC check */
#define BORING_SSL_R_UNINITIALIZED		 0xe2 /* no handshake function */

struct tls_boring_loc {
	uint64_t read_off, write_off; /* file offsets: the uprobe offsets */
	uint64_t read_va, write_va;   /* their addresses, for messages */
	int nfuncs;		      /* functions that reference ssl_lib.cc */
};

/* Locate SSL_read and SSL_write in the ELF at path. 0, or -1 with err
 * saying why not (no BoringSSL inside, more than one candidate, ...). */
int tls_boring_locate(const char *path, struct tls_boring_loc *out, char *err, size_t errlen);

#endif
