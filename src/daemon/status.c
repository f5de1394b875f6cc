/* status.c: what `proctor status` shows: version, uptime, live sessions,
 * events/s, ring fill and high water, drops by reason, sinks, store size. */
#include "daemon/status.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/proto.h"
#include "util/util.h"

void daemon_note_rate(struct daemon *d)
{
	uint64_t now = now_monotonic_ns(), n = d->app.pipeline.stats.committed;

	if (!d->rate_t0_ns) {
		d->rate_t0_ns = now;
		d->rate_n0 = n;
		return;
	}
	if (now - d->rate_t0_ns < 1000000000ull)
		return;
	d->events_per_s = (double)(n - d->rate_n0) * 1e9 / (double)(now - d->rate_t0_ns);
	d->rate_t0_ns = now;
	d->rate_n0 = n;
}

static json_t *session_json(const struct session *s, bool ending)
{
	char start[40];

	fmt_rfc3339(s->start_ns, start, sizeof(start));
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:b}", "id", s->id, "agent", s->agent,
			 "project", s->project, "origin", s->origin, "start", start, "events",
			 (json_int_t)s->events, "processes", (json_int_t)s->processes, "drops",
			 (json_int_t)s->drops, "ending", ending);
}

static json_t *sessions_json(struct daemon *d)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < d->nsessions; i++)
		json_array_append_new(a,
				      session_json(&d->sessions[i]->ses, d->sessions[i]->ending));
	for (i = 0; i < d->autos.n; i++)
		json_array_append_new(a, session_json(&d->autos.s[i]->ses, false));
	for (i = 0; i < d->containers.n; i++)
		json_array_append_new(a, session_json(&d->containers.s[i]->ses, false));
	return a;
}

static json_t *drops_json(struct daemon *d)
{
	json_t *o = json_object();
	int r;

	for (r = 0; r < DROP_REASON_MAX; r++)
		json_object_set_new(o, drop_reason_name((enum drop_reason)r),
				    json_integer((json_int_t)d->app.pipeline.stats.drops[r]));
	return o;
}

static json_t *sinks_json(struct daemon *d)
{
	struct pipeline *p = &d->app.pipeline;
	json_t *a = json_array();
	char why[256];
	size_t i;

	for (i = 0; i < p->nsinks; i++) {
		struct sink *k = p->sinks[i];
		bool ok = !k->ops->healthy || k->ops->healthy(k, why, sizeof(why));
		json_array_append_new(a, json_pack("{s:s,s:s,s:I,s:I,s:I}", "url", k->url, "state",
						   ok ? "ok" : why, "records",
						   (json_int_t)k->stats.records, "failures",
						   (json_int_t)k->stats.failures, "dropped",
						   (json_int_t)k->stats.dropped));
	}
	return a;
}

json_t *daemon_status_json(struct daemon *d)
{
	uint64_t pending = probe_pending_bytes(&d->app.probe);
	struct stat st;
	json_int_t store_bytes = -1;
	char path[4200];

	if (d->store_path && !stat(d->store_path, &st)) {
		store_bytes = (json_int_t)st.st_size;
		snprintf(path, sizeof(path), "%s-wal", d->store_path);
		if (!stat(path, &st))
			store_bytes += (json_int_t)st.st_size;
	}
	json_t *j = json_pack(
		"{s:b,s:s,s:i,s:i,s:f,s:o,s:I,s:f,s:{s:I,s:I,s:I},s:o,s:o,s:{s:s?,s:I}}", "ok", 1,
		"version", PROCTOR_VERSION, "protocol", PROTO_VERSION, "pid", (int)getpid(),
		"uptime_s", (double)(now_monotonic_ns() - d->start_mono_ns) / 1e9, "sessions",
		sessions_json(d), "sessions_started", (json_int_t)d->started, "events_per_s",
		d->events_per_s, "ring", "size_bytes", (json_int_t)d->ring_bytes, "pending_bytes",
		(json_int_t)pending, "high_water_bytes", (json_int_t)d->app.rb_high_water, "drops",
		drops_json(d), "sinks", sinks_json(d), "store", "path", d->store_path, "bytes",
		store_bytes);

	if (j) {
		json_object_set_new(j, "sessions_auto_adopted",
				    json_integer((json_int_t)d->autos.started));
		json_object_set_new(
			j, "attribution_missing",
			json_integer((json_int_t)d->app.pipeline.stats.attribution_missing));
	}
	if (j) /* labelled containers adopted at their start by the OCI hook */
		json_object_set_new(j, "containers",
				    json_pack("{s:I,s:I,s:I,s:I,s:I,s:f}", "adopted",
					      (json_int_t)d->containers.started, "resumed",
					      (json_int_t)d->containers.resumed, "ended",
					      (json_int_t)d->containers.ended, "ignored",
					      (json_int_t)d->containers.ignored, "refused",
					      (json_int_t)d->containers.refused, "last_adopt_ms",
					      (double)d->containers.last_adopt_ns / 1e6));
	if (j) /* the chain heads exported to the other sinks, as /metrics has them */
		json_object_update_new(
			json_object_get(j, "store"),
			json_pack("{s:I,s:I}", "heads", (json_int_t)d->app.pipeline.stats.heads,
				  "heads_lost", (json_int_t)d->app.pipeline.stats.heads_lost));
	if (j) /* where the kernel state lives, and whether this daemon found it */
		json_object_set_new(j, "pins",
				    json_pack("{s:s,s:b,s:I}", "dir", d->app.pin_dir, "reopened",
					      d->app.probe.reopened, "sessions_resumed",
					      (json_int_t)d->resumed));
	return j;
}
