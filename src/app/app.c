/* app.c: the glue between the probe, the decoders and the pipeline,
 * plus seeding of processes that exist before tracking starts. */
#include "app/app.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/tls.h"
#include "app/toolcall_records.h"
#include "app/policy_records.h"
#include "pipeline/config.h"
#include "proctor/abi_auto.h"
#include "sinks/feedback.h"
#include "util/util.h"

static void note_pending(struct app *r)
{
	uint64_t p = probe_pending_bytes(&r->probe);

	if (p > r->rb_high_water)
		r->rb_high_water = p;
	fail_closed_check(r, p);
}

static struct egress_session *egress_of(struct app *a, uint64_t session_key)
{
	size_t i;

	for (i = 0; i < a->negress; i++)
		if (a->egress[i]->session_key == session_key)
			return a->egress[i];
	return NULL;
}

/* A decoded flow counts in its session's egress summary (before the
 * pipeline's stages: the summary sees every flow, limited or not). */
static void note_flow(struct app *a, const struct record *r)
{
	struct egress_session *es;

	if (r->type == PR_EV_NET_FLOW && (es = egress_of(a, r->session_key)))
		egress_note_flow(es, r);
}

/* The exit of a session's root process (auto-adopted sessions) is its status. */
static void note_root_exit(struct app *a, const void *data, size_t len)
{
	const struct pr_exit *e = data;
	struct session *s;

	if (len < sizeof(*e) || e->hdr.type != PR_EV_PROC_EXIT ||
	    !(s = session_find(&a->pipeline.sessions, e->hdr.session_key)) || !s->root_pid ||
	    s->root_pid != e->hdr.pid)
		return;
	s->exit_code = (int)((e->exit_code >> 8) & 0xff);
	s->exit_signal = (int)(e->exit_code & 0x7f);
}

static int on_event(void *ctx, const void *data, size_t len)
{
	struct app *rec = ctx;
	const struct pr_hdr *h = data;
	enum decode_result res;
	struct record *r;

	if (len >= sizeof(*h) && h->type == PR_EV_TLS_DATA) {
		app_tls_on_event(rec, data, len);
		return 0;
	}
	if (len >= sizeof(*h) && h->type == PR_EV_TLS_MAP) {
		app_tls_on_map(rec, data, len);
		return 0;
	}
	/* before this record takes a pool slot: the session's own records go first */
	if (rec->on_auto && len >= sizeof(*h) && (h->session_key & PR_AUTO_KEY_BIT) &&
	    !session_find(&rec->pipeline.sessions, h->session_key))
		rec->on_auto(rec->auto_ctx, data, len);
	r = pipeline_record(&rec->pipeline);
	res = decode_event(&rec->dctx, data, len, r);

	/* one read of two positions every 256 records: the ring fills while a
	 * long consume (a slow batch write) is under way */
	if (!(++rec->nread & 255))
		note_pending(rec);

	if (res == DECODE_OK) {
		char exe[PR_PATH_CAP];

		exe[0] = 0;			/* not zero-filled: this runs for every record */
		if (h->type == PR_EV_PROC_EXEC) /* the record is the pipeline's after commit */
			snprintf(exe, sizeof(exe), "%s",
				 record_get_str(r, "process.executable.path") ?: "");
		if (!session_find(&rec->pipeline.sessions, r->session_key))
			rec->pipeline.stats.attribution_missing++;
		struct landlock_denial d;
		bool denial = app_policy_landlock_note(rec, r, &d);
		note_flow(rec, r);
		note_root_exit(rec, data, len);
		toolcalls_note(&rec->toolcalls, &rec->procs, h, r);
		pipeline_commit(&rec->pipeline, r);
		app_toolcalls_after(rec, h);
		if (h->type == PR_EV_PROC_EXIT) {
			llm_forget_pid(&rec->llm, h->pid);
			app_tls_on_exit(rec, h->pid);
		} else if (exe[0])
			app_tls_on_exec(rec, h, exe);
		if (denial)
			app_policy_landlock_emit(rec, &d);
	} else if (res == DECODE_BAD)
		pipeline_count_drop(&rec->pipeline, DROP_DECODE,
				    len >= sizeof(*h) ? h->session_key : 0, 1);
	return 0;
}

int app_init(struct app *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	fail_closed_init(&r->fc);
	gethostname(r->host, sizeof(r->host) - 1);
	if (pipeline_init(&r->pipeline, 4096, 100000000ull) || proctree_init(&r->procs)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (enforce_init(&r->enforce, err, errlen))
		return -1;
	pipeline_use_procs(&r->pipeline, &r->procs);
	r->dctx.sessions = &r->pipeline.sessions;
	r->dctx.procs = &r->procs;
	r->dctx.host = r->host;
	return 0;
}

static int add_sink(struct app *r, const char *scheme, const char *target, char *err, size_t errlen)
{
	char url[4200];

	snprintf(url, sizeof(url), "%s:%s", scheme, target);
	return pipeline_add_sink(&r->pipeline, url, err, errlen);
}

int app_open_sinks(struct app *r, const struct app_sinks *o, char *err, size_t errlen)
{
	char why[512];
	int i;

	if ((o->store && add_sink(r, "sqlite", o->store, err, errlen)) ||
	    (o->jsonl && add_sink(r, "jsonl", o->jsonl, err, errlen)))
		return -1;
	for (i = 0; i < o->nexports; i++) {
		if (pipeline_add_sink(&r->pipeline, o->exports[i], why, sizeof(why))) {
			snprintf(err, errlen, "--export %s: %s", o->exports[i], why);
			return -1;
		}
	}
	return 0;
}

int app_load_config(struct app *r, const char *path, char *err, size_t errlen)
{
	return pipeline_load_config(&r->pipeline, path, err, errlen) ? -1 : 0;
}

int app_start_probe(struct app *r, uint32_t ringbuf_bytes, char *err, size_t errlen)
{
	struct probe_opts o = {.ringbuf_bytes = ringbuf_bytes,
			       .on_event = on_event,
			       .ctx = r,
			       .pin_dir = r->pin_dir};

	if (probe_open(&r->probe, &o, err, errlen))
		return -1;
	r->dctx.wall_offset_ns = r->probe.wall_offset_ns;
	fail_closed_set_ring(&r->fc, r->probe.ring.size);
	app_tls_start(r);
	return 0;
}

void app_destroy(struct app *r)
{
	fail_closed_destroy(&r->fc);
	app_telemetry_stop(r);
	app_tls_stop(r);
	llm_free(&r->llm);
	toolcalls_free(&r->toolcalls);
	pipeline_destroy(&r->pipeline);
	if (r->probe.skel)
		probe_close(&r->probe);
	proctree_free(&r->procs);
	enforce_destroy(&r->enforce);
}

struct seed_ctx {
	struct app *rec;
	struct session *s;
	uint32_t skip_pid;
};

/* argv of a live process, from /proc/PID/cmdline. */
static uint32_t read_cmdline(uint32_t pid, char *buf, size_t len, const char **argv, uint32_t max)
{
	char path[64];
	long n;
	uint32_t argc = 0;
	char *p;

	snprintf(path, sizeof(path), "/proc/%u/cmdline", pid);
	if ((n = read_small_file(path, buf, len)) <= 0)
		return 0;
	for (p = buf; p < buf + n && argc < max; p += strlen(p) + 1)
		argv[argc++] = p;
	return argc;
}

static void seed_one(void *ctx, uint32_t pid)
{
	struct seed_ctx *sc = ctx;
	struct app *rec = sc->rec;
	struct record *r = pipeline_record(&rec->pipeline);
	struct pr_hdr h = {.type = 0, .pid = pid, .tid = pid, .session_key = sc->s->key};
	char path[64], exe[4096] = "", cwd[4096] = "", stat[1024], cmd[8192], *p;
	const char *argv[256];
	uint32_t argc;
	struct proc *pr;
	ssize_t n;

	if (pid == sc->skip_pid) {
		record_reset(r);
		return;
	}
	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	if ((n = readlink(path, exe, sizeof(exe) - 1)) > 0)
		exe[n] = 0;
	snprintf(path, sizeof(path), "/proc/%u/cwd", pid);
	if ((n = readlink(path, cwd, sizeof(cwd) - 1)) > 0)
		cwd[n] = 0;
	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	if (read_small_file(path, stat, sizeof(stat)) > 0 && (p = strrchr(stat, ')'))) {
		char *open = strchr(stat, '(');
		int ppid = 0;
		sscanf(p + 2, "%*c %d", &ppid);
		h.ppid = (uint32_t)ppid;
		if (open)
			snprintf(h.comm, sizeof(h.comm), "%.*s", (int)(p - open - 1), open + 1);
	}
	argc = read_cmdline(pid, cmd, sizeof(cmd), argv, 256);
	h.ts_ns = now_boottime_ns();
	decode_count_process(&rec->dctx, sc->s->key);
	if ((pr = proctree_upsert(&rec->procs, pid))) {
		pr->ppid = h.ppid;
		pr->session_key = sc->s->key;
		proctree_set_exe(pr, exe);
	}
	r->session_key = sc->s->key;
	r->pid = pid;
	decode_common(&rec->dctx, &h, "process.seed", r);
	record_add_strv(r, "process.command_args", argv, argc);
	record_add_str_ref(r, "process.command_line", decode_command_line(r, argv, argc));
	record_add_str(r, "process.working_directory", cwd);
	pipeline_commit(&rec->pipeline, r);
}

int app_add_session(struct app *r, struct session *s, const char *cg_rel, uint32_t skip_pid,
		    char *err, size_t errlen)
{
	struct seed_ctx sc = {.rec = r, .s = s, .skip_pid = skip_pid};
	int rc;

	s->fail_closed |= r->fail_closed_all;
	if ((rc = pipeline_add_session(&r->pipeline, s))) {
		snprintf(err, errlen, "too many sessions (at most %d at once)", SESSION_TABLE_MAX);
		return -1;
	}
	/* On failure nothing stays registered: the caller may keep running. */
	if ((rc = probe_track_cgroup(&r->probe, s->cgroup_id, s->key))) {
		snprintf(err, errlen, "cannot track cgroup %s: %s", s->cgroup_path, strerror(-rc));
		pipeline_remove_session(&r->pipeline, s);
		return -1;
	}
	if (pipeline_session_begin(&r->pipeline, s)) {
		snprintf(err, errlen, "a sink could not record the session start");
		probe_untrack_session(&r->probe, s->key);
		pipeline_remove_session(&r->pipeline, s);
		return -1;
	}
	if (fail_closed_add(r, s, err, errlen)) {
		probe_untrack_session(&r->probe, s->key);
		pipeline_remove_session(&r->pipeline, s);
		return -1;
	}
	proctree_scan_cgroup(cg_rel, seed_one, &sc);
	return 0;
}

static void emit_kernel_record(void *ctx, const void *data, size_t len)
{
	on_event(ctx, data, len);
}

/* A live process of a resumed session: known to the process table, so
 * its buffered and coming records attribute, but not recorded again. */
static void seed_quiet(void *ctx, uint32_t pid)
{
	struct seed_ctx *sc = ctx;
	char path[64], exe[4096] = "", stat[1024], *p;
	struct proc *pr;
	ssize_t n;
	int ppid = 0;

	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	if ((n = readlink(path, exe, sizeof(exe) - 1)) > 0)
		exe[n] = 0;
	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	if (read_small_file(path, stat, sizeof(stat)) > 0 && (p = strrchr(stat, ')')))
		sscanf(p + 2, "%*c %d", &ppid);
	if ((pr = proctree_upsert(&sc->rec->procs, pid))) {
		pr->ppid = (uint32_t)ppid;
		pr->session_key = sc->s->key;
		proctree_set_exe(pr, exe);
	}
}

int app_resume_session(struct app *r, struct session *s, const char *cg_rel, char *err,
		       size_t errlen)
{
	struct seed_ctx sc = {.rec = r, .s = s};
	int rc;

	s->fail_closed |= r->fail_closed_all;
	if (pipeline_add_session(&r->pipeline, s)) {
		snprintf(err, errlen, "too many sessions (at most %d at once)", SESSION_TABLE_MAX);
		return -1;
	}
	if ((rc = probe_track_cgroup(&r->probe, s->cgroup_id, s->key)) ||
	    pipeline_session_begin(&r->pipeline, s)) {
		snprintf(err, errlen, "cannot resume session %s: %s", s->id,
			 rc ? strerror(-rc) : "a sink could not record it");
		pipeline_remove_session(&r->pipeline, s);
		return -1;
	}
	if (fail_closed_add(r, s, err, errlen)) {
		probe_untrack_session(&r->probe, s->key);
		pipeline_remove_session(&r->pipeline, s);
		return -1;
	}
	proctree_scan_cgroup(cg_rel, seed_quiet, &sc);
	return 0;
}

int app_add_egress(struct app *r, struct egress_session *es, const char *cg_abs, struct session *s,
		   char *err, size_t errlen)
{
	if (r->negress >= SESSION_TABLE_MAX) {
		snprintf(err, errlen, "too many sessions with network control (at most %d)",
			 SESSION_TABLE_MAX);
		return -1;
	}
	if (egress_attach(es, &r->probe, emit_kernel_record, r, cg_abs, s, err, errlen))
		return -1;
	r->egress[r->negress++] = es;
	return 0;
}

/* The feedback sink (sinks/feedback.h), added with the first policy: it
 * feeds the violations of each session with a policy to the agent's hooks. */
static int add_feedback_sink(struct app *r, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < r->pipeline.nsinks; i++)
		if (!strncmp(r->pipeline.sinks[i]->url, "feedback:", 9))
			return 0;
	return pipeline_add_sink(&r->pipeline, FEEDBACK_URL, err, errlen);
}

int app_add_policy(struct app *r, struct session *s, const struct policy *p, char *err,
		   size_t errlen)
{
	if (add_feedback_sink(r, err, errlen) ||
	    enforce_add_session(&r->enforce, &r->probe, s->key, s->cgroup_path, p, err, errlen))
		return -1;
	s->policy = p;
	return 0;
}

void app_remove_egress(struct app *r, struct egress_session *es)
{
	size_t i;

	for (i = 0; i < r->negress; i++)
		if (r->egress[i] == es) {
			egress_detach(es);
			r->egress[i] = r->egress[--r->negress];
			return;
		}
}

/* Count kernel losses of a session not yet counted (live, for /metrics and
 * the session's drops; the final call at session end catches the rest). */
static void account_kernel_drops(struct app *r, struct session *s)
{
	uint64_t kd = probe_session_drops(&r->probe, s->key);

	if (kd > s->kernel_drops)
		pipeline_count_drop(&r->pipeline, DROP_RINGBUF_FULL, s->key, kd - s->kernel_drops);
}

int app_drain(struct app *r)
{
	uint64_t t0 = now_monotonic_ns(), now;
	int n;
	size_t i;

	note_pending(r);
	n = probe_consume(&r->probe);
	app_telemetry_drain(r);
	app_tls_tick(r);
	app_policy_drain(r);
	now = now_monotonic_ns();

	if (now - r->drops_polled_ns >= 1000000000ull) {
		r->drops_polled_ns = now;
		for (i = 0; i < r->pipeline.sessions.n; i++)
			account_kernel_drops(r, r->pipeline.sessions.s[i]);
	}
	pipeline_tick(&r->pipeline, now);
	if (!r->pipeline.n) /* read records that made none, e.g. filtered */
		probe_release(&r->probe, probe_read_pos(&r->probe));
	fail_closed_after_drain(r);
	r->busy_ns += now_monotonic_ns() - t0;
	return n;
}

/* The records flushed are every one before the record being read (or all
 * read, between reads): the kernel may reuse their space now. */
static void on_flushed(void *ctx)
{
	struct app *r = ctx;

	if (r->probe.skel)
		probe_release(&r->probe, probe_read_pos(&r->probe));
}

void app_defer_ring_release(struct app *r)
{
	r->pipeline.on_flushed = on_flushed;
	r->pipeline.flushed_ctx = r;
	probe_defer_release(&r->probe, true);
}

/* {"process.exec":12,...}: kernel losses by event type. The counters are per
 * loaded instance; with one session per instance (proctor run) they are the
 * session's. */
static void drops_by_type(struct app *r, struct session *s)
{
	uint64_t per_type[PR_EV_MAX] = {0};
	size_t off = 0;
	unsigned t;

	probe_drops(&r->probe, per_type);
	off += (size_t)snprintf(s->drops_detail, sizeof(s->drops_detail), "{");
	for (t = 0; t < PR_EV_MAX && off < sizeof(s->drops_detail) - 48; t++) {
		const struct decoder *d = decoder_for((uint16_t)t);
		if (!per_type[t])
			continue;
		off += (size_t)snprintf(s->drops_detail + off, sizeof(s->drops_detail) - off,
					"%s\"%s\":%llu", off > 1 ? "," : "",
					d ? d->name : "unknown", (unsigned long long)per_type[t]);
	}
	snprintf(s->drops_detail + off, sizeof(s->drops_detail) - off, "}");
}

void app_end_session(struct app *r, struct session *s)
{
	uint64_t t0 = now_monotonic_ns();
	int n;

	note_pending(r);
	while ((n = probe_consume(&r->probe)) > 0)
		r->drain_records += (uint64_t)n;
	app_policy_drain(r);
	fail_closed_end_session(r, s);
	probe_untrack_session(&r->probe, s->key);
	if (s->policy)
		enforce_remove_session(&r->enforce, &r->probe, s->key);
	account_kernel_drops(r, s);
	drops_by_type(r, s);
	app_tls_end_session(r, s);
	app_telemetry_end_session(r, s);
	probe_session_drops_forget(&r->probe, s->key);
	pipeline_flush(&r->pipeline);
	proctree_forget_session(&r->procs, s->key);
	s->end_ns = now_realtime_ns();
	pipeline_session_end(&r->pipeline, s);
	pipeline_remove_session(&r->pipeline, s); /* the table holds live ones only */
	r->drain_ns = now_monotonic_ns() - t0;
	r->busy_ns += r->drain_ns;
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

void app_print_stats(const struct app *r, FILE *f)
{
	const struct pipeline *p = &r->pipeline;
	uint64_t sink_ns = 0;
	size_t i;

	for (i = 0; i < p->nsinks; i++) {
		const struct sink *k = p->sinks[i];
		const struct sink_stats *st = &k->stats;
		fprintf(f,
			"proctor: sink %s: %llu records, %llu batches, %llu errors, %llu dropped, "
			"write %.1f ms (max %.1f ms per batch)\n",
			k->url, (unsigned long long)st->records, (unsigned long long)st->batches,
			(unsigned long long)st->failures, (unsigned long long)st->dropped,
			ms(st->latency_ns), ms(st->max_batch_ns));
		sink_ns += st->latency_ns;
	}
	fprintf(f,
		"proctor: reader: ring buffer high water %llu KiB, busy %.1f ms (sinks %.1f ms, "
		"decode+stages %.1f ms), final drain %.1f ms (%llu records)\n",
		(unsigned long long)(r->rb_high_water >> 10), ms(r->busy_ns), ms(sink_ns),
		ms(r->busy_ns > sink_ns ? r->busy_ns - sink_ns : 0), ms(r->drain_ns),
		(unsigned long long)r->drain_records);
	app_print_losses(r, f);
}

/* The sink label of the summary: the URL without its query (tokens). */
static void print_sink_losses(const struct pipeline *p, FILE *f)
{
	size_t i;

	for (i = 0; i < p->nsinks; i++) {
		const struct sink *k = p->sinks[i];
		const char *q = strchr(k->url, '?');

		if (!k->stats.dropped)
			continue;
		fprintf(f, "proctor: sink %.*s lost %llu events%s\n",
			(int)(q ? (size_t)(q - k->url) : strlen(k->url)), k->url,
			(unsigned long long)k->stats.dropped,
			p->nsinks > 1 ? " (a loss at this sink; counted in drops only where no "
					"other sink took them)"
				      : "");
	}
}

void app_print_losses(const struct app *r, FILE *f)
{
	const struct pipeline_stats *st = &r->pipeline.stats;

	print_sink_losses(&r->pipeline, f);
	if (st->truncated)
		fprintf(f, "proctor: %llu records lost %llu fields (more than %d per record)\n",
			(unsigned long long)st->truncated, (unsigned long long)st->lost_fields,
			RECORD_MAX_FIELDS);
	if (r->pipeline.sessions.refused)
		fprintf(f, "proctor: %llu sessions refused (at most %d at once)\n",
			(unsigned long long)r->pipeline.sessions.refused, SESSION_TABLE_MAX);
	app_tls_print(r, f);
	app_telemetry_print(r, f);
}
