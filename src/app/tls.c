/* tls.c: wiring of the LLM visibility (tls.h): probe uprobes -> src/llm ->
 * pipeline. */
#include "app/tls.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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

static void llm_tool(void *ctx, const struct pr_hdr *h, const char *id, const char *command)
{
	struct app *a = ctx;

	toolcalls_expect(&a->toolcalls, h->session_key, h->pid, id, command);
}

void app_tls_start(struct app *r)
{
	struct llm_emit e = {.begin = llm_begin, .commit = llm_commit, .ctx = r, .tool = llm_tool};

	if (llm_init(&r->llm, &e)) {
		snprintf(r->tls.error, sizeof(r->tls.error), "out of memory");
		return;
	}
	if (probe_tls_attach_system(&r->probe, r->tls.error, sizeof(r->tls.error)) < 0)
		return;
	r->tls.error[0] = 0;
}

void app_tls_on_event(struct app *r, const void *data, size_t len)
{
	if (r->llm.conns)
		llm_feed(&r->llm, data, len);
}

/* The kind of the executable at exe (inode st), inspected once. */
static int exe_kind(struct app_tls *t, const char *exe, const struct stat *st)
{
	int i, kind;

	for (i = 0; i < t->nexes; i++)
		if (t->exes[i].dev == st->st_dev && t->exes[i].ino == st->st_ino)
			return t->exes[i].kind;
	kind = probe_tls_inspect(exe);
	if (t->nexes < APP_TLS_EXES) {
		t->exes[t->nexes].dev = st->st_dev;
		t->exes[t->nexes].ino = st->st_ino;
		t->exes[t->nexes++].kind = (uint8_t)kind;
	}
	return kind;
}

/* Once per session and inode: an llm.capture saying why exe is not hooked. */
static void tell_unhooked(struct app *r, const struct pr_hdr *h, const char *exe, uint64_t ino,
			  const char *why)
{
	struct app_tls *t = &r->tls;
	struct record *rec;
	int i;

	for (i = 0; i < t->nwarned; i++)
		if (t->warned[i].session_key == h->session_key && t->warned[i].ino == ino)
			return;
	if (t->nwarned < APP_TLS_WARNS) {
		t->warned[t->nwarned].session_key = h->session_key;
		t->warned[t->nwarned++].ino = ino;
	}
	t->unhooked++;
	snprintf(t->unhooked_why, sizeof(t->unhooked_why), "%s: %s", exe, why);
	rec = llm_begin(r, h, PR_EV_LLM_CAPTURE, "llm.capture");
	record_add_bool(rec, "llm.capture.hooked", false);
	record_add_str(rec, "llm.capture.reason", why);
	record_add_str(rec, "tls.library.path", exe);
	pipeline_commit(&r->pipeline, rec);
}

void app_tls_on_exec(struct app *r, const struct pr_hdr *h, const char *exe)
{
	char err[512];
	struct stat st;

	if (!exe || !*exe || stat(exe, &st) || !S_ISREG(st.st_mode))
		return;
	switch (exe_kind(&r->tls, exe, &st)) {
	case PROBE_TLS_OPENSSL:
		if (probe_tls_attach_openssl(&r->probe, exe, err, sizeof(err)) < 0)
			tell_unhooked(r, h, exe, st.st_ino, err);
		break;
	case PROBE_TLS_BUN:
		tell_unhooked(r, h, exe, st.st_ino,
			      "Bun executable: BoringSSL is built in and stripped; its SSL_read/"
			      "SSL_write are not located by this build (no signature for it)");
		break;
	default: break;
	}
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
	const char *paths[PROBE_TLS_LIBS];
	struct record *rec;
	int i;

	if (r->llm.conns)
		llm_forget_session(&r->llm, s->key);
	probe_tls_budget(&r->probe, s->key, &b);
	probe_tls_budget_forget(&r->probe, s->key);
	r->tls.cut_bytes += b.cut_bytes;
	if (!r->tls.error[0] && !b.bytes && !b.cut_bytes)
		return; /* hooked, and the session used no TLS: nothing to say */
	rec = llm_begin(r, &h, PR_EV_LLM_CAPTURE, "llm.capture");
	record_add_bool(rec, "llm.capture.hooked", !r->tls.error[0]);
	if (r->tls.error[0])
		record_add_str(rec, "llm.capture.reason", r->tls.error);
	for (i = 0; i < r->probe.tls.nlibs; i++)
		paths[i] = r->probe.tls.libs[i].path;
	record_add_strv(rec, "tls.library.path", paths, (uint32_t)r->probe.tls.nlibs);
	record_add_str_ref(rec, "tls.library", "openssl");
	record_add_int(rec, "tls.bytes_captured", (int64_t)b.bytes);
	record_add_int(rec, "tls.bytes_cut", (int64_t)b.cut_bytes);
	record_add_int(rec, "tls.calls_cut", (int64_t)b.cut_calls);
	pipeline_commit(&r->pipeline, rec);
}

void app_tls_print(const struct app *r, FILE *f)
{
	if (r->tls.error[0])
		fprintf(f,
			"proctor: warning: TLS plaintext not captured (no llm.call records): %s\n",
			r->tls.error);
	if (r->llm.calls || r->llm.tool_calls)
		fprintf(f, "proctor: %llu model calls, %llu tool calls\n",
			(unsigned long long)r->llm.calls, (unsigned long long)r->llm.tool_calls);
	if (r->tls.unhooked)
		fprintf(f,
			"proctor: warning: %llu executables with TLS inside not hooked (no "
			"llm.call "
			"records from them): %s\n",
			(unsigned long long)r->tls.unhooked, r->tls.unhooked_why);
	if (r->tls.cut_bytes)
		fprintf(f,
			"proctor: warning: %llu bytes of TLS plaintext left out (budget or "
			"per-call cap)\n",
			(unsigned long long)r->tls.cut_bytes);
	if (r->llm.evicted)
		fprintf(f,
			"proctor: %llu connections with open model calls evicted (more than %d)\n",
			(unsigned long long)r->llm.evicted, LLM_CONNS);
}
