/* api.c: the /api/v1 routes: sessions (filtered, scoped to the token's
 * projects), one session, its events (filtered, cursor pages), tree, flows,
 * violations, LLM calls, the live stream (sse.c) and the admin-only audit.
 * A session outside the token's scope is a 404, the same as one that does
 * not exist. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/liveness.h"
#include "model/paths.h"
#include "serve/params.h"
#include "serve/req.h"
#include "store/session_json.h"
#include "util/util.h"

struct list_ctx {
	struct strbuf *sb;
	int n;
	const char *status; /* only sessions of this status; NULL: all */
	int64_t end_ns;	    /* the last session written: its end (0: none yet) */
};

/* live, ended or crashed: marked so by the store (store_mark_crashed), or
 * not ended and its recorder's liveness file held by no one (app/liveness.h:
 * a daemon's sessions have none) */
static const char *status_of(const struct store_session_row *r, bool *crashed)
{
	*crashed = r->crashed || (!r->end_ns && liveness_crashed(r->id));
	return *crashed ? "crashed" : r->end_ns ? "ended" : "live";
}

static int put_session(void *ctx, const struct store_session_row *r)
{
	struct list_ctx *c = ctx;
	struct store_session_row row = *r;
	const char *status = status_of(r, &row.crashed);

	if (c->status && strcmp(c->status, status))
		return 0;
	if (c->n++)
		sb_putc(c->sb, ',');
	c->end_ns = r->end_ns;
	session_row_json(c->sb, &row, SESSION_JSON_STATUS);
	return 0;
}

static const char *scope_of(struct req *r)
{
	return *r->tok.projects_json ? r->tok.projects_json : NULL;
}

static void sessions(struct req *r)
{
	static const char *const args[] = {"agent", "project", "status", "since", "until", NULL};
	struct store_session_query q = {.projects_json = scope_of(r)};
	struct list_ctx c = {.sb = &r->body};

	if (req_check_args(r, args) || req_arg_time(r, "since", &q.since_ns) ||
	    req_arg_time(r, "until", &q.until_ns))
		return;
	q.agent = req_arg(r, "agent");
	q.project = req_arg(r, "project");
	c.status = req_arg(r, "status");
	if (c.status && strcmp(c.status, "live") && strcmp(c.status, "ended") &&
	    strcmp(c.status, "crashed")) {
		req_error(r, MHD_HTTP_BAD_REQUEST, "status: expected live, ended or crashed");
		return;
	}
	sb_puts(&r->body, "{\"sessions\":[");
	if (store_api_sessions(&r->st, &q, put_session, &c)) {
		req_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "store query failed");
		return;
	}
	sb_puts(&r->body, "]}\n");
	r->status = MHD_HTTP_OK;
}

/* The session if it exists and the token may see it: 0, else a 404 set.
 * Its end (0: not ended) into *end_ns when end_ns is not NULL. */
static int find_session(struct req *r, const char *id, struct strbuf *out, int64_t *end_ns)
{
	struct store_session_query q = {.id = id, .projects_json = scope_of(r)};
	struct list_ctx c = {.sb = out};

	if (store_api_sessions(&r->st, &q, put_session, &c)) {
		req_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "store query failed");
		return -1;
	}
	if (!c.n) {
		req_error(r, MHD_HTTP_NOT_FOUND, "no such session");
		return -1;
	}
	if (end_ns)
		*end_ns = c.end_ns;
	return 0;
}

static void session_one(struct req *r, const char *id)
{
	struct strbuf one = STRBUF_INIT;

	if (!req_check_args(r, NULL) && !find_session(r, id, &one, NULL)) {
		sb_append(&r->body, one.buf, one.len);
		sb_putc(&r->body, '\n');
		r->status = MHD_HTTP_OK;
	}
	sb_free(&one);
}

struct page_ctx {
	struct strbuf *sb;
	int n;
	int64_t last_time, last_id;
};

static int put_event(void *ctx, int64_t id, int64_t time_ns, const char *json)
{
	struct page_ctx *c = ctx;

	if (c->n++)
		sb_putc(c->sb, ',');
	sb_puts(c->sb, json);
	c->last_time = time_ns;
	c->last_id = id;
	return 0;
}

static int parse_cursor(struct req *r, struct store_event_page *p)
{
	const char *v = req_arg(r, "cursor");

	p->after_time = -1;
	p->after_id = 0;
	if (v && api_parse_cursor(v, &p->after_time, &p->after_id)) {
		req_error(r, MHD_HTTP_BAD_REQUEST, "cursor: not a cursor from next_cursor");
		return -1;
	}
	return 0;
}

/* A page of events; type_fixed restricts the type (flows, violations). */
static void events(struct req *r, const char *id, const char *type_fixed)
{
	static const char *const args[] = {"type",  "pid",    "path",  "host", "since",
					   "until", "cursor", "limit", NULL};
	struct store_event_page p = {.f.session = id};
	struct strbuf one = STRBUF_INIT;
	struct page_ctx c = {.sb = &r->body};
	int64_t limit = 0;
	int n;

	if (req_check_args(r, args) || req_arg_i64(r, "pid", &p.f.pid) ||
	    req_arg_time(r, "since", &p.since_ns) || req_arg_time(r, "until", &p.until_ns) ||
	    req_arg_i64(r, "limit", &limit) || parse_cursor(r, &p) ||
	    find_session(r, id, &one, NULL)) {
		sb_free(&one);
		return;
	}
	sb_free(&one);
	p.f.type_prefix = type_fixed ? type_fixed : req_arg(r, "type");
	p.f.path_glob = req_arg(r, "path");
	p.f.host = req_arg(r, "host");
	p.limit = !limit ? API_LIMIT_DEFAULT : limit > API_LIMIT_MAX ? API_LIMIT_MAX : (int)limit;
	sb_puts(&r->body, "{\"events\":[");
	n = store_api_events(&r->st, &p, put_event, &c);
	if (n < 0) {
		req_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "store query failed");
		return;
	}
	sb_printf(&r->body, "],\"limit\":%d,\"next_cursor\":", p.limit);
	if (n == p.limit)
		sb_printf(&r->body, "\"%" PRId64 "_%" PRId64 "\"}\n", c.last_time, c.last_id);
	else
		sb_puts(&r->body, "null}\n");
	r->status = MHD_HTTP_OK;
}

struct tree_ctx {
	struct strbuf *sb;
	int n;
	/* only processes whose life [start or exec, end] meets [since, until)
	 * (0: unbounded); a process with no end lives to the session's end,
	 * or on while the session has none */
	int64_t since_ns, until_ns, session_end_ns;
	struct note {
		int64_t pid;
		size_t seq; /* order of arrival, kept among a pid's notes */
		char *text;
	} * notes; /* sorted by pid before the processes are written */
	size_t nnotes, cap;
};

static int collect_note(void *ctx, int64_t pid, const char *note)
{
	struct tree_ctx *c = ctx;

	if (c->nnotes == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		struct note *n = realloc(c->notes, cap * sizeof(*n));
		if (!n)
			return -1;
		c->notes = n;
		c->cap = cap;
	}
	c->notes[c->nnotes].pid = pid;
	c->notes[c->nnotes].seq = c->nnotes;
	c->notes[c->nnotes++].text = strdup(note);
	return 0;
}

static int cmp_note(const void *a, const void *b)
{
	const struct note *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The first of pid's notes (bisection), or nnotes. */
static size_t first_note(const struct tree_ctx *c, int64_t pid)
{
	size_t lo = 0, hi = c->nnotes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->notes[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool in_range(const struct tree_ctx *c, const struct store_process_row *p)
{
	int64_t start = p->start_ns ? p->start_ns : p->exec_ns;
	int64_t end = p->end_ns ? p->end_ns : c->session_end_ns ? c->session_end_ns : INT64_MAX;

	return (!c->until_ns || start < c->until_ns) && (!c->since_ns || end >= c->since_ns);
}

static int put_process(void *ctx, const struct store_process_row *p)
{
	struct tree_ctx *c = ctx;
	char t[40];
	size_t i;
	int k = 0;

	if (!in_range(c, p))
		return 0;
	if (c->n++)
		sb_putc(c->sb, ',');
	sb_printf(c->sb, "{\"pid\":%" PRId64 ",\"ppid\":%" PRId64 ",\"exe\":", p->pid, p->ppid);
	sb_json_str(c->sb, p->exe);
	sb_printf(c->sb, ",\"argv\":%s,\"comm\":", *p->argv_json ? p->argv_json : "[]");
	sb_json_str(c->sb, p->comm);
	sb_puts(c->sb, ",\"cwd\":");
	sb_json_str(c->sb, p->cwd);
	fmt_rfc3339((uint64_t)(p->start_ns ? p->start_ns : p->exec_ns), t, sizeof(t));
	sb_printf(c->sb, ",\"uid\":%" PRId64 ",\"start\":\"%s\"", p->uid, t);
	if (p->end_ns) {
		fmt_rfc3339((uint64_t)p->end_ns, t, sizeof(t));
		sb_printf(c->sb, ",\"end\":\"%s\"", t);
	}
	if (p->has_exit) {
		sb_printf(c->sb, ",\"exit.code\":%" PRId64 ",\"exit.signal\":", p->exit_code);
		sb_json_str(c->sb, p->exit_signal);
	}
	sb_puts(c->sb, ",\"notes\":[");
	for (i = first_note(c, p->pid); i < c->nnotes && c->notes[i].pid == p->pid; i++) {
		if (!c->notes[i].text)
			continue;
		if (k++)
			sb_putc(c->sb, ',');
		sb_json_str(c->sb, c->notes[i].text);
	}
	sb_puts(c->sb, "]}");
	return 0;
}

static void tree(struct req *r, const char *id)
{
	static const char *const args[] = {"since", "until", NULL};
	struct tree_ctx c = {.sb = &r->body};
	struct strbuf one = STRBUF_INIT;
	size_t i;
	int rc;

	if (req_check_args(r, args) || req_arg_time(r, "since", &c.since_ns) ||
	    req_arg_time(r, "until", &c.until_ns) || find_session(r, id, &one, &c.session_end_ns)) {
		sb_free(&one);
		return;
	}
	sb_free(&one);
	rc = store_foreach_tree_note(&r->st, id, credential_path_globs, collect_note, &c);
	if (c.nnotes)
		qsort(c.notes, c.nnotes, sizeof(*c.notes), cmp_note);
	sb_puts(&r->body, "{\"processes\":[");
	if (!rc)
		rc = store_foreach_process(&r->st, id, put_process, &c);
	for (i = 0; i < c.nnotes; i++)
		free(c.notes[i].text);
	free(c.notes);
	if (rc) {
		req_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "store query failed");
		return;
	}
	sb_puts(&r->body, "]}\n");
	r->status = MHD_HTTP_OK;
}

static int put_audit(void *ctx, int64_t time_ns, const char *action, const char *actor,
		     const char *detail)
{
	struct list_ctx *c = ctx;
	char t[40];

	fmt_rfc3339((uint64_t)time_ns, t, sizeof(t));
	if (c->n++)
		sb_putc(c->sb, ',');
	sb_printf(c->sb, "{\"time\":\"%s\",\"action\":", t);
	sb_json_str(c->sb, action);
	sb_puts(c->sb, ",\"actor\":");
	sb_json_str(c->sb, actor);
	sb_printf(c->sb, ",\"detail\":%s}", detail && *detail ? detail : "{}");
	return 0;
}

static void audit(struct req *r)
{
	struct list_ctx c = {.sb = &r->body};

	if (req_check_args(r, NULL))
		return;
	if (strcmp(r->tok.scope, "admin")) {
		req_error(r, MHD_HTTP_FORBIDDEN, "needs an admin token");
		return;
	}
	sb_puts(&r->body, "{\"audit\":[");
	if (store_foreach_audit(&r->st, put_audit, &c)) {
		req_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "store query failed");
		return;
	}
	sb_puts(&r->body, "]}\n");
	r->status = MHD_HTTP_OK;
}

static void stream(struct req *r, const char *id)
{
	struct strbuf one = STRBUF_INIT;
	static const char *const args[] = {"from", NULL};

	if (!req_check_args(r, args) && !find_session(r, id, &one, NULL))
		sse_start(r, id);
	sb_free(&one);
}

void api_route(struct req *r, const char *path)
{
	char id[65];
	const char *rest;

	if (!strcmp(path, "sessions"))
		return sessions(r);
	if (!strcmp(path, "audit"))
		return audit(r);
	if (api_session_path(path, id, &rest))
		goto unknown;
	if (!rest)
		return session_one(r, id);
	if (!strcmp(rest, "events"))
		return events(r, id, NULL);
	if (!strcmp(rest, "flows"))
		return events(r, id, "net.flow");
	if (!strcmp(rest, "violations"))
		return events(r, id, "policy.violation");
	if (!strcmp(rest, "llm"))
		return events(r, id, "llm.");
	if (!strcmp(rest, "tree"))
		return tree(r, id);
	if (!strcmp(rest, "events/stream"))
		return stream(r, id);
unknown:
	req_error(r, MHD_HTTP_NOT_FOUND, "not found");
}
