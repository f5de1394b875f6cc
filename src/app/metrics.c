/* metrics.c: Prometheus /metrics and /healthz over libmicrohttpd for
 * long-running modes (`proctor run --metrics ADDR`, later the daemon). Names
 * follow the Prometheus conventions (proctor_..._total, _seconds, _bytes). */
#include <arpa/inet.h>
#include <inttypes.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/metrics.h"
#include "sinks/netsink.h"
#include "util/strbuf.h"
#include "util/util.h"

static struct MHD_Daemon *daemon_;
static struct pipeline *mp;
static uint64_t spool_limit = (uint64_t)METRICS_SPOOL_LIMIT_MB << 20;

#define RING_LOSS_WINDOW_NS 60000000000ull

void metrics_set_spool_limit(uint64_t spool_bytes)
{
	spool_limit = spool_bytes;
}

/* Healthy, or why not: a spool past the limit, a recent ring loss, a sink
 * that is not delivering. */
static bool health(struct pipeline *p, char *why, size_t len)
{
	uint64_t now = now_monotonic_ns(), lost = p->stats.ring_loss_ns;
	size_t i;

	for (i = 0; i < p->nsinks; i++) {
		struct netsink *ns = netsink_of(p->sinks[i]);
		uint64_t b = ns ? netsink_spool_bytes(ns) : 0;
		if (b > spool_limit) {
			snprintf(why, len,
				 "sink %.400s: its spool holds %" PRIu64
				 " bytes, past the threshold "
				 "of %" PRIu64,
				 p->sinks[i]->url, b, spool_limit);
			return false;
		}
	}
	if (lost && now - lost < RING_LOSS_WINDOW_NS) {
		snprintf(why, len,
			 "the ring buffer lost events in the last minute (%" PRIu64 " in all, "
			 "the last %.0f s ago)",
			 p->stats.kernel_lost, (double)(now - lost) / 1e9);
		return false;
	}
	return pipeline_healthy(p, why, len);
}

static void health_json(struct strbuf *sb, bool ok, const char *why)
{
	json_t *j = ok ? json_pack("{s:s}", "status", "ok")
		       : json_pack("{s:s,s:s}", "status", "unhealthy", "reason", why);
	char *txt = j ? json_dumps(j, JSON_COMPACT) : NULL;

	sb_printf(sb, "%s\n", txt ? txt : "{}");
	free(txt);
	json_decref(j);
}

static void label_value(struct strbuf *sb, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			sb_putc(sb, '\\');
		if (*s == '\n')
			sb_puts(sb, "\\n");
		else
			sb_putc(sb, *s);
	}
}

static void head(struct strbuf *sb, const char *name, const char *type, const char *help)
{
	sb_printf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The sink label: scheme and address only (queries may hold tokens). */
static void sink_label(struct strbuf *sb, struct sink *s)
{
	struct netsink *ns = netsink_of(s);
	const char *q = strchr(s->url, '?');
	char tmp[600];

	if (ns) {
		label_value(sb, ns->display);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%.*s", (int)(q ? (size_t)(q - s->url) : strlen(s->url)),
		 s->url);
	label_value(sb, tmp);
}

static void sink_metric(struct strbuf *sb, const char *name, struct sink *s, uint64_t v)
{
	sb_printf(sb, "%s{sink=\"", name);
	sink_label(sb, s);
	sb_printf(sb, "\"} %" PRIu64 "\n", v);
}

/* the store's signed chain heads exported to the other sinks
 * (docs/STORE.md), and those a sink lost: never event losses */
static void render_heads(struct strbuf *sb, const struct pipeline *p)
{
	head(sb, "proctor_store_heads_total", "counter",
	     "Signed chain heads of the store exported to the other sinks (store.chain_head).");
	sb_printf(sb, "proctor_store_heads_total %" PRIu64 "\n", p->stats.heads);
	head(sb, "proctor_store_heads_lost_total", "counter",
	     "Chain heads a sink lost, one per head and sink (not event losses).");
	sb_printf(sb, "proctor_store_heads_lost_total %" PRIu64 "\n", p->stats.heads_lost);
}

/* fail-closed (src/app/failclosed.h): the current freeze counts as it runs */
static void render_freezes(struct strbuf *sb, const struct pipeline *p)
{
	uint64_t since = p->stats.frozen_since_ns, ns = p->stats.frozen_ns;

	if (since)
		ns += now_monotonic_ns() - since;
	head(sb, "proctor_failclosed_freezes_total", "counter",
	     "Times fail-closed sessions were frozen until the reader caught up.");
	sb_printf(sb, "proctor_failclosed_freezes_total %" PRIu64 "\n", p->stats.freezes);
	head(sb, "proctor_failclosed_frozen_seconds_total", "counter",
	     "Time fail-closed sessions spent frozen.");
	sb_printf(sb, "proctor_failclosed_frozen_seconds_total %.6f\n", (double)ns / 1e9);
}

static void render_pipeline(struct strbuf *sb, struct pipeline *p)
{
	size_t i;

	head(sb, "proctor_build_info", "gauge", "Build information.");
	sb_puts(sb, "proctor_build_info{version=\"");
	label_value(sb, PROCTOR_VERSION);
	sb_puts(sb, "\"} 1\n");
	head(sb, "proctor_events_total", "counter", "Events recorded, by type.");
	for (i = 0; i < PR_EV_MAX; i++) {
		if (!p->stats.events_by_type[i])
			continue;
		sb_puts(sb, "proctor_events_total{type=\"");
		if (p->type_names[i])
			label_value(sb, p->type_names[i]);
		else
			sb_printf(sb, "%zu", i);
		sb_printf(sb, "\"} %" PRIu64 "\n", p->stats.events_by_type[i]);
	}
	head(sb, "proctor_ringbuf_lost_events_total", "counter",
	     "Events the kernel could not put in the ring buffer.");
	sb_printf(sb, "proctor_ringbuf_lost_events_total %" PRIu64 "\n",
		  p->stats.drops[DROP_RINGBUF_FULL]);
	head(sb, "proctor_dropped_events_total", "counter",
	     "Events lost in user space that no sink has, by reason.");
	for (i = 0; i < DROP_REASON_MAX; i++)
		if (i != DROP_RINGBUF_FULL)
			sb_printf(sb, "proctor_dropped_events_total{reason=\"%s\"} %" PRIu64 "\n",
				  drop_reason_name(i), p->stats.drops[i]);
	head(sb, "proctor_rate_limited_events_total", "counter",
	     "Events dropped by the per-cgroup rate limit.");
	sb_printf(sb, "proctor_rate_limited_events_total %" PRIu64 "\n",
		  p->stats.drops[DROP_RATE_LIMIT]);
	head(sb, "proctor_redacted_events_total", "counter",
	     "Events in which a secret was redacted.");
	sb_printf(sb, "proctor_redacted_events_total %" PRIu64 "\n", p->stats.redacted);
	head(sb, "proctor_filtered_events_total", "counter",
	     "Events a sink's filter excluded (per sink and event).");
	sb_printf(sb, "proctor_filtered_events_total %" PRIu64 "\n", p->stats.filtered_out);
	head(sb, "proctor_attribution_missing_total", "counter",
	     "Events recorded whose session could not be attributed.");
	sb_printf(sb, "proctor_attribution_missing_total %" PRIu64 "\n",
		  p->stats.attribution_missing);
	head(sb, "proctor_batches_total", "counter", "Batches handed to the sinks.");
	sb_printf(sb, "proctor_batches_total %" PRIu64 "\n", p->stats.flushes);
	render_heads(sb, p);
	render_freezes(sb, p);
}

static struct netsink_stats snap(struct sink *s)
{
	struct netsink *ns = netsink_of(s);
	struct netsink_stats st = {0};
	if (ns)
		netsink_stats(ns, &st);
	return st;
}

static void render_sinks(struct strbuf *sb, struct pipeline *p)
{
	size_t i, b;

	head(sb, "proctor_sink_sends_total", "counter", "Batches a sink sent or wrote.");
	for (i = 0; i < p->nsinks; i++) {
		struct netsink *ns = netsink_of(p->sinks[i]);
		sink_metric(sb, "proctor_sink_sends_total", p->sinks[i],
			    ns ? snap(p->sinks[i]).sends : p->sinks[i]->stats.batches);
	}
	head(sb, "proctor_sink_send_failures_total", "counter",
	     "Failed sends (retried or dropped).");
	for (i = 0; i < p->nsinks; i++) {
		struct netsink *ns = netsink_of(p->sinks[i]);
		sink_metric(sb, "proctor_sink_send_failures_total", p->sinks[i],
			    ns ? snap(p->sinks[i]).send_failures : p->sinks[i]->stats.failures);
	}
	head(sb, "proctor_sink_events_total", "counter", "Events a sink delivered.");
	for (i = 0; i < p->nsinks; i++) {
		struct netsink *ns = netsink_of(p->sinks[i]);
		sink_metric(sb, "proctor_sink_events_total", p->sinks[i],
			    ns ? snap(p->sinks[i]).records_sent : p->sinks[i]->stats.records);
	}
	head(sb, "proctor_sink_spool_bytes", "gauge", "Bytes waiting in a sink's on-disk spool.");
	for (i = 0; i < p->nsinks; i++) {
		struct netsink *ns = netsink_of(p->sinks[i]);
		sink_metric(sb, "proctor_sink_spool_bytes", p->sinks[i],
			    ns ? netsink_spool_bytes(ns) : 0);
	}
	head(sb, "proctor_sink_spool_events", "gauge", "Events waiting in a sink's spool.");
	for (i = 0; i < p->nsinks; i++) {
		struct netsink *ns = netsink_of(p->sinks[i]);
		sink_metric(sb, "proctor_sink_spool_events", p->sinks[i],
			    ns ? netsink_spool_pending(ns) : 0);
	}
	head(sb, "proctor_sink_rejected_events_total", "counter",
	     "Events a receiver refused for good (counted as sink_error drops).");
	for (i = 0; i < p->nsinks; i++)
		sink_metric(sb, "proctor_sink_rejected_events_total", p->sinks[i],
			    netsink_of(p->sinks[i]) ? snap(p->sinks[i]).records_rejected
						    : p->sinks[i]->stats.dropped);
	head(sb, "proctor_sink_spool_evicted_events_total", "counter",
	     "Events evicted from a full spool (counted as spool_full drops).");
	for (i = 0; i < p->nsinks; i++)
		sink_metric(sb, "proctor_sink_spool_evicted_events_total", p->sinks[i],
			    snap(p->sinks[i]).spool_evicted);
	head(sb, "proctor_sink_lost_events_total", "counter",
	     "Events a sink lost for any reason (the summary's per-sink losses; the other "
	     "sinks may have them).");
	for (i = 0; i < p->nsinks; i++)
		sink_metric(sb, "proctor_sink_lost_events_total", p->sinks[i],
			    p->sinks[i]->stats.dropped);
	head(sb, "proctor_sink_up", "gauge", "1 when the sink's last delivery succeeded.");
	for (i = 0; i < p->nsinks; i++) {
		struct netsink *ns = netsink_of(p->sinks[i]);
		sink_metric(sb, "proctor_sink_up", p->sinks[i], ns ? netsink_up(ns) : 1);
	}
	head(sb, "proctor_sink_send_duration_seconds", "histogram", "Latency of one send.");
	for (i = 0; i < p->nsinks; i++) {
		struct netsink *ns = netsink_of(p->sinks[i]);
		struct netsink_stats st = {0};
		if (ns) {
			st = snap(p->sinks[i]);
		} else {
			st.latency_count = p->sinks[i]->stats.batches;
			st.latency_ns_sum = p->sinks[i]->stats.latency_ns;
			for (b = 0; b < 8; b++)
				st.latency_buckets[b] = st.latency_count; /* unknown: +Inf only */
		}
		for (b = 0; b < 8 && ns; b++) {
			sb_puts(sb, "proctor_sink_send_duration_seconds_bucket{sink=\"");
			sink_label(sb, p->sinks[i]);
			sb_printf(sb, "\",le=\"%g\"} %" PRIu64 "\n", netsink_latency_bounds_s[b],
				  st.latency_buckets[b]);
		}
		sb_puts(sb, "proctor_sink_send_duration_seconds_bucket{sink=\"");
		sink_label(sb, p->sinks[i]);
		sb_printf(sb, "\",le=\"+Inf\"} %" PRIu64 "\n", st.latency_count);
		sb_puts(sb, "proctor_sink_send_duration_seconds_sum{sink=\"");
		sink_label(sb, p->sinks[i]);
		sb_printf(sb, "\"} %.9f\n", (double)st.latency_ns_sum / 1e9);
		sb_puts(sb, "proctor_sink_send_duration_seconds_count{sink=\"");
		sink_label(sb, p->sinks[i]);
		sb_printf(sb, "\"} %" PRIu64 "\n", st.latency_count);
	}
}

int metrics_render(struct pipeline *p, struct strbuf *sb)
{
	sb_reset(sb);
	render_pipeline(sb, p);
	render_sinks(sb, p);
	return 0;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned code, const char *ctype,
			     struct strbuf *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		body->len, body->buf ? body->buf : "", MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", ctype);
	rc = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **req)
{
	struct strbuf sb = STRBUF_INIT;
	enum MHD_Result rc;
	char why[1024];

	(void)cls, (void)version, (void)upload, (void)upload_size, (void)req;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		sb_puts(&sb, "method not allowed\n");
		rc = reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", &sb);
	} else if (!strcmp(url, "/metrics")) {
		metrics_render(mp, &sb);
		rc = reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", &sb);
	} else if (!strcmp(url, "/healthz")) {
		bool ok = health(mp, why, sizeof(why));
		health_json(&sb, ok, why);
		rc = reply(conn, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
			   "application/json", &sb);
	} else {
		sb_puts(&sb, "not found: try /metrics or /healthz\n");
		rc = reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", &sb);
	}
	sb_free(&sb);
	return rc;
}

/* "HOST:PORT", "[v6]:PORT", ":PORT" or "PORT". */
static int parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[256] = "127.0.0.1", port[16];
	const char *colon = strrchr(addr, ':');
	struct addrinfo hints = {0}, *res;

	if (colon) {
		size_t hl = (size_t)(colon - addr);
		if (hl >= sizeof(host) || strlen(colon + 1) >= sizeof(port))
			return -1;
		if (hl) {
			if (addr[0] == '[' && hl > 2 && addr[hl - 1] == ']')
				snprintf(host, sizeof(host), "%.*s", (int)hl - 2, addr + 1);
			else
				snprintf(host, sizeof(host), "%.*s", (int)hl, addr);
		}
		snprintf(port, sizeof(port), "%s", colon + 1);
	} else {
		if (strlen(addr) >= sizeof(port))
			return -1;
		snprintf(port, sizeof(port), "%s", addr);
	}
	if (parse_port(port, &(uint16_t){0})) /* 1..65535: never a wrapped port */
		return -1;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res))
		return -1;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int metrics_start(const char *addr, struct pipeline *p, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	sigset_t all, old;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (daemon_)
		return 0;
	if (parse_addr(addr, &ss, &sl)) {
		snprintf(err, errlen, "--metrics %s: expected HOST:PORT", addr);
		return -1;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	mp = p;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old); /* its thread must not take our signals */
	daemon_ = MHD_start_daemon(flags, ntohs(((struct sockaddr_in *)&ss)->sin_port), NULL, NULL,
				   handler, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				   MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_TIMEOUT,
				   10u, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!daemon_) {
		snprintf(err, errlen, "--metrics %s: cannot listen (address in use?)", addr);
		return -1;
	}
	return 0;
}

void metrics_stop(void)
{
	if (daemon_)
		MHD_stop_daemon(daemon_);
	daemon_ = NULL;
	mp = NULL;
}
