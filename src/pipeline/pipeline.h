/* pipeline.h: decoded records flow enrich -> redact -> escape -> limit ->
 * batch -> filter -> sinks. The pipeline owns a pool of records (one batch
 * worth, and a spare for a derived record): the reader asks for a free
 * record, the decoder fills it, commit() runs the stages, and a full batch
 * or the flush interval hands the batch to every sink. Every record that
 * does not reach a sink is counted by reason. */
#ifndef PROCTOR_PIPELINE_H
#define PROCTOR_PIPELINE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/drop.h"
#include "model/record.h"
#include "model/session.h"
#include "proctor/abi.h"
#include "sinks/sink.h"

#define PIPELINE_MAX_SINKS SESSION_MAX_SINKS

struct pipeline_stats {
	uint64_t events_by_type[PR_EV_MAX];
	uint64_t drops[DROP_REASON_MAX];
	uint64_t committed;
	uint64_t flushes;
	uint64_t redacted;     /* records in which a secret was replaced */
	uint64_t filtered_out; /* (record, sink) pairs a sink's filter skipped */
	uint64_t kernel_lost;  /* ring-buffer losses reported by the reader */
	uint64_t truncated;    /* records that lost fields (RECORD_MAX_FIELDS) */
	uint64_t lost_fields;  /* the fields they lost */
	/* records of no known session (recorded all the same, session "") */
	uint64_t attribution_missing;
	uint64_t ring_loss_ns; /* CLOCK_MONOTONIC of the last kernel loss counted */
	/* fail-closed freezes (src/app/failclosed.h): count, time, the current one */
	uint64_t freezes, frozen_ns, frozen_since_ns;
	/* Late losses at one sink of several (the others have the records):
	 * that sink's stats.dropped and these, never drops[] */
	uint64_t sink_lost[DROP_REASON_MAX];
	uint64_t heads;	     /* store.chain_head records exported (pipeline_collect_heads) */
	uint64_t heads_lost; /* (head, sink) pairs a sink lost: not event losses */
};

struct proctree;
struct redactor;
struct enricher;
struct ratelimit;

struct pipeline {
	struct sink *sinks[PIPELINE_MAX_SINKS];
	size_t nsinks;
	struct record *pool;   /* cap records, then the spare */
	struct record *spare;  /* where the escape stage derives a record */
	struct record **batch; /* committed, waiting for flush */
	size_t n, cap;
	uint64_t interval_ns, last_flush_ns;
	struct session_table sessions; /* per-session counts of events and drops */
	struct pipeline_stats stats;
	/* Stages (pipeline_init sets defaults; the config file changes them). */
	struct enricher *enricher;
	struct redactor *redactor; /* NULL: redaction off */
	struct ratelimit *limit;   /* rate 0: off */
	struct record **fbatch;	   /* per-sink filtered view of batch */
	uint8_t *delivery;	   /* per pool slot at flush: handed, taken */
	bool drained;		   /* pipeline_drain_sinks ran */
	size_t heads_in_batch;	   /* store.chain_head records in batch */
	/* Losses of the last session removed that sinks reported after its
	 * end (pipeline_drain_sinks), for its launcher's summary. */
	uint64_t ended_key, ended_drops;
	uint64_t ended_sink_lost[PIPELINE_MAX_SINKS];
	const char *type_names[PR_EV_MAX]; /* seen type names, for metrics */
	/* Called after each flush (every record committed so far is with the
	 * sinks); NULL: none. */
	void (*on_flushed)(void *ctx);
	void *flushed_ctx;
};

int pipeline_init(struct pipeline *p, size_t batch_cap, uint64_t interval_ns);
void pipeline_destroy(struct pipeline *p); /* flushes, drains and closes sinks */
/* Flush, then let the sinks with a thread of their own deliver what they
 * hold (or give up) and collect their losses: before a final summary. Once;
 * nothing may be recorded after it. */
void pipeline_drain_sinks(struct pipeline *p);
/* Opens and adds a sink by URL; err filled on failure. */
int pipeline_add_sink(struct pipeline *p, const char *url, char *err, size_t errlen);

/* -ENOSPC (counted in sessions.refused) beyond SESSION_TABLE_MAX. */
int pipeline_add_session(struct pipeline *p, struct session *s);
void pipeline_remove_session(struct pipeline *p, struct session *s);
struct session *pipeline_session(struct pipeline *p, uint64_t key);
int pipeline_session_begin(struct pipeline *p, struct session *s);
int pipeline_session_end(struct pipeline *p, struct session *s);
/* After pipeline_drain_sinks: the losses sinks reported after s ended (s
 * the last session removed) join its drops and sink_drops, and the sinks
 * that keep sessions (the store) update its counts. */
void pipeline_session_recount(struct pipeline *p, struct session *s);

/* A reset record to decode into; valid until the next commit/flush. */
struct record *pipeline_record(struct pipeline *p);
/* Run the stages; the record joins the batch or is dropped (counted). */
void pipeline_commit(struct pipeline *p, struct record *r);
/* Count a loss that happened before a record existed (e.g. decode error). */
void pipeline_count_drop(struct pipeline *p, enum drop_reason why, uint64_t session_key,
			 uint64_t n);
void pipeline_tick(struct pipeline *p, uint64_t now_ns); /* flush on interval */
void pipeline_flush(struct pipeline *p);

/* Enrich learns into and reads this process table (NULL: its own). */
void pipeline_use_procs(struct pipeline *p, struct proctree *t);
/* Stage settings (config file). rate 0 turns limiting off. */
void pipeline_set_rate_limit(struct pipeline *p, double per_second, double burst);
int pipeline_set_batch(struct pipeline *p, size_t size, uint64_t interval_ns);
/* Attach a filter to the most recently added sink (takes ownership). */
void pipeline_set_sink_filter(struct pipeline *p, size_t sink_index, struct sink_filter *f);
/* Gather drops that sinks noticed asynchronously (spool evictions, permanent
 * send failures) into the counters; called by pipeline_tick and _flush. */
void pipeline_collect_sink_drops(struct pipeline *p);
/* The stores' signed chain heads become store.chain_head records in the
 * batch, for the other sinks; called by pipeline_tick and at a session's end. */
void pipeline_collect_heads(struct pipeline *p);
/* true while a sink holds records it cannot write yet (sink_ops.blocked):
 * fail-closed freezes. Any thread (the sinks are fixed once running). */
bool pipeline_sinks_blocked(struct pipeline *p);
/* true when every sink is delivering (used by /healthz). */
bool pipeline_healthy(struct pipeline *p, char *why, size_t whylen);

#endif
