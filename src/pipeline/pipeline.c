/* pipeline.c: record pool, stages and batching towards the sinks. */
#include "pipeline/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static const char *const drop_names[DROP_REASON_MAX] = {
	[DROP_RINGBUF_FULL] = "ringbuf_full",
	[DROP_DECODE] = "decode_error",
	[DROP_RATE_LIMIT] = "rate_limited",
	[DROP_SINK_ERROR] = "sink_error",
	[DROP_SPOOL_FULL] = "spool_full",
};

const char *drop_reason_name(enum drop_reason r)
{
	return r < DROP_REASON_MAX ? drop_names[r] : "unknown";
}

int pipeline_init(struct pipeline *p, size_t batch_cap, uint64_t interval_ns)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	p->cap = batch_cap ? batch_cap : 4096;
	p->interval_ns = interval_ns ? interval_ns : 100000000ull;
	p->pool = calloc(p->cap, sizeof(*p->pool));
	p->batch = calloc(p->cap, sizeof(*p->batch));
	if (!p->pool || !p->batch)
		return -1;
	for (i = 0; i < p->cap; i++)
		record_init(&p->pool[i]);
	p->last_flush_ns = now_monotonic_ns();
	return 0;
}

void pipeline_destroy(struct pipeline *p)
{
	size_t i;

	pipeline_flush(p);
	for (i = 0; i < p->nsinks; i++)
		sink_close(p->sinks[i]);
	if (p->pool)
		for (i = 0; i < p->cap; i++)
			record_free(&p->pool[i]);
	free(p->pool);
	free(p->batch);
	memset(p, 0, sizeof(*p));
}

int pipeline_add_sink(struct pipeline *p, const char *url, char *err, size_t errlen)
{
	struct sink *s;

	if (p->nsinks >= PIPELINE_MAX_SINKS) {
		snprintf(err, errlen, "too many sinks (max %d)", PIPELINE_MAX_SINKS);
		return -1;
	}
	s = sink_open_url(url, err, errlen);
	if (!s)
		return -1;
	p->sinks[p->nsinks++] = s;
	return 0;
}

void pipeline_add_session(struct pipeline *p, struct session *s)
{
	if (p->nsessions < PIPELINE_MAX_SESSIONS)
		p->sessions[p->nsessions++] = s;
}

struct session *pipeline_session(struct pipeline *p, uint64_t key)
{
	size_t i;
	for (i = 0; i < p->nsessions; i++)
		if (p->sessions[i]->key == key)
			return p->sessions[i];
	return NULL;
}

int pipeline_session_begin(struct pipeline *p, struct session *s)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < p->nsinks; i++)
		if (p->sinks[i]->ops->session_begin && p->sinks[i]->ops->session_begin(p->sinks[i], s))
			rc = -1;
	return rc;
}

int pipeline_session_end(struct pipeline *p, struct session *s)
{
	size_t i;
	int rc = 0;

	pipeline_flush(p);
	for (i = 0; i < p->nsinks; i++)
		if (p->sinks[i]->ops->session_end && p->sinks[i]->ops->session_end(p->sinks[i], s))
			rc = -1;
	return rc;
}

struct record *pipeline_record(struct pipeline *p)
{
	struct record *r;

	if (p->n >= p->cap)
		pipeline_flush(p);
	r = &p->pool[p->n];
	record_reset(r);
	return r;
}

void pipeline_count_drop(struct pipeline *p, enum drop_reason why, uint64_t session_key,
			 uint64_t n)
{
	struct session *s = pipeline_session(p, session_key);

	p->stats.drops[why] += n;
	if (s) {
		s->drops += n;
		s->user_drops += n;
	}
}

void pipeline_commit(struct pipeline *p, struct record *r)
{
	struct session *s = pipeline_session(p, r->session_key);

	/* The record must be the pool slot handed out by pipeline_record(). */
	if (r != &p->pool[p->n])
		return;
	if (r->type < PR_EV_MAX)
		p->stats.events_by_type[r->type]++;
	p->stats.committed++;
	if (s)
		s->events++;
	p->batch[p->n++] = r;
	if (p->n >= p->cap)
		pipeline_flush(p);
}

void pipeline_tick(struct pipeline *p, uint64_t now_ns)
{
	if (p->n && now_ns - p->last_flush_ns >= p->interval_ns)
		pipeline_flush(p);
}

void pipeline_flush(struct pipeline *p)
{
	size_t i;

	p->last_flush_ns = now_monotonic_ns();
	if (!p->n)
		return;
	for (i = 0; i < p->nsinks; i++) {
		struct sink *s = p->sinks[i];
		uint64_t t0 = now_monotonic_ns();
		int rc = s->ops->write(s, p->batch, p->n);
		if (!rc && s->ops->flush)
			rc = s->ops->flush(s);
		s->stats.latency_ns += now_monotonic_ns() - t0;
		s->stats.batches++;
		if (rc) {
			s->stats.failures++;
			s->stats.dropped += p->n;
			p->stats.drops[DROP_SINK_ERROR] += p->n;
		} else {
			s->stats.records += p->n;
		}
	}
	p->stats.flushes++;
	p->n = 0;
}
