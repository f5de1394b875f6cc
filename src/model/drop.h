/* drop.h: why a record did not reach a sink. Every such loss is counted
 * under one of these reasons, in the totals and in its session's drops;
 * sinks report theirs back to the pipeline (sink.h). */
#ifndef PROCTOR_DROP_H
#define PROCTOR_DROP_H

enum drop_reason {
	DROP_RINGBUF_FULL, /* kernel: ring buffer reserve failed */
	DROP_DECODE,	   /* malformed record from the kernel */
	DROP_RATE_LIMIT,   /* per-cgroup token bucket */
	DROP_SINK_ERROR,   /* a sink failed and could not spool */
	DROP_SPOOL_FULL,   /* oldest spooled records evicted */
	DROP_REASON_MAX,
};
/* "ringbuf_full", "decode_error", ... (the metrics' reason label). */
const char *drop_reason_name(enum drop_reason r);

#endif
