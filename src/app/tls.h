/* tls.h: the app's LLM visibility: the tls family's uprobes attached at
 * probe start, tls.data records fed to src/llm, its records committed to
 * the pipeline with the common fields, and per session an llm.capture
 * record (hooked or not and why, bytes captured and left out). */
#ifndef PROCTOR_APP_TLS_H
#define PROCTOR_APP_TLS_H
#include <stdio.h>

struct app;
struct session;

/* Hook the TLS libraries; a failure is not fatal: it is reported in each
 * session's llm.capture and in the summary. */
void app_tls_start(struct app *r);
/* A tls.data record from the ring. */
void app_tls_on_event(struct app *r, const void *data, size_t len);
/* Before the session's end: open calls, then its llm.capture. */
void app_tls_end_session(struct app *r, struct session *s);
/* Summary lines: model calls, tool calls; a warning when TLS is not hooked
 * or plaintext was left out. */
void app_tls_print(const struct app *r, FILE *f);

#endif
