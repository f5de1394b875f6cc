/* tls.h: the app's LLM visibility: the tls family's uprobes attached for a
 * tracked process when it maps a TLS library (tls.map) or execs a binary
 * with TLS inside, detached at its exit; tls.data records fed to src/llm,
 * its records committed to the pipeline with the common fields, and per
 * session an llm.capture record (what was hooked, how long after the
 * mapping, what could not be and why, bytes captured and left out). */
#ifndef PROCTOR_APP_TLS_H
#define PROCTOR_APP_TLS_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "app/tls_gate.h"

#define APP_TLS_EXES	 512 /* executables inspected (by inode); more are inspected again */
#define APP_TLS_WARNS	 64  /* (session, executable) pairs told unhooked */
#define APP_TLS_SESSIONS 64  /* sessions with hooks (more: counted app-wide only) */
#define APP_TLS_PATHS	 4   /* distinct library paths named per session */

/* What was hooked for one session's processes, for its llm.capture. */
struct app_tls_session {
	uint64_t key;	       /* 0: free */
	uint32_t hooks;	       /* (process, library) hooks made */
	uint32_t missed;       /* processes gone before their hook could be made */
	uint64_t max_delay_ns; /* mapping (or exec) -> hook in place, the longest */
	uint32_t libs;	       /* 1 << enum pr_tls_lib of each library hooked */
	char reason[256];      /* the last hook that failed, and why */
	char paths[APP_TLS_PATHS][256];
	int npaths;
};

struct app_tls {
	char error[256]; /* why TLS capture cannot run at all; "" when it can */
	struct app_tls_session sessions[APP_TLS_SESSIONS];
	uint64_t hooks, missed, failed; /* over the run */
	uint64_t max_delay_ns;
	uint64_t cut_bytes; /* plaintext left out, over ended sessions */
	struct {
		uint64_t dev, ino;
		uint8_t kind; /* enum probe_tls_kind */
	} exes[APP_TLS_EXES];
	int nexes;
	struct {
		uint64_t session_key, ino;
	} warned[APP_TLS_WARNS];
	int nwarned;
	struct tls_gate gate;	/* hooks made before the library opens (tls_gate.h) */
	uint64_t unhooked;	/* execs of binaries with TLS inside that are not hooked */
	char unhooked_why[256]; /* the last one's reason */
};

struct app;
struct session;

/* Ready the parsers; a failure is not fatal: it is reported in each
 * session's llm.capture and in the summary. Nothing is hooked yet. */
void app_tls_start(struct app *r);
/* Stop the gate (before the probe closes). */
void app_tls_stop(struct app *r);
/* A tls.data record from the ring. */
void app_tls_on_event(struct app *r, const void *data, size_t len);
/* A tls.map record: hook the library it names for that process. */
void app_tls_on_map(struct app *r, const void *data, size_t len);
/* The process exited: its hooks go. */
void app_tls_on_exit(struct app *r, uint32_t pid);
/* A tracked process exec'd exe (h: its process.exec header): an executable
 * with TLS inside is hooked (once per inode), or an llm.capture says why it
 * cannot be (once per session and inode). */
struct pr_hdr;
void app_tls_on_exec(struct app *r, const struct pr_hdr *h, const char *exe);
/* Before the session's end: open calls, then its llm.capture. */
void app_tls_end_session(struct app *r, struct session *s);
/* Summary lines: model calls, tool calls; a warning when TLS is not hooked
 * or plaintext was left out. */
void app_tls_print(const struct app *r, FILE *f);

#endif
