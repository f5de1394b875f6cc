/* tls.h: the tls family's uprobes (bpf/tls/): attached per tracked process
 * and library, when the process maps the library (tls.map) or execs a
 * binary with TLS inside; untracked processes carry no breakpoint.
 * Functions take err/errlen (docs/DESIGN.md). */
#ifndef PROCTOR_PROBE_TLS_H
#define PROCTOR_PROBE_TLS_H
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proctor/abi_tls.h"

struct probe;

#define PROBE_TLS_HOOKS 256 /* (process, library) pairs hooked at once */

/* One TLS library hooked for one process: entry and return of the four
 * functions. A perf uprobe's pid names a task whose mm it follows: after
 * an exec, the new image is hooked when it maps the same file. */
struct probe_tls_hook {
	uint32_t pid;
	uint64_t dev, ino;	   /* stat() encoding */
	struct bpf_link *links[8]; /* entry and return of each function */
	int nlinks;
	uint64_t hooked_ns; /* CLOCK_BOOTTIME when in place */
	bool unclaimed;	    /* made by the gate; the next attach reports it */
};

#define PROBE_TLS_FILES                                                                            \
	128 /* libraries whose function offsets are remembered (the gate's 64 too) */

struct probe_tls_file {
	uint64_t dev, ino;
	uint64_t offs[8]; /* file offsets of the functions, in hook order (tls.c) */
};

#define PROBE_TLS_DEAD (PROBE_TLS_HOOKS * 8) /* links waiting for the reaper */

struct probe_tls {
	struct probe_tls_hook hooks[PROBE_TLS_HOOKS];
	int nhooks;
	struct probe_tls_file files[PROBE_TLS_FILES];
	int nfiles;
	/* the reaper thread destroys the links of exited processes (tls.c) */
	pthread_t reaper;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct bpf_link *dead[PROBE_TLS_DEAD];
	int ndead;
	bool reaper_up, stop;
	pthread_mutex_t
		lock;	   /* hooks[] and files[]: the event loop and the gate (app/tls_gate.c) */
	uint64_t attached; /* hooks made, over the run */
	uint64_t refused;  /* not made: table full */
};

/* Attach flags. */
#define PROBE_TLS_GATE                                                                             \
	1u /* offsets remembered only (never open path); the hook is left                          \
	    * unclaimed for the event loop's next attach to report */

/* Hook lib's functions (OpenSSL's four, GnuTLS's two, BoringSSL's two at
 * the offsets set before) in the file at path
 * for process pid only (a no-op when hooked already). path may be a /proc/PID/map_files,
 * /proc/PID/exe or /proc/self/fd link: a replaced or deleted file is still the one mapped.
 * Returns 1 when newly hooked (or, without PROBE_TLS_GATE, when an unclaimed hook of
 * the gate's is claimed), 0 when it already was, -1 with err; *hooked_ns (may be
 * NULL) is when the hook went in place. Safe from any thread. */
int probe_tls_attach(struct probe *s, uint32_t pid, const char *path, enum pr_tls_lib lib,
		     unsigned flags, uint64_t *hooked_ns, char *err, size_t errlen);
/* Resolve and remember the offsets of lib's functions in the file at path
 * (what PROBE_TLS_GATE attaches need): 0, or -1 with err. */
int probe_tls_learn(struct probe *s, const char *path, enum pr_tls_lib lib, char *err,
		    size_t errlen);
/* BoringSSL's offsets in the file (dev, ino), located without symbols
 * (tls_sigs.h, tls_boring.h): remembered for the engine's life. */
void probe_tls_set_offsets(struct probe *s, uint64_t dev, uint64_t ino, uint64_t read_off,
			   uint64_t write_off);
bool probe_tls_known(const struct probe *s, uint64_t dev, uint64_t ino);
bool probe_tls_hooked(const struct probe *s, uint32_t pid, uint64_t dev, uint64_t ino);
/* The process exited: its hooks go (their breakpoints with its mm). */
void probe_tls_detach_pid(struct probe *s, uint32_t pid);
void probe_tls_detach_all(struct probe *s);

/* What an executable (or library) at path holds for TLS capture. */
enum probe_tls_kind {
	PROBE_TLS_NONE,	   /* no TLS library inside that this build knows */
	PROBE_TLS_OPENSSL, /* exports SSL_read/SSL_write (libssl, Node's static OpenSSL) */
	PROBE_TLS_BUN,	   /* a Bun executable: BoringSSL built in, stripped */
	PROBE_TLS_GNUTLS,  /* exports gnutls_record_send (libgnutls) */
};
/* Reads the ELF's dynamic symbols and section names (libelf). */
enum probe_tls_kind probe_tls_inspect(const char *path);

#endif
