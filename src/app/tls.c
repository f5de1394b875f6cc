/* tls.c: wiring of the LLM visibility (tls.h): probe uprobes -> src/llm ->
 * pipeline. */
#include "app/tls.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "probe/tls.h"

static struct record *llm_begin(void *ctx, const struct pr_hdr *h, uint16_t type,
				const char *type_name)
{
	struct app *a = ctx;
	struct record *r = pipeline_record(&a->pipeline);
	struct pr_hdr hh = *h;

	hh.type = type;
	r->session_key = h->session_key;
	r->cgroup_id = h->cgroup_id;
	r->pid = h->pid;
	decode_common(&a->dctx, &hh, type_name, r);
	return r;
}

static void llm_commit(void *ctx, struct record *r)
{
	struct app *a = ctx;

	pipeline_commit(&a->pipeline, r);
}

void app_tls_start(struct app *r)
{
	struct llm_emit e = {.begin = llm_begin, .commit = llm_commit, .ctx = r};

	if (llm_init(&r->llm, &e)) {
		snprintf(r->tls_error, sizeof(r->tls_error), "out of memory");
		return;
	}
	if (probe_tls_attach_system(&r->probe, r->tls_error, sizeof(r->tls_error)) < 0)
		return;
	r->tls_error[0] = 0;
}

void app_tls_on_event(struct app *r, const void *data, size_t len)
{
	if (r->llm.conns)
		llm_feed(&r->llm, data, len);
}

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void app_tls_end_session(struct app *r, struct session *s)
{
	struct pr_tls_budget b;
	struct pr_hdr h = {.session_key = s->key, .ts_ns = boot_ns(), .comm = "proctor"};
	struct record *rec;
	int i;

	if (r->llm.conns)
		llm_forget_session(&r->llm, s->key);
	probe_tls_budget(&r->probe, s->key, &b);
	r->tls_cut_bytes += b.cut_bytes;
	if (!r->tls_error[0] && !b.bytes && !b.cut_bytes)
		return; /* hooked, and the session used no TLS: nothing to say */
	rec = llm_begin(r, &h, PR_EV_LLM_CAPTURE, "llm.capture");
	record_add_bool(rec, "llm.capture.hooked", !r->tls_error[0]);
	if (r->tls_error[0])
		record_add_str(rec, "llm.capture.reason", r->tls_error);
	for (i = 0; i < r->probe.tls.nlibs; i++)
		record_add_str(rec, "tls.library.path", r->probe.tls.libs[i].path);
	record_add_str_ref(rec, "tls.library", "openssl");
	record_add_int(rec, "tls.bytes_captured", (int64_t)b.bytes);
	record_add_int(rec, "tls.bytes_cut", (int64_t)b.cut_bytes);
	record_add_int(rec, "tls.calls_cut", (int64_t)b.cut_calls);
	pipeline_commit(&r->pipeline, rec);
}

void app_tls_print(const struct app *r, FILE *f)
{
	if (r->tls_error[0])
		fprintf(f,
			"proctor: warning: TLS plaintext not captured (no llm.call records): %s\n",
			r->tls_error);
	if (r->llm.calls || r->llm.tool_calls)
		fprintf(f, "proctor: %llu model calls, %llu tool calls\n",
			(unsigned long long)r->llm.calls, (unsigned long long)r->llm.tool_calls);
	if (r->tls_cut_bytes)
		fprintf(f,
			"proctor: warning: %llu bytes of TLS plaintext left out (budget or "
			"per-call cap)\n",
			(unsigned long long)r->tls_cut_bytes);
	if (r->llm.evicted)
		fprintf(f,
			"proctor: %llu connections with open model calls evicted (more than %d)\n",
			(unsigned long long)r->llm.evicted, LLM_CONNS);
}
