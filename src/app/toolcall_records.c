/* toolcall_records.c: the app side of tool calls: after each committed
 * record, linked processes that exited are forgotten and the intent
 * findings (toolcall_intent.c) become intent.mismatch records with the
 * common fields of the process that did it; the run summary's line. */
#include "app/toolcall_records.h"

#include <string.h>

#include "app/app.h"

static void emit_finding(struct app *a, const struct toolcall_finding *f)
{
	const struct toolcall_intent *in = &a->toolcalls.intent[f->id];
	struct record *r = pipeline_record(&a->pipeline);
	struct pr_hdr h = f->h;

	h.type = PR_EV_INTENT_MISMATCH;
	r->session_key = h.session_key;
	r->cgroup_id = h.cgroup_id;
	r->pid = h.pid;
	decode_common(&a->dctx, &h, "intent.mismatch", r);
	record_add_str(r, "gen_ai.tool.call.id", a->toolcalls.ids[f->id]);
	record_add_str_ref(r, "intent.reason", intent_reason_name(f->reason));
	record_add_str(r, "intent.declared", in->command);
	record_add_str(r, "intent.observed", f->observed);
	if (in->workspace[0])
		record_add_str(r, "intent.workspace", in->workspace);
	pipeline_commit(&a->pipeline, r);
	a->toolcalls.mismatches[f->reason]++;
}

void app_toolcalls_after(struct app *a, const struct pr_hdr *h)
{
	struct toolcalls *t = &a->toolcalls;
	int i;

	toolcalls_exited(t, h);
	for (i = 0; i < t->nfindings; i++)
		emit_finding(a, &t->findings[i]);
	t->nfindings = 0;
}

void app_toolcalls_print(const struct app *a, FILE *f)
{
	const struct toolcalls *t = &a->toolcalls;
	uint64_t total = 0;
	char by[256] = "";
	int i;

	for (i = 0; i < INTENT_REASONS; i++) {
		size_t n = strlen(by);
		if (!t->mismatches[i])
			continue;
		total += t->mismatches[i];
		snprintf(by + n, sizeof(by) - n, "%s%s %llu", n ? ", " : "",
			 intent_reason_name((enum intent_reason)i),
			 (unsigned long long)t->mismatches[i]);
	}
	if (total)
		fprintf(f,
			"proctor: warning: %llu intent mismatches (tool calls that did more than "
			"their command declared): %s\n",
			(unsigned long long)total, by);
	if (t->mismatches_lost)
		fprintf(f,
			"proctor: warning: %llu intent mismatches not recorded (more than %d per "
			"tool call)\n",
			(unsigned long long)t->mismatches_lost, INTENT_SEEN);
}
