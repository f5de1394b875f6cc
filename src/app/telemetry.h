/* telemetry.h: wiring of the agent's own telemetry (src/otlp): the
 * receiver's items -> agent.telemetry records in the sending process's
 * session; the kernel's llm.call / llm.tool_call and the reported calls ->
 * the cross-check, whose disagreements become agent.telemetry.mismatch
 * records at the session's end (docs/EVENTS-llm.md). */
#ifndef PROCTOR_APP_TELEMETRY_H
#define PROCTOR_APP_TELEMETRY_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "model/record.h"
#include "otlp/receiver.h"
#include "otlp/xcheck.h"

struct app;
struct session;

struct app_telemetry {
	bool on;
	struct otlp_receiver rx;
	struct xcheck xc;
	uint64_t records;      /* agent.telemetry records made */
	uint64_t outside;      /* items from a process no session tracks: not recorded */
	uint64_t unattributed; /* items whose sender was not found: not recorded */
	uint64_t mismatches;
};

/* Start the receiver on addr (loopback HOST:PORT; port 0 picks one). */
int app_telemetry_start(struct app *r, const char *addr, char *err, size_t errlen);
/* The environment an agent needs to send here (OTEL_*), as NAME=VALUE
 * strings in a static table ending with NULL; NULL when not started. */
const char *const *app_telemetry_env(struct app *r);
/* From app_drain: the receiver's items -> records. */
void app_telemetry_drain(struct app *r);
/* An llm.call or llm.tool_call the TLS capture made, before its commit. */
void app_telemetry_saw(struct app *r, const struct record *rec);
/* From app_end_session: take what is left, cross-check, mismatch records. */
void app_telemetry_end_session(struct app *r, const struct session *s);
void app_telemetry_print(const struct app *r, FILE *f);
void app_telemetry_stop(struct app *r);

#endif
