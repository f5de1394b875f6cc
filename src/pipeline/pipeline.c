/* pipeline.c: record pool, the stages (enrich -> redact -> escape -> rate
 * limit at commit; per-sink filter at flush) and batching towards the sinks. Every
 * record that does not reach a sink is counted by reason, in the totals and
 * in its session's drops. */
#include "pipeline/pipeline.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/chain_head.h"
#include "pipeline/enrich.h"
#include "pipeline/escape.h"
#include "pipeline/filter.h"
#include "pipeline/ratelimit.h"
#include "pipeline/redact.h"
#include "util/strbuf.h"
#include "util/util.h"

static int alloc_batch(struct pipeline *p, size_t cap)
{
	size_t i;

	p->cap = cap;
	p->pool = calloc(p->cap + 1, sizeof(*p->pool)); /* + the spare */
	p->batch = calloc(p->cap, sizeof(*p->batch));
	p->fbatch = calloc(p->cap, sizeof(*p->fbatch));
	p->delivery = calloc(p->cap + 1, 1);
	if (!p->pool || !p->batch || !p->fbatch || !p->delivery)
		return -ENOMEM;
	for (i = 0; i <= p->cap; i++)
		record_init(&p->pool[i]);
	p->spare = &p->pool[p->cap];
	return 0;
}

static void free_batch(struct pipeline *p)
{
	size_t i;

	if (p->pool)
		for (i = 0; i <= p->cap; i++)
			record_free(&p->pool[i]);
	free(p->pool);
	free(p->batch);
	free(p->fbatch);
	free(p->delivery);
	p->delivery = NULL;
	p->pool = p->spare = NULL;
	p->batch = p->fbatch = NULL;
}

int pipeline_init(struct pipeline *p, size_t batch_cap, uint64_t interval_ns)
{
	memset(p, 0, sizeof(*p));
	p->interval_ns = interval_ns ? interval_ns : 100000000ull;
	if (alloc_batch(p, batch_cap ? batch_cap : 4096))
		return -ENOMEM;
	p->enricher = enricher_new();
	p->redactor = redactor_new(true);
	p->limit = calloc(1, sizeof(*p->limit));
	if (!p->enricher || !p->redactor || !p->limit)
		return -ENOMEM;
	ratelimit_init(p->limit, 0, 0);
	p->last_flush_ns = now_monotonic_ns();
	return 0;
}

void pipeline_drain_sinks(struct pipeline *p)
{
	size_t i;

	pipeline_flush(p);
	if (p->drained)
		return;
	p->drained = true;
	for (i = 0; i < p->nsinks; i++) /* all drain in parallel */
		if (p->sinks[i]->ops->request_stop)
			p->sinks[i]->ops->request_stop(p->sinks[i]);
	for (i = 0; i < p->nsinks; i++)
		if (p->sinks[i]->ops->drain)
			p->sinks[i]->ops->drain(p->sinks[i]);
	pipeline_collect_sink_drops(p);
}

void pipeline_destroy(struct pipeline *p)
{
	size_t i;

	pipeline_drain_sinks(p);
	for (i = 0; i < p->nsinks; i++) {
		filter_free(p->sinks[i]->filter);
		p->sinks[i]->filter = NULL;
		sink_close(p->sinks[i]);
	}
	free_batch(p);
	enricher_free(p->enricher);
	redactor_free(p->redactor);
	free(p->limit);
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

void pipeline_set_sink_filter(struct pipeline *p, size_t i, struct sink_filter *f)
{
	if (i >= p->nsinks) {
		filter_free(f);
		return;
	}
	filter_free(p->sinks[i]->filter);
	p->sinks[i]->filter = f;
}

void pipeline_use_procs(struct pipeline *p, struct proctree *t)
{
	enricher_use_procs(p->enricher, t);
}

void pipeline_set_rate_limit(struct pipeline *p, double per_second, double burst)
{
	ratelimit_init(p->limit, per_second, burst);
}

int pipeline_set_batch(struct pipeline *p, size_t size, uint64_t interval_ns)
{
	if (interval_ns)
		p->interval_ns = interval_ns;
	if (size && size != p->cap) {
		pipeline_flush(p);
		free_batch(p);
		if (alloc_batch(p, size))
			return -ENOMEM;
	}
	return 0;
}

int pipeline_add_session(struct pipeline *p, struct session *s)
{
	return session_add(&p->sessions, s);
}

void pipeline_remove_session(struct pipeline *p, struct session *s)
{
	session_remove(&p->sessions, s);
	p->ended_key = s->key;
	p->ended_drops = 0;
	memset(p->ended_sink_lost, 0, sizeof(p->ended_sink_lost));
}

struct session *pipeline_session(struct pipeline *p, uint64_t key)
{
	return session_find(&p->sessions, key);
}

/* A store is a sink that signs chain heads (take_heads). */
static bool is_store(const struct sink *k)
{
	return k->ops->take_heads != NULL;
}

enum { ALL_SINKS, STORES, OTHERS };

/* Sinks (all, the stores or the others) see the session with its command
 * redacted (the caller's argv is left alone: it may still be exec'd). */
static int session_call(struct pipeline *p, struct session *s, bool begin, int which)
{
	char **orig = s->argv, **red = NULL;
	size_t i;
	int rc = 0;

	if (p->redactor && s->argv && (red = redact_argv(p->redactor, s->argv)))
		s->argv = red;
	for (i = 0; i < p->nsinks; i++) {
		struct sink *k = p->sinks[i];
		int (*fn)(struct sink *, const struct session *) =
			begin ? k->ops->session_begin : k->ops->session_end;
		if (which != ALL_SINKS && is_store(k) != (which == STORES))
			continue;
		if (fn && fn(k, s))
			rc = -1;
	}
	s->argv = orig;
	redact_argv_free(red);
	return rc;
}

int pipeline_session_begin(struct pipeline *p, struct session *s)
{
	return session_call(p, s, true, ALL_SINKS);
}

/* s->sink_drops: {"label": n} of the sinks that lost some of s; the label
 * is the URL without its query (which may hold tokens), as in the summary
 * and /metrics. */
static void sink_drops_json(struct pipeline *p, struct session *s)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	sb_putc(&sb, '{');
	for (i = 0; i < p->nsinks; i++) {
		const char *url = p->sinks[i]->url, *q = strchr(url, '?');
		char label[512];

		if (!s->sink_lost[i])
			continue;
		snprintf(label, sizeof(label), "%.*s", (int)(q ? (size_t)(q - url) : strlen(url)),
			 url);
		if (sb.len > 1)
			sb_putc(&sb, ',');
		sb_json_str(&sb, label);
		sb_printf(&sb, ":%" PRIu64, s->sink_lost[i]);
	}
	sb_putc(&sb, '}');
	if (sb.len < sizeof(s->sink_drops))
		snprintf(s->sink_drops, sizeof(s->sink_drops), "%s", sb_cstr(&sb));
	else /* too many long labels: none rather than a cut object */
		snprintf(s->sink_drops, sizeof(s->sink_drops), "{}");
	sb_free(&sb);
}

int pipeline_session_end(struct pipeline *p, struct session *s)
{
	size_t i;
	int rc;

	pipeline_flush(p);
	/* losses a sink's thread found after the flush count in the end */
	for (i = 0; i < p->nsinks; i++)
		if (p->sinks[i]->ops->sync)
			p->sinks[i]->ops->sync(p->sinks[i]);
	pipeline_collect_sink_drops(p);
	sink_drops_json(p, s);
	/* the stores first: their final chain heads reach the other sinks
	 * before those see the session end */
	rc = session_call(p, s, false, STORES);
	pipeline_collect_heads(p);
	pipeline_flush(p);
	return session_call(p, s, false, OTHERS) | rc;
}

void pipeline_session_recount(struct pipeline *p, struct session *s)
{
	size_t i;

	if (s->key != p->ended_key)
		return;
	s->drops += p->ended_drops;
	s->user_drops += p->ended_drops;
	for (i = 0; i < p->nsinks; i++)
		s->sink_lost[i] += p->ended_sink_lost[i];
	sink_drops_json(p, s);
	for (i = 0; i < p->nsinks; i++)
		if (p->sinks[i]->ops->session_recount)
			p->sinks[i]->ops->session_recount(p->sinks[i], s);
	p->ended_drops = 0;
	memset(p->ended_sink_lost, 0, sizeof(p->ended_sink_lost));
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

void pipeline_count_drop(struct pipeline *p, enum drop_reason why, uint64_t session_key, uint64_t n)
{
	struct session *s = pipeline_session(p, session_key);

	if (why >= DROP_REASON_MAX)
		return;
	p->stats.drops[why] += n;
	if (why == DROP_RINGBUF_FULL && n) {
		p->stats.kernel_lost += n;
		p->stats.ring_loss_ns = now_monotonic_ns();
	}
	if (s) {
		s->drops += n;
		if (why == DROP_RINGBUF_FULL)
			s->kernel_drops += n;
		else
			s->user_drops += n;
	} else if (session_key && session_key == p->ended_key)
		p->ended_drops += n;
}

/* Enrich and redact one record. */
static void prepare(struct pipeline *p, struct record *r)
{
	if (r->type < PR_EV_MAX) {
		p->stats.events_by_type[r->type]++;
		if (!p->type_names[r->type] && r->type_name)
			p->type_names[r->type] = r->type_name;
	}
	enrich_record(p->enricher, r);
	if (p->redactor && redact_record(p->redactor, r))
		p->stats.redacted++;
	if (r->lost_fields) {
		p->stats.truncated++;
		p->stats.lost_fields += r->lost_fields;
	}
}

/* r (the pool slot at n) joins the batch. */
static void append(struct pipeline *p, struct record *r, struct session *s)
{
	p->stats.committed++;
	if (s)
		s->events++;
	p->batch[p->n++] = r;
	if (p->n >= p->cap)
		pipeline_flush(p);
}

/* The derived record, built in the spare, takes the next pool slot. */
static void append_spare(struct pipeline *p, struct session *s)
{
	struct record slot = p->pool[p->n];

	p->pool[p->n] = *p->spare;
	*p->spare = slot;
	append(p, &p->pool[p->n], s);
}

/* The limit decides once per kernel event: a derived escape shares the fate
 * of its source, so neither goes out without the other. */
void pipeline_commit(struct pipeline *p, struct record *r)
{
	struct session *s = pipeline_session(p, r->session_key);
	uint64_t key = r->cgroup_id ? r->cgroup_id : r->session_key;
	bool escape;

	/* The record must be the pool slot handed out by pipeline_record(). */
	if (r != &p->pool[p->n])
		return;
	prepare(p, r);
	if ((escape = escape_derive(r, p->spare)))
		prepare(p, p->spare);
	if (!ratelimit_allow(p->limit, key, now_monotonic_ns())) {
		pipeline_count_drop(p, DROP_RATE_LIMIT, r->session_key, 1 + escape);
		return; /* the slot is handed out again */
	}
	append(p, r, s);
	if (escape)
		append_spare(p, s);
}

/* The stores' newly signed chain heads join the batch as store.chain_head
 * records for the other sinks (none: they are only taken). Not a session's
 * events: they count in stats.heads. */
void pipeline_collect_heads(struct pipeline *p)
{
	struct chain_head h[32];
	size_t i, j, n, m, others = 0;

	for (i = 0; i < p->nsinks; i++)
		others += !is_store(p->sinks[i]);
	for (i = 0; i < p->nsinks; i++) {
		struct sink *k = p->sinks[i];
		if (!is_store(k))
			continue;
		while ((n = k->ops->take_heads(k, h, 32)) > 0)
			for (j = 0; j < n && others; j++) {
				struct record *r = pipeline_record(p);
				const struct session *s = NULL;
				for (m = 0; m < p->sessions.n && !s; m++)
					if (!strcmp(p->sessions.s[m]->id, h[j].session))
						s = p->sessions.s[m];
				chain_head_record(r, &h[j], k->url, s);
				p->stats.heads++;
				p->heads_in_batch++;
				p->batch[p->n++] = r;
				if (p->n >= p->cap)
					pipeline_flush(p);
			}
	}
}

void pipeline_tick(struct pipeline *p, uint64_t now_ns)
{
	pipeline_collect_heads(p);
	if (p->n && now_ns - p->last_flush_ns >= p->interval_ns)
		pipeline_flush(p);
	pipeline_collect_sink_drops(p);
}

/* Per batch slot (pool index): a sink was handed the record, a sink took it. */
enum { HANDED = 1, TAKEN = 2 };

static void mark(struct pipeline *p, struct record *const *recs, size_t n, uint8_t bit)
{
	size_t i;

	for (i = 0; i < n; i++)
		p->delivery[recs[i] - p->pool] |= bit;
}

/* A record that every sink it was meant for failed to take is an event
 * lost (the session's drops); one that some sink took is only the failing
 * sinks' loss (their stats.dropped). */
static void count_undelivered(struct pipeline *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->delivery[i] == HANDED && p->batch[i]->type != PR_EV_STORE_HEAD)
			pipeline_count_drop(p, DROP_SINK_ERROR, p->batch[i]->session_key, 1);
}

/* A batch a sink refused (a full disk): hand it the batch's process
 * records alone, smaller, so that the process tree survives where the rest
 * cannot; how many it took. Uses the spare view (p->fbatch is free again
 * once the write returned). */
static size_t retry_processes(struct sink *s, struct record *const *recs, size_t n,
			      struct pipeline *p)
{
	struct record **procs = calloc(n, sizeof(*procs));
	size_t i, m = 0;

	if (!procs)
		return 0;
	for (i = 0; i < n; i++)
		if (recs[i]->type_name && !strncmp(recs[i]->type_name, "process.", 8))
			procs[m++] = recs[i];
	if (!m || m == n || s->ops->write(s, procs, m) || (s->ops->flush && s->ops->flush(s)))
		m = 0;
	if (m) {
		s->stats.records += m;
		mark(p, procs, m, TAKEN);
	}
	free(procs);
	return m;
}

/* A sink's loss of one session's records (sink index k). */
static void count_sink_lost(struct pipeline *p, size_t k, uint64_t session_key, uint64_t n)
{
	struct session *s = pipeline_session(p, session_key);

	if (s)
		s->sink_lost[k] += n;
	else if (session_key && session_key == p->ended_key)
		p->ended_sink_lost[k] += n;
}

static bool is_process_record(const struct record *r)
{
	return r->type_name && !strncmp(r->type_name, "process.", 8);
}

static void flush_sink(struct pipeline *p, size_t k)
{
	struct sink *s = p->sinks[k];
	struct record **recs = p->batch;
	size_t n = p->n, i;
	uint64_t t0, dt;
	int rc;

	if (s->filter || (p->heads_in_batch && is_store(s))) {
		for (i = 0, n = 0; i < p->n; i++) {
			/* a store keeps its heads in its own checkpoints */
			if (p->batch[i]->type == PR_EV_STORE_HEAD && is_store(s))
				continue;
			if (!s->filter || filter_match(s->filter, p->batch[i]))
				p->fbatch[n++] = p->batch[i];
			else
				p->stats.filtered_out++;
		}
		recs = p->fbatch;
		if (!n)
			return;
	}
	t0 = now_monotonic_ns();
	rc = s->ops->write(s, recs, n);
	if (!rc && s->ops->flush)
		rc = s->ops->flush(s);
	dt = now_monotonic_ns() - t0;
	s->stats.latency_ns += dt;
	if (dt > s->stats.max_batch_ns)
		s->stats.max_batch_ns = dt;
	s->stats.batches++;
	mark(p, recs, n, HANDED);
	if (rc) {
		size_t kept = retry_processes(s, recs, n, p), heads = 0;

		s->stats.failures++;
		for (i = 0; i < n; i++) {
			if (recs[i]->type == PR_EV_STORE_HEAD)
				heads++; /* not an event this sink lost */
			else if (!kept || !is_process_record(recs[i]))
				count_sink_lost(p, k, recs[i]->session_key, 1);
		}
		p->stats.heads_lost += heads;
		s->stats.dropped += n - kept - heads;
	} else {
		s->stats.records += n;
		mark(p, recs, n, TAKEN);
	}
}

void pipeline_flush(struct pipeline *p)
{
	size_t i;

	p->last_flush_ns = now_monotonic_ns();
	if (p->n) {
		memset(p->delivery, 0, p->n);
		for (i = 0; i < p->nsinks; i++)
			flush_sink(p, i);
		count_undelivered(p);
		p->stats.flushes++;
		p->n = 0;
		p->heads_in_batch = 0;
	}
	if (p->on_flushed)
		p->on_flushed(p->flushed_ctx);
	pipeline_collect_sink_drops(p);
}

void pipeline_collect_sink_drops(struct pipeline *p)
{
	struct sink_drop d[64];
	size_t i, j, n;

	for (i = 0; i < p->nsinks; i++) {
		struct sink *k = p->sinks[i];
		if (!k->ops->take_drops)
			continue;
		while ((n = k->ops->take_drops(k, d, 64)) > 0)
			for (j = 0; j < n; j++) {
				if (d[j].session_key == CHAIN_HEAD_KEY) {
					p->stats.heads_lost += d[j].n;
					continue;
				}
				k->stats.dropped += d[j].n;
				count_sink_lost(p, i, d[j].session_key, d[j].n);
				/* late (spool eviction, a rejected batch): the
				 * other sinks took these records at flush */
				if (p->nsinks == 1)
					pipeline_count_drop(p, d[j].why, d[j].session_key, d[j].n);
				else
					p->stats.sink_lost[d[j].why] += d[j].n;
			}
	}
}

bool pipeline_sinks_blocked(struct pipeline *p)
{
	size_t i;

	for (i = 0; i < p->nsinks; i++)
		if (p->sinks[i]->ops->blocked && p->sinks[i]->ops->blocked(p->sinks[i]))
			return true;
	return false;
}

bool pipeline_healthy(struct pipeline *p, char *why, size_t whylen)
{
	size_t i;

	for (i = 0; i < p->nsinks; i++) {
		struct sink *k = p->sinks[i];
		if (k->ops->healthy && !k->ops->healthy(k, why, whylen))
			return false;
	}
	snprintf(why, whylen, "ok");
	return true;
}
