/* tls.h: the app's LLM visibility: the tls family's uprobes attached at
 * probe start, tls.data records fed to src/llm, its records committed to
 * the pipeline with the common fields, and per session an llm.capture
 * record (hooked or not and why, bytes captured and left out). */
#ifndef PROCTOR_APP_TLS_H
#define PROCTOR_APP_TLS_H
#include <stdint.h>
#include <stdio.h>

#define APP_TLS_EXES  512 /* executables inspected (by inode); more are inspected again */
#define APP_TLS_WARNS 64  /* (session, executable) pairs told unhooked */

struct app_tls {
	char error[256];    /* why the system's libssl is not hooked; "" when it is */
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
	uint64_t unhooked;	/* execs of binaries with TLS inside that are not hooked */
	char unhooked_why[256]; /* the last one's reason */
};

struct app;
struct session;

/* Hook the TLS libraries; a failure is not fatal: it is reported in each
 * session's llm.capture and in the summary. */
void app_tls_start(struct app *r);
/* A tls.data record from the ring. */
void app_tls_on_event(struct app *r, const void *data, size_t len);
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
