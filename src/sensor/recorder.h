/* recorder.h: sensor -> decode -> pipeline, wired together: what `proctor
 * run` (and later the daemon) drives from its event loop. */
#ifndef PROCTOR_RECORDER_H
#define PROCTOR_RECORDER_H
#include <stdio.h>

#include "model/proctree.h"
#include "model/session.h"
#include "pipeline/pipeline.h"
#include "sensor/decode.h"
#include "sensor/sensor.h"

struct recorder {
	struct sensor sensor;
	struct pipeline pipeline;
	struct proctree procs;
	struct decode_ctx dctx;
	char host[256];
	uint64_t drops_polled_ns; /* last read of the kernel's per-session losses */
	/* Reader numbers for `proctor -v run`. */
	uint64_t rb_high_water; /* most bytes pending in the ring buffer seen */
	uint64_t nread;		/* records read (high water sampled every 256) */
	uint64_t busy_ns;	/* time in drain/finish: read, decode, stages, sinks */
	uint64_t drain_ns;	/* recorder_finish: final drain, flush, session end */
	uint64_t drain_records; /* records read by the final drain */
};

/* Pipeline first (so sinks can be added), then the sensor. */
int recorder_init(struct recorder *r, char *err, size_t errlen);
int recorder_start_sensor(struct recorder *r, uint32_t ringbuf_bytes, char *err, size_t errlen);
void recorder_destroy(struct recorder *r);

/* Track a session's cgroup and seed processes already in it from /proc,
 * except skip_pid (the launcher's own child, about to exec; 0 = none). */
int recorder_track(struct recorder *r, struct session *s, const char *cg_rel, uint32_t skip_pid,
		   char *err, size_t errlen);
/* Read everything waiting in the ring buffer; batches flush on interval. */
int recorder_drain(struct recorder *r);
/* Final accounting for a session: kernel drops, untrack, sink session_end. */
void recorder_finish(struct recorder *r, struct session *s);
/* A few lines on f: per sink records, batches, errors, write time; ring
 * buffer high water; reader busy time; final drain. */
void recorder_print_stats(const struct recorder *r, FILE *f);

#endif
