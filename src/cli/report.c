/* report.c: `proctor report [SESSION|latest] --format html|md`: one
 * self-contained incident document on stdout (inline CSS, an SVG timeline,
 * no external assets): summary, process tree, secrets and sensitive files,
 * egress by destination with verdicts, escapes and privilege changes,
 * policy violations, LLM calls (tokens, cost, intent mismatches). Progress
 * goes to stderr. */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "model/paths.h"
#include "store/api.h"
#include "util/pidindex.h"
#include "util/strbuf.h"
#include "util/util.h"

#define NOTABLE_MAX 200	   /* events listed per section; the rest are counted */
#define LANES_MAX   60	   /* processes drawn in the timeline */
#define NOTE_SEP    '\x1e' /* between the notes of one process */

static const char report_usage[] =
	"usage: proctor report [SESSION|latest] [--format html|md] [--db PATH]";

struct proc {
	struct store_process_row r;
	char *label, *signal, *notes; /* notes: RS-separated (a note may hold \n) */
	int parent, depth;
	int first_child, next; /* children in birth order; -1 none */
};

struct mark {
	int64_t time_ns, pid;
	char *type, *summary;
};

struct report {
	FILE *out;
	bool html;
	struct store *st;
	char id[64];
	struct store_session_row s;
	char *agent, *project, *user, *host, *command, *drops_detail, *session_id;
	struct proc *p;
	size_t np, capp;
	struct pid_index ix; /* p by pid */
	struct mark *m;
	size_t nm, capm;
};

static void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void progress(const char *fmt, ...)
{
	va_list ap;

	fputs("report: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Text for the document: HTML-escaped, or Markdown with its markup
 * characters escaped; control characters shown as \xNN in both. */
static void text(struct report *rp, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			fprintf(rp->out, "\\x%02x", c);
		else if (rp->html && c == '&')
			fputs("&amp;", rp->out);
		else if (rp->html && c == '<')
			fputs("&lt;", rp->out);
		else if (rp->html && c == '>')
			fputs("&gt;", rp->out);
		else if (rp->html && c == '"')
			fputs("&quot;", rp->out);
		else if (!rp->html && strchr("\\`*_[]<>|#", c))
			fprintf(rp->out, "\\%c", c);
		else
			fputc(c, rp->out);
	}
}

static void heading(struct report *rp, const char *title)
{
	fputs(rp->html ? "<h2>" : "\n## ", rp->out);
	text(rp, title);
	fputs(rp->html ? "</h2>\n" : "\n\n", rp->out);
}

static void table_start(struct report *rp, int n, ...)
{
	va_list ap;
	int i;

	va_start(ap, n);
	fputs(rp->html ? "<table><tr>" : "|", rp->out);
	for (i = 0; i < n; i++) {
		fputs(rp->html ? "<th>" : " ", rp->out);
		text(rp, va_arg(ap, const char *));
		fputs(rp->html ? "</th>" : " |", rp->out);
	}
	va_end(ap);
	fputs(rp->html ? "</tr>\n" : "\n|", rp->out);
	for (i = 0; !rp->html && i < n; i++)
		fputs("---|", rp->out);
	if (!rp->html)
		fputc('\n', rp->out);
}

static void table_row(struct report *rp, int n, ...)
{
	va_list ap;
	int i;

	va_start(ap, n);
	fputs(rp->html ? "<tr>" : "|", rp->out);
	for (i = 0; i < n; i++) {
		fputs(rp->html ? "<td>" : " ", rp->out);
		text(rp, va_arg(ap, const char *));
		fputs(rp->html ? "</td>" : " |", rp->out);
	}
	va_end(ap);
	fputs(rp->html ? "</tr>\n" : "\n", rp->out);
}

static void table_end(struct report *rp)
{
	fputs(rp->html ? "</table>\n" : "\n", rp->out);
}

static void para(struct report *rp, const char *s)
{
	fputs(rp->html ? "<p>" : "", rp->out);
	text(rp, s);
	fputs(rp->html ? "</p>\n" : "\n\n", rp->out);
}

static int take_session(void *ctx, const struct store_session_row *r)
{
	struct report *rp = ctx;

	rp->s = *r;
	rp->session_id = strdup(r->id);
	rp->agent = strdup(r->agent);
	rp->project = strdup(r->project);
	rp->user = strdup(r->user);
	rp->host = strdup(r->host);
	rp->command = strdup(r->command_json);
	rp->drops_detail = strdup(r->drops_detail);
	return 0;
}

static int put_type(void *ctx, const char *type, int64_t n)
{
	struct strbuf *sb = ctx;
	sb_printf(sb, "%s%s %" PRId64, sb->len ? ", " : "", type, n);
	return 0;
}

static void summary(struct report *rp)
{
	char start[40], end[40] = "still running", dur[32] = "-", exitv[48] = "-", num[3][24];
	struct strbuf types = STRBUF_INIT;

	progress("summary");
	fmt_rfc3339((uint64_t)rp->s.start_ns, start, sizeof(start));
	if (rp->s.end_ns) {
		fmt_rfc3339((uint64_t)rp->s.end_ns, end, sizeof(end));
		fmt_duration((uint64_t)(rp->s.end_ns - rp->s.start_ns), dur, sizeof(dur));
		if (rp->s.exit_signal)
			snprintf(exitv, sizeof(exitv), "killed by signal %" PRId64,
				 rp->s.exit_signal);
		else
			snprintf(exitv, sizeof(exitv), "%" PRId64, rp->s.exit_code);
	}
	store_report_type_counts(rp->st, rp->id, put_type, &types);
	snprintf(num[0], sizeof(num[0]), "%" PRId64, rp->s.processes);
	snprintf(num[1], sizeof(num[1]), "%" PRId64, rp->s.events);
	snprintf(num[2], sizeof(num[2]), "%" PRId64, rp->s.drops);
	heading(rp, "Summary");
	table_start(rp, 2, "field", "value");
	table_row(rp, 2, "session", rp->session_id);
	table_row(rp, 2, "agent", *rp->agent ? rp->agent : "-");
	table_row(rp, 2, "project", *rp->project ? rp->project : "-");
	table_row(rp, 2, "user", rp->user);
	table_row(rp, 2, "host", rp->host);
	table_row(rp, 2, "command", rp->command);
	table_row(rp, 2, "start (UTC)", start);
	table_row(rp, 2, "end (UTC)", end);
	table_row(rp, 2, "duration", dur);
	table_row(rp, 2, "exit", exitv);
	table_row(rp, 2, "processes", num[0]);
	table_row(rp, 2, "events", num[1]);
	table_row(rp, 2, "events by type", types.len ? sb_cstr(&types) : "none");
	table_row(rp, 2, "drops", num[2]);
	table_row(rp, 2, "drops by reason", *rp->drops_detail ? rp->drops_detail : "{}");
	table_end(rp);
	sb_free(&types);
}

static int take_proc(void *ctx, const struct store_process_row *r)
{
	struct report *rp = ctx;
	struct proc *p;

	if (rp->np == rp->capp) {
		size_t cap = rp->capp ? 2 * rp->capp : 64;
		struct proc *n = realloc(rp->p, cap * sizeof(*n));
		if (!n)
			return -1;
		rp->p = n;
		rp->capp = cap;
	}
	p = &rp->p[rp->np++];
	memset(p, 0, sizeof(*p));
	p->r = *r;
	p->r.exe = p->r.argv_json = p->r.cwd = p->r.comm = p->r.exit_signal = p->r.cmdline = "";
	p->label = strdup(*r->cmdline ? r->cmdline : *r->comm ? r->comm : r->exe);
	p->signal = strdup(r->exit_signal);
	p->parent = -1;
	return 0;
}

static int take_note(void *ctx, int64_t pid, const char *note)
{
	struct report *rp = ctx;
	/* the note belongs to the last process with that pid (reuse is rare) */
	long i = pid_index_find(&rp->ix, pid, INT64_MAX, SIZE_MAX);
	struct proc *p;
	size_t old;
	char *n;

	if (i < 0)
		return 0;
	p = &rp->p[i];
	old = p->notes ? strlen(p->notes) : 0;
	if (!(n = realloc(p->notes, old + strlen(note) + 2)))
		return -1;
	if (old)
		n[old++] = NOTE_SEP;
	strcpy(n + old, note);
	p->notes = n;
	return 0;
}

static int64_t born(const struct proc *p)
{
	return p->r.start_ns ? p->r.start_ns : p->r.exec_ns;
}

static int64_t pid_at(const void *ctx, size_t i)
{
	return ((const struct report *)ctx)->p[i].r.pid;
}

static int64_t born_at(const void *ctx, size_t i)
{
	return born(&((const struct report *)ctx)->p[i]);
}

/* The parent: the latest process with pid == ppid born before the child;
 * children listed in birth (row) order. */
static void link_parents(struct report *rp)
{
	size_t i;

	for (i = 0; i < rp->np; i++) {
		rp->p[i].parent = (int)pid_index_find(&rp->ix, rp->p[i].r.ppid, born(&rp->p[i]), i);
		rp->p[i].first_child = rp->p[i].next = -1;
	}
	for (i = rp->np; i-- > 0;) {
		int up = rp->p[i].parent;
		if (up < 0)
			continue;
		rp->p[i].next = rp->p[up].first_child;
		rp->p[up].first_child = (int)i;
	}
}

static void tree_item(struct report *rp, size_t i)
{
	struct proc *p = &rp->p[i];
	char meta[96], *line, *save = NULL;

	if (p->r.has_exit && p->signal && *p->signal)
		snprintf(meta, sizeof(meta), "  [pid %" PRId64 ", killed by %s]", p->r.pid,
			 p->signal);
	else if (p->r.has_exit)
		snprintf(meta, sizeof(meta), "  [pid %" PRId64 ", exit %" PRId64 "]", p->r.pid,
			 p->r.exit_code);
	else
		snprintf(meta, sizeof(meta), "  [pid %" PRId64 "]", p->r.pid);
	if (rp->html)
		fputs("<li><code>", rp->out);
	else
		fprintf(rp->out, "%*s- `", 2 * p->depth, "");
	if (rp->html)
		text(rp, p->label);
	else /* inside a code span: only the backtick needs care */
		for (const char *c = p->label; *c; c++)
			fputc(*c == '`' ? '\'' : (unsigned char)*c < 0x20 ? ' ' : *c, rp->out);
	fputs(rp->html ? "</code>" : "`", rp->out);
	text(rp, meta);
	if (rp->html && p->notes)
		fputs("<ul class=\"notes\">", rp->out);
	else if (!rp->html)
		fputc('\n', rp->out);
	for (line = p->notes ? strtok_r(p->notes, "\x1e", &save) : NULL; line;
	     line = strtok_r(NULL, "\x1e", &save)) {
		if (rp->html)
			fputs(strstr(line, "SENSITIVE") || strstr(line, "ESCAPE")
				      ? "<li class=\"alert\">"
				      : "<li>",
			      rp->out);
		else
			fprintf(rp->out, "%*s- ", 2 * p->depth + 2, "");
		text(rp, line);
		fputs(rp->html ? "</li>" : "\n", rp->out);
	}
	if (rp->html && p->notes)
		fputs("</ul>", rp->out);
}

static void tree_walk(struct report *rp, int first, int depth);

static void tree_node(struct report *rp, size_t i, int depth)
{
	rp->p[i].depth = depth;
	tree_item(rp, i);
	if (rp->p[i].first_child >= 0)
		tree_walk(rp, rp->p[i].first_child, depth + 1);
	if (rp->html)
		fputs("</li>\n", rp->out);
}

/* Depth-first from first and its siblings; children in birth order. */
static void tree_walk(struct report *rp, int first, int depth)
{
	int i;

	if (rp->html)
		fputs("<ul>", rp->out);
	for (i = first; i >= 0; i = rp->p[i].next)
		tree_node(rp, (size_t)i, depth);
	if (rp->html)
		fputs("</ul>\n", rp->out);
}

/* The roots, in birth order, as one list. */
static void tree_roots(struct report *rp)
{
	size_t i;
	bool any = false;

	for (i = 0; i < rp->np; i++) {
		if (rp->p[i].parent >= 0)
			continue;
		if (rp->html && !any)
			fputs("<ul>", rp->out);
		any = true;
		tree_node(rp, i, 0);
	}
	if (rp->html && any)
		fputs("</ul>\n", rp->out);
}

static void tree(struct report *rp)
{
	store_foreach_process(rp->st, rp->id, take_proc, rp);
	progress("process tree (%zu processes)", rp->np);
	if (pid_index_build(&rp->ix, rp->np, pid_at, born_at, rp))
		return;
	store_foreach_tree_note(rp->st, rp->id, credential_path_globs, take_note, rp);
	link_parents(rp);
	heading(rp, "Process tree");
	if (!rp->np)
		para(rp, "No processes were recorded.");
	tree_roots(rp);
	if (!rp->html)
		fputc('\n', rp->out);
}

static int put_sensitive(void *ctx, int64_t pid, const char *path, int64_t n)
{
	struct report *rp = ctx;
	char a[24], b[24];

	snprintf(a, sizeof(a), "%" PRId64, pid);
	snprintf(b, sizeof(b), "%" PRId64, n);
	table_row(rp, 3, a, path, b);
	return 0;
}

static int put_redacted(void *ctx, const char *type, int64_t n)
{
	struct report *rp = ctx;
	char b[24];

	snprintf(b, sizeof(b), "%" PRId64, n);
	table_row(rp, 2, type, b);
	return 0;
}

static void secrets(struct report *rp)
{
	progress("secrets and sensitive files");
	heading(rp, "Secrets and sensitive files");
	table_start(rp, 3, "pid", "sensitive file opened", "opens");
	store_report_sensitive(rp->st, rp->id, credential_path_globs, put_sensitive, rp);
	table_end(rp);
	para(rp, "Secrets redacted before storage (values never stored), by event type:");
	table_start(rp, 2, "event type", "events with a [REDACTED] value");
	store_report_redacted(rp->st, rp->id, put_redacted, rp);
	table_end(rp);
}

static int put_egress(void *ctx, const char *dest, const char *verdict, int64_t flows, int64_t out,
		      int64_t in)
{
	struct report *rp = ctx;
	char f[24], o[32], i[32];

	snprintf(f, sizeof(f), "%" PRId64, flows);
	snprintf(o, sizeof(o), "%" PRId64 " B", out);
	snprintf(i, sizeof(i), "%" PRId64 " B", in);
	table_row(rp, 5, dest, verdict, f, o, i);
	return 0;
}

static void egress(struct report *rp)
{
	progress("egress");
	heading(rp, "Egress by destination");
	table_start(rp, 5, "destination", "verdict", "flows", "bytes out", "bytes in");
	store_report_egress(rp->st, rp->id, put_egress, rp);
	table_end(rp);
}

static void add_mark(struct report *rp, int64_t time_ns, int64_t pid, const char *type,
		     const char *summary)
{
	if (rp->nm == rp->capm) {
		size_t cap = rp->capm ? 2 * rp->capm : 64;
		struct mark *n = realloc(rp->m, cap * sizeof(*n));
		if (!n)
			return;
		rp->m = n;
		rp->capm = cap;
	}
	rp->m[rp->nm++] = (struct mark){time_ns, pid, strdup(type), strdup(summary)};
}

static int put_notable(void *ctx, int64_t time_ns, int64_t pid, const char *type,
		       const char *summary)
{
	struct report *rp = ctx;
	char t[40], p[24];

	fmt_rfc3339((uint64_t)time_ns, t, sizeof(t));
	snprintf(p, sizeof(p), "%" PRId64, pid);
	table_row(rp, 4, t, p, type, summary);
	add_mark(rp, time_ns, pid, type, summary);
	return 0;
}

static void notable(struct report *rp, const char *title, const char *const *prefixes)
{
	char more[96];
	int64_t n;

	progress("%s", title);
	heading(rp, title);
	table_start(rp, 4, "time (UTC)", "pid", "type", "summary");
	for (; *prefixes; prefixes++) {
		n = store_report_events(rp->st, rp->id, *prefixes, NOTABLE_MAX, put_notable, rp);
		if (n > NOTABLE_MAX) {
			snprintf(more, sizeof(more), "and %" PRId64 " more", n - NOTABLE_MAX);
			table_row(rp, 4, "", "", *prefixes, more);
		}
	}
	table_end(rp);
}

/* "-" for a count the record does not have */
static const char *count_or_dash(char *buf, size_t len, int64_t v, const char *unit)
{
	if (v < 0)
		return "-";
	snprintf(buf, len, "%" PRId64 "%s", v, unit);
	return buf;
}

/* A JSON array of names as "a, b" (tool calls of one model call). */
static void join_names(const char *json, char *out, size_t len)
{
	json_t *a = json_loads(json, 0, NULL), *v;
	size_t i, o = 0;

	out[0] = 0;
	json_array_foreach(a, i, v)
	{
		if (json_is_string(v) && o < len)
			o += (size_t)snprintf(out + o, len - o, "%s%s", i ? ", " : "",
					      json_string_value(v));
	}
	json_decref(a);
	if (!*out)
		snprintf(out, len, "-");
}

static int put_llm_call(void *ctx, const struct store_llm_call *c)
{
	struct report *rp = ctx;
	char t[40], p[24], ib[24], ob[24], db[24], cost[32] = "-", tools[512], mark[160];
	const char *in = count_or_dash(ib, sizeof(ib), c->input_tokens, "");
	const char *out = count_or_dash(ob, sizeof(ob), c->output_tokens, "");

	fmt_rfc3339((uint64_t)c->time_ns, t, sizeof(t));
	snprintf(p, sizeof(p), "%" PRId64, c->pid);
	if (c->has_cost)
		snprintf(cost, sizeof(cost), "%.4f", c->cost_usd);
	join_names(c->tool_names_json, tools, sizeof(tools));
	table_row(rp, 10, t, p, *c->provider ? c->provider : "-", *c->model ? c->model : "-", in,
		  out, count_or_dash(db, sizeof(db), c->duration_ms, " ms"), tools, cost,
		  c->complete ? "yes" : "no");
	snprintf(mark, sizeof(mark), "%s, tokens %s in / %s out", *c->model ? c->model : "model",
		 in, out);
	add_mark(rp, c->time_ns, c->pid, "llm.call", mark);
	return 0;
}

static int put_intent(void *ctx, const struct store_intent_mismatch *m)
{
	struct report *rp = ctx;
	char t[40], p[24];

	fmt_rfc3339((uint64_t)m->time_ns, t, sizeof(t));
	snprintf(p, sizeof(p), "%" PRId64, m->pid);
	table_row(rp, 6, t, p, m->call_id, m->reason, m->declared, m->observed);
	add_mark(rp, m->time_ns, m->pid, "intent.mismatch", m->reason);
	return 0;
}

/* The model calls read from the agent's TLS (docs/EVENTS-llm.md): totals,
 * the first NOTABLE_MAX calls, and the intent mismatches of tool calls. */
static void llm(struct report *rp)
{
	struct store_llm_totals tot;
	char line[256], more[64];
	int64_t n;

	progress("LLM calls");
	heading(rp, "LLM calls");
	if (store_report_llm_totals(rp->st, rp->id, &tot)) {
		para(rp, "The model calls could not be read from the store.");
		return;
	}
	if (!tot.calls) {
		para(rp, "No model calls were recorded.");
		return;
	}
	n = snprintf(line, sizeof(line),
		     "%" PRId64 " model calls, %" PRId64 " tool calls, tokens %" PRId64
		     " in / %" PRId64 " out",
		     tot.calls, tot.tool_calls, tot.input_tokens, tot.output_tokens);
	if (tot.priced)
		snprintf(line + n, sizeof(line) - (size_t)n,
			 ", cost %.4f USD (%" PRId64 " of %" PRId64 " calls priced)", tot.cost_usd,
			 tot.priced, tot.calls);
	else
		snprintf(line + n, sizeof(line) - (size_t)n, ", cost not recorded");
	para(rp, line);
	table_start(rp, 10, "time (UTC)", "pid", "provider", "model", "tokens in", "tokens out",
		    "duration", "tool calls", "cost (USD)", "complete");
	n = store_report_llm_calls(rp->st, rp->id, NOTABLE_MAX, put_llm_call, rp);
	if (n > NOTABLE_MAX) {
		snprintf(more, sizeof(more), "and %" PRId64 " more", n - NOTABLE_MAX);
		table_row(rp, 10, "", "", "", more, "", "", "", "", "", "");
	}
	table_end(rp);
	para(rp, "Intent mismatches (tool calls that did more than their command declared):");
	table_start(rp, 6, "time (UTC)", "pid", "tool call", "reason", "declared", "observed");
	n = store_report_intent(rp->st, rp->id, NOTABLE_MAX, put_intent, rp);
	if (n > NOTABLE_MAX) {
		snprintf(more, sizeof(more), "and %" PRId64 " more", n - NOTABLE_MAX);
		table_row(rp, 6, "", "", "", more, "", "");
	}
	table_end(rp);
}

/* The timeline: one lane per process (the first LANES_MAX by birth), a bar
 * from birth to exit, and a mark per notable event on its process's lane. */
static double xpos(int64_t t, int64_t t0, int64_t t1)
{
	double f = t1 > t0 ? (double)(t - t0) / (double)(t1 - t0) : 0;
	return 170 + 800 * (f < 0 ? 0 : f > 1 ? 1 : f);
}

static void timeline(struct report *rp)
{
	size_t lanes = rp->np < LANES_MAX ? rp->np : LANES_MAX, i, j;
	int64_t t0 = rp->s.start_ns, t1 = rp->s.end_ns;
	char dur[32];
	int k;

	heading(rp, "Timeline");
	if (!rp->html) {
		para(rp, "The timeline picture (SVG) is in the HTML report: --format html.");
		return;
	}
	for (i = 0; i < rp->np; i++)
		if (rp->p[i].r.end_ns > t1)
			t1 = rp->p[i].r.end_ns;
	for (i = 0; i < rp->nm; i++)
		if (rp->m[i].time_ns > t1)
			t1 = rp->m[i].time_ns;
	fprintf(rp->out,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1000\" height=\"%zu\""
		" role=\"img\"><title>process lanes over time</title>\n",
		lanes * 14 + 40);
	for (k = 0; k <= 4; k++) {
		double x = 170 + 200 * k;
		fmt_duration((uint64_t)((t1 - t0) / 4 * k), dur, sizeof(dur));
		fprintf(rp->out,
			"<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%zu\" stroke=\"#ddd\"/>"
			"<text x=\"%.1f\" y=\"%zu\">+%s</text>\n",
			x, x, lanes * 14 + 10, x - 10, lanes * 14 + 25, dur);
	}
	for (i = 0; i < lanes; i++) {
		struct proc *p = &rp->p[i];
		double a = xpos(born(p), t0, t1), b = xpos(p->r.end_ns ? p->r.end_ns : t1, t0, t1);
		char label[24];

		snprintf(label, sizeof(label), "%.14s %" PRId64, p->label, p->r.pid);
		fprintf(rp->out, "<text x=\"0\" y=\"%zu\">", i * 14 + 11);
		text(rp, label);
		fprintf(rp->out,
			"</text><rect x=\"%.1f\" y=\"%zu\" width=\"%.1f\" height=\"10\""
			" fill=\"#7aa7d8\"><title>",
			a, i * 14 + 2, b - a < 1 ? 1 : b - a);
		text(rp, p->label);
		fputs("</title></rect>\n", rp->out);
	}
	for (j = 0; j < rp->nm; j++) {
		struct mark *m = &rp->m[j];
		for (i = 0; i < lanes && rp->p[i].r.pid != m->pid; i++)
			;
		if (i == lanes)
			continue;
		fprintf(rp->out, "<circle cx=\"%.1f\" cy=\"%zu\" r=\"4\" fill=\"%s\"><title>",
			xpos(m->time_ns, t0, t1), i * 14 + 7,
			!strncmp(m->type, "llm.", 4)		     ? "#7b3fbf"
			: strncmp(m->type, "security.privilege", 18) ? "#c00"
								     : "#e80");
		text(rp, m->type);
		fputs(": ", rp->out);
		text(rp, m->summary);
		fputs("</title></circle>\n", rp->out);
	}
	fputs("</svg>\n", rp->out);
	if (rp->np > lanes)
		fprintf(rp->out, "<p>%zu more processes are not drawn.</p>\n", rp->np - lanes);
}

static void free_report(struct report *rp)
{
	size_t i;

	for (i = 0; i < rp->np; i++)
		free(rp->p[i].label), free(rp->p[i].signal), free(rp->p[i].notes);
	for (i = 0; i < rp->nm; i++)
		free(rp->m[i].type), free(rp->m[i].summary);
	free(rp->p);
	pid_index_free(&rp->ix);
	free(rp->m);
	free(rp->session_id), free(rp->agent), free(rp->project), free(rp->user);
	free(rp->host), free(rp->command), free(rp->drops_detail);
}

static const char css[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
	"table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;"
	"padding:2px 6px;text-align:left;vertical-align:top}th{background:#f0f0f0}"
	"code{font:12px monospace}ul{list-style:none;padding-left:1.2em}"
	".notes li{color:#555;font-size:12px}.alert{color:#b00!important;font-weight:bold}"
	"svg text{font:10px monospace}";

static void write_report(struct report *rp)
{
	static const char *const security[] = {"security.escape", "security.privilege",
					       "security.memexec", NULL};
	static const char *const policy[] = {"policy.violation", NULL};

	if (rp->html) {
		fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
		      "<title>proctor report ",
		      rp->out);
		text(rp, rp->session_id);
		fprintf(rp->out, "</title><style>%s</style></head><body>\n<h1>", css);
	} else
		fputs("# ", rp->out);
	fputs("proctor incident report: ", rp->out);
	text(rp, rp->session_id);
	fputs(rp->html ? "</h1>\n" : "\n", rp->out);
	summary(rp);
	tree(rp);
	secrets(rp);
	egress(rp);
	notable(rp, "Escapes and privilege changes", security);
	notable(rp, "Policy violations", policy);
	llm(rp);
	progress("timeline");
	timeline(rp);
	if (rp->html)
		fputs("</body></html>\n", rp->out);
}

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"format", required_argument, 0, 'f'},
		{"db", required_argument, 0, 'd'},
		{"help", no_argument, 0, 'h'},
		{0},
	};
	struct report rp = {.out = stdout, .html = true};
	struct store_session_query q = {0};
	const char *db = NULL;
	struct store st;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "html") && strcmp(optarg, "md")) {
				err_msg("report: --format must be html or md, not '%s'", optarg);
				return EXIT_USAGE;
			}
			rp.html = !strcmp(optarg, "html");
			break;
		case 'd': db = optarg; break;
		case 'h': puts(report_usage); return 0;
		case ':':
			err_msg("report: option '%s' needs a value\n%s", argv[optind - 1],
				report_usage);
			return EXIT_USAGE;
		default:
			err_msg("report: unknown option '%s'\n%s", argv[optind - 1], report_usage);
			return EXIT_USAGE;
		}
	}
	if ((rc = cli_open_session(argc, argv, db, &st, rp.id, sizeof(rp.id))))
		return rc;
	rp.st = &st;
	q.id = rp.id;
	if (store_api_sessions(&st, &q, take_session, &rp) || !rp.session_id) {
		err_msg("report: cannot read session %s: %s", rp.id, store_errmsg(&st));
		store_close(&st);
		free_report(&rp);
		return 1;
	}
	write_report(&rp);
	rc = fflush(stdout) || ferror(stdout) ? 1 : 0;
	if (rc)
		err_msg("report: writing the report failed");
	progress("done");
	free_report(&rp);
	store_close(&st);
	return rc;
}
