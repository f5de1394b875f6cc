/* tls_gate.h: TLS libraries hooked before a tracked process can use them.
 * A fanotify permission group marks each TLS library file (libssl,
 * libgnutls; found in the system library directories at start, and any
 * other the event loop hooks later) for FAN_OPEN_PERM, and each executable
 * with TLS inside for FAN_OPEN_EXEC_PERM. The opener waits in the kernel
 * while the gate's thread asks whether it is tracked and, when it is,
 * attaches its uprobes (src/probe/tls.c) before answering: the kernel then
 * installs the breakpoints when the file is mapped, so no TLS call runs
 * unhooked. Every open is allowed; an untracked opener waits for one map
 * lookup. If proctor dies, the kernel allows whatever waits. */
#ifndef PROCTOR_APP_TLS_GATE_H
#define PROCTOR_APP_TLS_GATE_H
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "proctor/abi_tls.h"

#define TLS_GATE_FILES 64 /* files marked; more are hooked when mapped (a counted race) */

struct probe;

struct tls_gate {
	int fan_fd, stop_fd; /* -1 when the gate is off */
	pthread_t thread;
	bool running;
	struct probe *probe;
	pthread_mutex_t lock; /* files[] */
	struct {
		uint64_t dev, ino;
		uint8_t lib; /* enum pr_tls_lib */
	} files[TLS_GATE_FILES];
	int nfiles;
	char error[256]; /* why the gate is off; "" when on */
	/* counters, written by the gate's thread (read after stop or racily) */
	uint64_t opens;	 /* permission events answered */
	uint64_t hooked; /* tracked openers hooked before the open went on */
	uint64_t failed; /* tracked openers the gate could not hook (the map path retries) */
};

/* Mark the system's TLS libraries and start the thread. A failure (no
 * fanotify here) leaves the gate off with g->error: hooking falls back to
 * the mapping record (a race, counted in tls.hooks.missed). */
void tls_gate_start(struct tls_gate *g, struct probe *p);
/* Gate the file at path (lib's functions) from now on (event loop thread);
 * exec: an executable (FAN_OPEN_EXEC_PERM) rather than a library. */
void tls_gate_add(struct tls_gate *g, const char *path, enum pr_tls_lib lib, bool exec);
void tls_gate_stop(struct tls_gate *g);

#endif
