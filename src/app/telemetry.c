/* telemetry.c: the agent's own telemetry in the app (telemetry.h): the
 * receiver's items attributed through the process table (the sender's pid
 * came from its socket, never from the body), agent.telemetry records, and
 * the cross-check against the kernel's llm.call / llm.tool_call records. */
#include "app/telemetry.h"

#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "util/util.h"

int app_telemetry_start(struct app *r, const char *addr, char *err, size_t errlen)
{
	struct app_telemetry *t = &r->telemetry;

	if (otlp_receiver_start(&t->rx, addr, err, errlen))
		return -1;
	t->on = true;
	return 0;
}

const char *const *app_telemetry_env(struct app *r)
{
	static char endpoint[160];
	static const char *env[] = {"CLAUDE_CODE_ENABLE_TELEMETRY=1",
				    "OTEL_LOGS_EXPORTER=otlp",
				    "OTEL_METRICS_EXPORTER=otlp",
				    "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
				    "OTEL_LOGS_EXPORT_INTERVAL=1000",
				    "OTEL_METRIC_EXPORT_INTERVAL=10000",
				    endpoint,
				    NULL};

	if (!r->telemetry.on)
		return NULL;
	snprintf(endpoint, sizeof(endpoint), "OTEL_EXPORTER_OTLP_ENDPOINT=%s",
		 r->telemetry.rx.endpoint);
	return env;
}

static int64_t int_or(const struct tele_item *it, const char *key, int64_t dflt)
{
	const struct tele_field *f = tele_get(it, key);

	return f && f->kind == TF_INT ? f->i : dflt;
}

static const char *str_of(const struct tele_item *it, const char *key)
{
	const struct tele_field *f = tele_get(it, key);

	return f && f->kind == TF_STR ? f->s : NULL;
}

/* A reported model call: Claude Code's api_request, Codex's completed
 * response. */
static bool reported_call(const struct tele_item *it)
{
	const char *kind = str_of(it, "agent.telemetry.kind");

	return it->signal == TELE_LOGS && (!strcmp(it->event, "claude_code.api_request") ||
					   (!strcmp(it->event, "codex.sse_event") && kind &&
					    !strcmp(kind, "response.completed")));
}

static bool reported_tool(const struct tele_item *it)
{
	return it->signal == TELE_LOGS && (!strcmp(it->event, "claude_code.tool_result") ||
					   !strcmp(it->event, "codex.tool_result"));
}

static void cross_check_item(struct app_telemetry *t, uint64_t key, const struct tele_item *it)
{
	struct xc_call c = {0};
	const char *s;

	if (reported_call(it)) {
		c.in = int_or(it, "gen_ai.usage.input_tokens", -1);
		c.out = int_or(it, "gen_ai.usage.output_tokens", -1);
		c.cache_read = int_or(it, "gen_ai.usage.cache_read.input_tokens", -1);
		c.cache_creation = int_or(it, "gen_ai.usage.cache_creation.input_tokens", -1);
		if ((s = str_of(it, "gen_ai.request.model")))
			snprintf(c.model, sizeof(c.model), "%s", s);
		xc_reported_call(&t->xc, key, &c);
	} else if (reported_tool(it))
		xc_reported_tool(&t->xc, key, str_of(it, "gen_ai.tool.name"));
}

static void record_item(struct app *r, const struct proc *p, const struct tele_item *it)
{
	struct pr_hdr h = {0};
	struct record *rec;
	unsigned i;

	h.type = PR_EV_AGENT_TELEMETRY;
	h.ts_ns = now_boottime_ns();
	h.session_key = p->session_key;
	h.pid = h.tid = it->pid;
	h.ppid = it->ppid;
	h.uid = it->uid;
	h.gid = it->gid;
	memcpy(h.comm, it->comm, sizeof(h.comm));
	rec = pipeline_record(&r->pipeline);
	rec->session_key = h.session_key;
	rec->pid = h.pid;
	decode_common(&r->dctx, &h, "agent.telemetry", rec);
	record_add_str(rec, "agent.telemetry.event", it->event);
	if (*it->service)
		record_add_str(rec, "agent.telemetry.service", it->service);
	record_add_str_ref(rec, "agent.telemetry.signal",
			   it->signal == TELE_LOGS ? "logs" : "metrics");
	if (it->time_ns)
		record_add_int(rec, "agent.telemetry.time_unix_nano", (int64_t)it->time_ns);
	if (it->has_value)
		record_add_str(rec, "agent.telemetry.value", it->value_str);
	for (i = 0; i < it->nf; i++) {
		const struct tele_field *f = &it->f[i];
		if (f->kind == TF_STR)
			record_add_str(rec, f->key, f->s);
		else if (f->kind == TF_INT)
			record_add_int(rec, f->key, f->i);
		else
			record_add_bool(rec, f->key, f->i != 0);
	}
	if (it->ignored)
		record_add_int(rec, "agent.telemetry.attributes_ignored", it->ignored);
	pipeline_commit(&r->pipeline, rec);
	r->telemetry.records++;
}

void app_telemetry_drain(struct app *r)
{
	struct app_telemetry *t = &r->telemetry;
	struct tele_list got;
	struct tele_item *it;
	struct proc *p;

	if (!t->on)
		return;
	tele_list_init(&got);
	otlp_receiver_take(&t->rx, &got);
	for (it = got.head; it; it = it->next) {
		if (!it->pid) {
			t->unattributed++;
			continue;
		}
		p = proctree_get(&r->procs, it->pid);
		if (!p || !p->session_key || !session_find(&r->pipeline.sessions, p->session_key)) {
			t->outside++;
			continue;
		}
		record_item(r, p, it);
		cross_check_item(t, p->session_key, it);
	}
	tele_list_free(&got);
}

void app_telemetry_saw(struct app *r, const struct record *rec)
{
	struct app_telemetry *t = &r->telemetry;
	struct xc_call c = {.in = -1, .out = -1, .cache_read = -1, .cache_creation = -1};
	const char *s;

	if (!t->on || !rec->session_key)
		return;
	if (rec->type == PR_EV_LLM_TOOL_CALL) {
		xc_kernel_tool(&t->xc, rec->session_key, record_get_str(rec, "gen_ai.tool.name"));
		return;
	}
	if (rec->type != PR_EV_LLM_CALL ||
	    !record_get_int(rec, "gen_ai.usage.input_tokens", &c.in) ||
	    !record_get_int(rec, "gen_ai.usage.output_tokens", &c.out))
		return; /* a call without usage (incomplete) cannot be compared */
	record_get_int(rec, "gen_ai.usage.cache_read.input_tokens", &c.cache_read);
	record_get_int(rec, "gen_ai.usage.cache_creation.input_tokens", &c.cache_creation);
	if ((s = record_get_str(rec, "gen_ai.response.model")) ||
	    (s = record_get_str(rec, "gen_ai.request.model")))
		snprintf(c.model, sizeof(c.model), "%s", s);
	xc_kernel_call(&t->xc, rec->session_key, &c);
}

static void add_tokens(struct record *rec, const struct xc_call *c)
{
	if (c->in >= 0)
		record_add_int(rec, "gen_ai.usage.input_tokens", c->in);
	if (c->out >= 0)
		record_add_int(rec, "gen_ai.usage.output_tokens", c->out);
	if (c->cache_read >= 0)
		record_add_int(rec, "gen_ai.usage.cache_read.input_tokens", c->cache_read);
	if (c->cache_creation >= 0)
		record_add_int(rec, "gen_ai.usage.cache_creation.input_tokens", c->cache_creation);
	if (c->model[0])
		record_add_str(rec, "gen_ai.request.model", c->model);
}

static void on_mismatch(void *ctx, uint64_t key, const struct xc_mismatch *m)
{
	struct app *r = ctx;
	struct pr_hdr h = {0};
	struct record *rec;

	h.type = PR_EV_AGENT_TELEMETRY_MISMATCH;
	h.ts_ns = now_boottime_ns();
	h.session_key = key;
	rec = pipeline_record(&r->pipeline);
	rec->session_key = key;
	decode_common(&r->dctx, &h, "agent.telemetry.mismatch", rec);
	record_add_str_ref(rec, "event.severity", "warning");
	record_add_str_ref(rec, "agent.telemetry.mismatch.reason", xc_reason_name(m->reason));
	if (m->call) {
		record_add_str_ref(rec, "agent.telemetry.mismatch.side",
				   m->reason == XC_REPORTED_UNSEEN ? "reported" : "observed");
		add_tokens(rec, m->call);
	} else {
		record_add_str(rec, "gen_ai.tool.name", m->tool->name);
		record_add_int(rec, "agent.telemetry.mismatch.reported", m->tool->reported);
		record_add_int(rec, "agent.telemetry.mismatch.observed", m->tool->kernel);
	}
	pipeline_commit(&r->pipeline, rec);
	r->telemetry.mismatches++;
}

void app_telemetry_end_session(struct app *r, const struct session *s)
{
	if (!r->telemetry.on)
		return;
	app_telemetry_drain(r);
	xc_finish(&r->telemetry.xc, s->key, on_mismatch, r);
}

void app_telemetry_print(const struct app *r, FILE *f)
{
	const struct app_telemetry *t = &r->telemetry;
	const struct otlp_receiver *x = &t->rx;

	if (!t->on)
		return;
	fprintf(f, "proctor: agent telemetry at %s: %llu requests, %llu records", x->endpoint,
		(unsigned long long)x->requests, (unsigned long long)t->records);
	if (x->bad_requests)
		fprintf(f, ", %llu requests refused", (unsigned long long)x->bad_requests);
	if (t->outside)
		fprintf(f, ", %llu items from processes outside the sessions (not recorded)",
			(unsigned long long)t->outside);
	if (t->unattributed || x->refused_full)
		fprintf(f, ", %llu items whose sender was not found, %llu refused (queue full)",
			(unsigned long long)t->unattributed, (unsigned long long)x->refused_full);
	fputc('\n', f);
	if (t->mismatches)
		fprintf(f,
			"proctor: warning: %llu disagreements between the agent's telemetry and "
			"the kernel's record (agent.telemetry.mismatch)\n",
			(unsigned long long)t->mismatches);
	if (t->xc.lost_sessions || t->xc.lost_items)
		fprintf(f,
			"proctor: %llu sessions and %llu calls beyond the cross-check's tables "
			"(not "
			"checked)\n",
			(unsigned long long)t->xc.lost_sessions,
			(unsigned long long)t->xc.lost_items);
}

void app_telemetry_stop(struct app *r)
{
	if (!r->telemetry.on)
		return;
	otlp_receiver_stop(&r->telemetry.rx);
	xc_free(&r->telemetry.xc);
	r->telemetry.on = false;
}
