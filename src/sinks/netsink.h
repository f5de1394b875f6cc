/* netsink.h: the delivery machinery every network sink shares. write()
 * appends records to the sink's on-disk spool (never blocks on the network);
 * a sender thread peeks batches from the spool, hands them to the sink's
 * send() and commits only what was delivered, retrying with backoff (or the
 * server's Retry-After) while the receiver is down or slow. Records a
 * receiver rejects for good, and spool evictions, are reported as drops that
 * the pipeline collects. On close the sender drains for a bounded time;
 * whatever is left stays spooled and is replayed, in order, by the next run. */
#ifndef PROCTOR_NETSINK_H
#define PROCTOR_NETSINK_H
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sinks/sink.h"
#include "sinks/spool.h"

/* A parsed sink URL: scheme://host:port/path?k=v&k2=v2 */
#define URL_MAX_PARAMS 16
struct sink_url {
	char scheme[32];
	char host[256];
	int port; /* 0 when absent */
	char path[512];
	char keys[URL_MAX_PARAMS][32];
	char vals[URL_MAX_PARAMS][256];
	int nparams;
};
/* rest = "//host:port/path?query" (what follows "scheme:"). */
int sink_url_parse(const char *scheme, const char *rest, struct sink_url *u, char *err,
		   size_t errlen);
const char *sink_url_param(const struct sink_url *u, const char *key); /* NULL if absent */

enum send_status { SEND_OK, SEND_RETRY, SEND_REJECTED };
struct send_result {
	enum send_status st;
	uint64_t retry_after_ms; /* SEND_RETRY: the server's hint, 0 = backoff */
	size_t rejected;	 /* SEND_OK: records the receiver refused for good */
	char msg[256];		 /* last error, for logs and /healthz */
};

struct netsink;
struct netsink_ops {
	const char *name; /* "syslog", "otlp", ... */
	int (*open)(struct netsink *ns, char *err, size_t errlen);
	/* Deliver n records (all or nothing, or partial rejection). */
	void (*send)(struct netsink *ns, struct record *const *recs, size_t n,
		     struct send_result *res);
	void (*close)(struct netsink *ns);
	size_t max_batch; /* records per send; 0 = 500 */
	/* URL parameters this sink understands (besides spool_dir, spool_max
	 * and drain); anything else is refused at open, so typos show. */
	const char *const *params;
};

#define NETSINK_DROPQ 256
struct netsink_stats {
	uint64_t sends, send_failures, records_sent, records_rejected, retries;
	uint64_t latency_ns_sum, latency_count;
	uint64_t latency_buckets[8]; /* <=1ms,5,10,50,100,500,1000,5000 ms */
	uint64_t spool_evicted;
};
extern const double netsink_latency_bounds_s[8];

struct netsink {
	struct sink *sink;
	const struct netsink_ops *ops;
	void *priv;
	struct sink_url url;
	char display[900]; /* scheme://host:port/path, no query (may hold tokens) */
	struct spool *spool;
	char spool_dir[1100];
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool started, stop, kick, up;
	uint64_t drain_deadline_ns;
	uint64_t drain_ms;
	struct sink_drop dropq[NETSINK_DROPQ];
	size_t ndrops;
	struct netsink_stats st;
	char last_error[256];
	struct strbuf ser; /* serialization buffer for write() */
};

/* Sink-ops glue: each network sink's sink_ops use these. */
int netsink_open(struct sink *s, const char *scheme, const char *rest,
		 const struct netsink_ops *ops, char *err, size_t errlen);
int netsink_write(struct sink *s, struct record *const *recs, size_t n);
int netsink_flush(struct sink *s);
void netsink_close(struct sink *s);
/* Stop the sender after draining (bounded by the drain time); close() does
 * this too. The pipeline calls it first so late drops are still counted. */
void netsink_drain(struct sink *s);
/* Ask the sender to finish (drain deadline starts now) without waiting, so
 * several sinks drain in parallel; netsink_drain() then joins. */
void netsink_request_stop(struct sink *s);
/* The sink_ops members every network sink shares (after .scheme, .open). */
#define NETSINK_SINK_OPS                                                                           \
	.write = netsink_write, .flush = netsink_flush, .close = netsink_close,                    \
	.request_stop = netsink_request_stop, .drain = netsink_drain,                              \
	.take_drops = netsink_take_drops, .healthy = netsink_healthy

struct netsink *netsink_of(struct sink *s); /* NULL for local sinks */
size_t netsink_take_drops(struct sink *s, struct sink_drop *d, size_t max);
bool netsink_healthy(struct sink *s, char *why, size_t whylen);
bool netsink_up(struct netsink *ns);
uint64_t netsink_spool_bytes(struct netsink *ns);
uint64_t netsink_spool_pending(struct netsink *ns);		   /* events */
void netsink_stats(struct netsink *ns, struct netsink_stats *out); /* consistent snapshot */
/* Wait until the spool is empty or timeout; true when empty (tests). */
bool netsink_wait_idle(struct netsink *ns, uint64_t timeout_ms);

/* Defaults the config file may change before sinks are opened. */
struct netsink_defaults {
	char spool_dir[512];	   /* config file's spool.dir */
	char store_spool_dir[512]; /* "STORE.db.spool", next to the SQLite store */
	uint64_t spool_max_bytes;
	uint64_t drain_ms;
};
extern struct netsink_defaults netsink_defaults;

#endif
