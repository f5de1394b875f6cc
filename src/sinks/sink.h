/* sink.h: the interface every exporter implements (one file per sink under
 * src/sinks/). A sink is opened from a URL ("sqlite:/path", "jsonl:-",
 * "syslog+udp://host:514", ...), receives records in batches, and is told when
 * sessions begin and end. Sinks never own records: they serialize what they
 * need during write(). Field keys are static strings (see record.h). */
#ifndef PROCTOR_SINK_H
#define PROCTOR_SINK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/drop.h"
#include "model/record.h"
#include "model/session.h"
#include "store/chain.h"

struct sink;

/* Records a sink lost after accepting them (spool evictions, permanent
 * send failures), reported back to the pipeline's counters. */
struct sink_drop {
	enum drop_reason why;
	uint64_t session_key;
	uint64_t n;
};

struct sink_stats {
	uint64_t records;      /* records accepted */
	uint64_t batches;      /* batches written */
	uint64_t failures;     /* failed writes */
	uint64_t dropped;      /* records lost for any reason */
	uint64_t latency_ns;   /* sum of write latencies */
	uint64_t max_batch_ns; /* slowest batch write */
};

struct sink_ops {
	const char *scheme; /* URL scheme this sink handles */
	/* rest = the URL after "scheme:" (e.g. "/var/lib/x.db" or "//host:514"). */
	int (*open)(struct sink *s, const char *rest, char *err, size_t errlen);
	int (*write)(struct sink *s, struct record *const *recs, size_t n);
	int (*flush)(struct sink *s);
	void (*close)(struct sink *s);
	int (*session_begin)(struct sink *s, const struct session *ses); /* optional */
	int (*session_end)(struct sink *s, const struct session *ses);	 /* optional */
	/* Optional, for sinks that deliver from a thread of their own: */
	void (*request_stop)(struct sink *s); /* start the final drain, don't wait */
	void (*drain)(struct sink *s);	      /* wait for it */
	size_t (*take_drops)(struct sink *s, struct sink_drop *out, size_t max);
	/* wait until every record written so far is delivered or counted in
	 * take_drops (a session's end carries its final counts) */
	void (*sync)(struct sink *s);
	/* an ended session's counts changed (losses reported after its end) */
	int (*session_recount)(struct sink *s, const struct session *ses);
	/* A store's signed chain heads since the last call (the pipeline
	 * exports them to the other sinks as store.chain_head records). */
	size_t (*take_heads)(struct sink *s, struct chain_head *out, size_t max);
	/* Fail-closed: true while the sink holds records it cannot write yet
	 * (the store on a full disk): the recorder freezes the fail-closed
	 * sessions until it is false again. Any thread. */
	bool (*blocked)(struct sink *s);
	/* false, with why filled, when the sink is not delivering */
	bool (*healthy)(struct sink *s, char *why, size_t whylen);
};

struct sink_filter; /* per-sink include/exclude rules (pipeline/filter) */

struct sink {
	const struct sink_ops *ops;
	void *priv;
	char url[512];
	struct sink_filter *filter; /* NULL: everything */
	struct sink_stats stats;
};

/* Find the sink for a URL and open it. "PATH.db" alone means sqlite:PATH.
 * Returns NULL with err filled on failure. */
struct sink *sink_open_url(const char *url, char *err, size_t errlen);
void sink_close(struct sink *s);

/* Registered sink implementations. */
extern const struct sink_ops sqlite_sink_ops;
extern const struct sink_ops jsonl_sink_ops;

#endif
