/* tls.h: the tls family's uprobes (bpf/tls/): attached once per library
 * inode, for every process that maps it (the BPF side turns untracked
 * processes away first). Functions take err/errlen (docs/DESIGN.md). */
#ifndef PROCTOR_PROBE_TLS_H
#define PROCTOR_PROBE_TLS_H
#include <stddef.h>
#include <stdint.h>

#include "proctor/abi_tls.h"

struct probe;

#define PROBE_TLS_LIBS 16 /* distinct library inodes hooked at once */

struct probe_tls_lib {
	uint64_t dev, ino;
	enum pr_tls_lib lib;
	char path[256];
	struct bpf_link *links[8]; /* entry and return of the four functions */
	int nlinks;
};

struct probe_tls {
	struct probe_tls_lib libs[PROBE_TLS_LIBS];
	int nlibs;
	int refused; /* libraries not hooked: table full */
};

/* Hook OpenSSL's libssl at path (a no-op when its inode is hooked already).
 * Returns 1 when newly hooked, 0 when it already was, -1 with err. */
int probe_tls_attach_openssl(struct probe *s, const char *path, char *err, size_t errlen);
/* Hook the libssl this process itself maps (the system's). Same returns. */
int probe_tls_attach_system(struct probe *s, char *err, size_t errlen);
void probe_tls_detach_all(struct probe *s);

/* What an executable (or library) at path holds for TLS capture. */
enum probe_tls_kind {
	PROBE_TLS_NONE,	   /* no TLS library inside that this build knows */
	PROBE_TLS_OPENSSL, /* exports SSL_read/SSL_write (libssl, Node's static OpenSSL) */
	PROBE_TLS_BUN,	   /* a Bun executable: BoringSSL built in, stripped */
};
/* Reads the ELF's dynamic symbols and section names (libelf). */
enum probe_tls_kind probe_tls_inspect(const char *path);

#endif
