/* tls.h: the app's LLM visibility: the tls family's uprobes attached for a
 * tracked process when it maps a TLS library (tls.map) or execs a binary
 * with TLS inside, detached at its exit; tls.data records fed to src/llm,
 * its records committed to the pipeline with the common fields, and per
 * session an llm.capture record (what was hooked, how long after the
 * mapping, what could not be and why, bytes captured and left out). */
#ifndef PROCTOR_APP_TLS_H
#define PROCTOR_APP_TLS_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "app/tls_gate.h"
#include "llm/prices.h"
#include "probe/tls_boring.h"
#include "probe/tls_sigs.h"
#include "proctor/abi.h"

#define APP_TLS_EXES	 512 /* executables inspected (by inode); more are inspected again */
#define APP_TLS_WARNS	 64  /* (session, executable) pairs told unhooked */
#define APP_TLS_SESSIONS 64  /* sessions with hooks (more: counted app-wide only) */
#define APP_TLS_PATHS	 4   /* distinct library paths named per session */
#define APP_TLS_PENDING	 64  /* Bun processes waiting for their executable's scan */

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

/* A tracked process exec'd a Bun executable whose BoringSSL offsets are
 * not known yet: hooked when the scan of its inode ends. */
struct app_tls_pending {
	struct pr_hdr h; /* its process.exec header (the hook's delay counts from it) */
	uint64_t dev, ino;
	char exe[256];
};

/* The locator (tls_boring.c) on one executable, on its own thread: a
 * 100+ MB scan must not stall the event loop. */
struct app_tls_scan {
	pthread_t thread;
	bool running;
	atomic_bool done;
	int fd;	       /* the executable, opened through the first process that ran it */
	char path[64]; /* /proc/self/fd/FD (or /proc/PID/exe when it could not be opened) */
	uint64_t dev, ino;
	uint8_t id[TLS_SIG_ID_MAX]; /* its GNU build id, for the cache */
	int idlen;		    /* -1: none */
	struct tls_boring_loc loc;
	int rc;
	char err[256];
	uint64_t ns; /* how long it took */
};

struct app_tls {
	char error[256]; /* why TLS capture cannot run at all; "" when it can */
	/* BoringSSL in Bun: offsets by build id (shipped file, then the cache of
	 * what the locator found), the processes waiting for a scan */
	struct tls_sigs sigs, cache;
	char sigs_path[512], cache_path[512];
	char sigs_warning[600];	  /* a signature file refused, or the cache not saved */
	struct llm_prices prices; /* data/llm-prices, for llm.cost_usd */
	char prices_warning[600]; /* the price table refused or missing */
	bool capture_content;	  /* set before app_tls_start: prompt and response text */
	struct app_tls_pending pending[APP_TLS_PENDING];
	int npending;
	struct app_tls_scan scan;
	uint64_t bun_from_sigs, bun_scans, bun_scan_max_ns; /* over the run */
	struct {
		uint64_t dev, ino;
		char why[400];
	} bun_failed[8]; /* executables the locator gave up on (not scanned again) */
	int nbun_failed;
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
/* From the event loop: hook the processes whose executable's scan ended. */
void app_tls_tick(struct app *r);
/* The end: waits for a scan under way, frees the signature tables. */
void app_tls_stop(struct app *r);
/* Before the session's end: open calls, then its llm.capture. */
void app_tls_end_session(struct app *r, struct session *s);
/* Summary lines: model calls, tool calls; a warning when TLS is not hooked
 * or plaintext was left out. */
void app_tls_print(const struct app *r, FILE *f);

#endif
