/* app.h: the one place that wires probe, decode, pipeline, sinks and the
 * egress module together; `proctor run` (and later the daemon) drives it:
 * app_init, app_open_sinks, app_start_probe, then per session
 * app_add_session (and app_add_egress, app_add_policy), app_drain from the event loop
 * (readable: probe_fd(&app.probe)), app_end_session; app_print_stats and
 * app_destroy at the end. */
#ifndef PROCTOR_APP_H
#define PROCTOR_APP_H
#include <stdio.h>

#include "app/failclosed.h"
#include "decode/decode.h"
#include "egress/session.h"
#include "enforce/enforce.h"
#include "app/tls.h"
#include "app/telemetry.h"
#include "app/toolcall.h"
#include "llm/llm.h"
#include "model/proctree.h"
#include "model/session.h"
#include "pipeline/pipeline.h"
#include "probe/probe.h"

struct app {
	struct probe probe;
	struct pipeline pipeline;
	struct proctree procs;
	struct decode_ctx dctx;
	struct enforce enforce; /* the policy's exec rules in the kernel */
	char host[256];
	/* Sessions with network control: their flows feed the egress summary. */
	struct egress_session *egress[SESSION_TABLE_MAX];
	size_t negress;
	uint64_t drops_polled_ns; /* last read of the kernel's per-session losses */
	/* Reader numbers for `proctor -v run`. */
	uint64_t rb_high_water; /* most bytes pending in the ring buffer seen */
	uint64_t nread;		/* records read (high water sampled every 256) */
	uint64_t busy_ns;	/* time in drain/finish: read, decode, stages, sinks */
	uint64_t drain_ns;	/* app_end_session: final drain, flush, session end */
	uint64_t drain_records; /* records read by the final drain */
	/* A record under a kernel-made session key (PR_AUTO_KEY_BIT) that no
	 * session has yet: the owner (the daemon) may create it, before the
	 * record is decoded (src/app/adopt.c). NULL: none. */
	void (*on_auto)(void *ctx, const void *data, size_t len);
	void *auto_ctx;
	struct llm llm;		    /* model calls read from TLS plaintext (app/tls.c) */
	struct app_tls tls;	    /* what is hooked, what could not be (app/tls.c) */
	struct toolcalls toolcalls; /* tool call -> the processes it caused (app/toolcall.c) */
	const char *pin_dir;	    /* set before app_start_probe: pin (probe.h) */
	struct fail_closed fc;	    /* sessions with fail_closed set: failclosed.h */
	bool fail_closed_all;	    /* every session is recorded fail-closed (daemon.yaml) */

	struct app_telemetry telemetry; /* the agent's own OTLP telemetry (app/telemetry.c) */
};

/* What to record into. */
struct app_sinks {
	const char *store;	    /* SQLite store path; NULL: none */
	const char *jsonl;	    /* JSON-lines path or "-"; NULL: none */
	const char *const *exports; /* sink URLs */
	int nexports;
};

/* Pipeline first (so sinks can be added), then the probe. */
int app_init(struct app *r, char *err, size_t errlen);
/* Open the sinks (store, JSON lines, exports, then the config file's) on
 * the pipeline. None at all is not an error here: see pipeline.nsinks. */
int app_open_sinks(struct app *r, const struct app_sinks *o, char *err, size_t errlen);
/* Load a pipeline config file (--config: sinks, filters and stages). An
 * invalid file is the caller's usage error, a sink that cannot open its set-up
 * failure: err says which. */
int app_load_config(struct app *r, const char *path, char *err, size_t errlen);
int app_start_probe(struct app *r, uint32_t ringbuf_bytes, char *err, size_t errlen);
void app_destroy(struct app *r);

/* Track a session's cgroup and seed processes already in it from /proc,
 * except skip_pid (the launcher's own child, about to exec; 0 = none). */
int app_add_session(struct app *r, struct session *s, const char *cg_rel, uint32_t skip_pid,
		    char *err, size_t errlen);
/* Take back a session a previous engine recorded (its cgroup is still
 * tracked in the pinned maps): the session table, the sinks' session row
 * (an upsert) and the process table from /proc, without new records. */
int app_resume_session(struct app *r, struct session *s, const char *cg_rel, char *err,
		       size_t errlen);
/* Attach the egress module to a session's cgroup (its flows come back
 * through the app's decode path); remove detaches it (once; a session
 * never added is left alone). */
int app_add_egress(struct app *r, struct egress_session *es, const char *cg_abs, struct session *s,
		   char *err, size_t errlen);
void app_remove_egress(struct app *r, struct egress_session *es);
/* Load the files and exec rules of p that this build enforces into the
 * kernel for session s, before anything of it runs; s->policy = p, for
 * policy.violation. app_end_session unloads them. */
int app_add_policy(struct app *r, struct session *s, const struct policy *p, char *err,
		   size_t errlen);
/* From now on the ring's space is released to the kernel only once its
 * records are flushed to the sinks, not when read: a reader killed in
 * between leaves them for the next one (the daemon). */
void app_defer_ring_release(struct app *r);
/* Read everything waiting in the ring buffer; batches flush on interval. */
int app_drain(struct app *r);
/* Final accounting for a session: kernel drops, untrack, sink session_end. */
void app_end_session(struct app *r, struct session *s);
/* A few lines on f: per sink records, batches, errors, write time; ring
 * buffer high water; reader busy time; final drain. */
void app_print_stats(const struct app *r, FILE *f);
/* Losses no drop reason covers (fields beyond a record's table, sessions
 * beyond the table): a line each, only when there were any. Part of the
 * summary and of -v. */
void app_print_losses(const struct app *r, FILE *f);

#endif
