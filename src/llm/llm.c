/* llm.c: connections, request/response pairing and the llm.call and
 * llm.tool_call records (llm.h). */
#include "llm/llm.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int llm_init(struct llm *l, const struct llm_emit *e)
{
	memset(l, 0, sizeof(*l));
	l->emit = *e;
	l->conns = calloc(LLM_CONNS, sizeof(*l->conns));
	return l->conns ? 0 : -ENOMEM;
}

/* ---- records --------------------------------------------------------------- */

static bool bash_like(const char *name)
{
	static const char *const names[] = {"Bash", "bash", "shell", "local_shell", "exec_command"};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

static void add_str_if(struct record *r, const char *key, const char *v)
{
	if (v && *v)
		record_add_str(r, key, v);
}

static void add_int_if(struct record *r, const char *key, int64_t v)
{
	if (v >= 0)
		record_add_int(r, key, v);
}

/* server.address and server.port from the Host header. */
static void add_server(struct record *r, const char *host)
{
	const char *colon = strrchr(host, ':');
	char *end;
	long port;

	if (colon && !strchr(colon, ']') && colon[1]) {
		port = strtol(colon + 1, &end, 10);
		if (!*end && port > 0 && port < 65536) {
			record_add_str(r, "server.address",
				       record_strndup(r, host, (size_t)(colon - host)));
			record_add_int(r, "server.port", port);
			return;
		}
	}
	add_str_if(r, "server.address", host);
}

static int64_t ms_between(uint64_t a, uint64_t b)
{
	return a && b >= a ? (int64_t)((b - a) / 1000000u) : -1;
}

static void add_call_fields(struct record *r, const struct llm_conn *k, const struct llm_call *c)
{
	const char *path_end = strchr(c->path, '?'); /* a query may carry a key: never kept */
	const char **ids = record_alloc(r, sizeof(char *) * (size_t)(c->ntools + 1));
	const char **names = record_alloc(r, sizeof(char *) * (size_t)(c->ntools + 1));
	int i;

	record_add_str_ref(r, "gen_ai.provider.name", llm_provider_name(c->provider));
	record_add_str_ref(r, "gen_ai.operation.name", "chat");
	add_str_if(r, "gen_ai.request.model", c->req_model);
	add_str_if(r, "gen_ai.response.model", c->resp_model);
	add_str_if(r, "gen_ai.response.id", c->resp_id);
	add_int_if(r, "gen_ai.usage.input_tokens", c->in_tok);
	add_int_if(r, "gen_ai.usage.output_tokens", c->out_tok);
	add_int_if(r, "gen_ai.usage.cache_read.input_tokens", c->cache_read);
	add_int_if(r, "gen_ai.usage.cache_creation.input_tokens", c->cache_create);
	if (c->finish[0]) {
		const char *f = c->finish;
		record_add_strv(r, "gen_ai.response.finish_reasons", &f, 1);
	}
	if (c->stream >= 0)
		record_add_bool(r, "gen_ai.request.stream", c->stream);
	add_server(r, c->host);
	record_add_str(r, "url.path",
		       path_end ? record_strndup(r, c->path, (size_t)(path_end - c->path))
				: c->path);
	add_str_if(r, "http.request.method", c->method);
	if (c->status)
		record_add_int(r, "http.response.status_code", c->status);
	add_str_if(r, "error.type", c->error_type);
	add_int_if(r, "llm.duration_ms", ms_between(c->t_req_ns, c->t_end_ns));
	add_int_if(r, "llm.time_to_first_chunk_ms", ms_between(c->t_req_ns, c->t_first_ns));
	if (ids && names) {
		for (i = 0; i < c->ntools; i++) {
			ids[i] = c->tools[i].id;
			names[i] = c->tools[i].name;
		}
		record_add_strv(r, "llm.tool_calls", ids, (uint32_t)c->ntools);
		record_add_strv(r, "llm.tool_calls.names", names, (uint32_t)c->ntools);
	}
	if (c->tools_lost)
		record_add_int(r, "llm.tool_calls_lost", c->tools_lost);
	if (c->want_content) { /* redacted by the pipeline like every field */
		add_str_if(r, "gen_ai.input.messages", c->prompt);
		add_str_if(r, "gen_ai.system_instructions", c->system);
		if (c->text.len)
			record_add_str_ref(r, "llm.response.text",
					   record_strndup(r, c->text.buf, c->text.len));
		if (c->content_cut)
			record_add_bool(r, "llm.content_truncated", true);
	}
	record_add_bool(r, "llm.complete", c->done && !c->incomplete && !c->req_incomplete);
	record_add_str_ref(r, "tls.library", llm_tls_library(k->lib));
}

const char *llm_tls_library(unsigned lib)
{
	switch (lib) {
	case PR_TLS_LIB_OPENSSL: return "openssl";
	case PR_TLS_LIB_GNUTLS: return "gnutls";
	case PR_TLS_LIB_BORINGSSL: return "boringssl";
	default: return "unknown";
	}
}

/* The command of a Bash-like tool's input ({"command": "..."}). */
static void add_tool_command(struct llm *l, const struct pr_hdr *h, struct record *r,
			     const struct llm_tool *t)
{
	json_t *j = t->args.len ? json_loadb(t->args.buf, t->args.len, 0, NULL) : NULL;
	const char *cmd = json_string_value(json_object_get(j, "command"));

	if (!cmd && json_is_array(json_object_get(j, "command"))) {
		json_t *a = json_object_get(j, "command");
		size_t n = json_array_size(a);
		cmd = n ? json_string_value(json_array_get(a, n - 1)) : NULL;
	}
	add_str_if(r, "gen_ai.tool.call.arguments", t->args.buf);
	add_str_if(r, "llm.tool.command", cmd);
	if (cmd && *cmd && t->id[0] && l->emit.tool)
		l->emit.tool(l->emit.ctx, h, t->id, cmd);
	json_decref(j);
}

/* llm.cost_usd from the price table, by the response's model, else the request's. */
static void add_cost(struct llm *l, struct record *r, const struct llm_call *c)
{
	const struct llm_price *x;
	double usd;

	if (c->in_tok < 0 && c->out_tok < 0)
		return; /* no usage: nothing to price */
	x = l->prices ? llm_price_find(l->prices, c->resp_model[0] ? c->resp_model : c->req_model)
		      : NULL;
	if (!x || (usd = llm_call_cost(x, c)) < 0) {
		l->unpriced++;
		return;
	}
	record_add_double(r, "llm.cost_usd", usd);
	l->cost_usd += usd;
	l->priced++;
}

static void count_tool(struct llm *l, const char *name)
{
	int i;

	for (i = 0; i < l->ntool_names; i++)
		if (!strcmp(l->tool_names[i].name, name)) {
			l->tool_names[i].n++;
			return;
		}
	if (l->ntool_names == LLM_TOOL_NAMES) {
		l->tool_names_other++;
		return;
	}
	snprintf(l->tool_names[i].name, sizeof(l->tool_names[i].name), "%s", name);
	l->tool_names[l->ntool_names++].n = 1;
}

static void emit_call(struct llm *l, struct llm_conn *k, struct llm_call *c)
{
	struct pr_hdr h = k->hdr;
	struct record *r;
	int i;

	if (!c->t_end_ns)
		c->t_end_ns = k->now_ns;
	h.ts_ns = c->t_end_ns;
	r = l->emit.begin(l->emit.ctx, &h, PR_EV_LLM_CALL, "llm.call");
	if (r) {
		add_call_fields(r, k, c);
		add_cost(l, r, c);
		l->emit.commit(l->emit.ctx, r);
		l->calls++;
		l->in_tokens += c->in_tok > 0 ? (uint64_t)c->in_tok : 0;
		l->out_tokens += c->out_tok > 0 ? (uint64_t)c->out_tok : 0;
	}
	for (i = 0; i < c->ntools; i++) {
		const struct llm_tool *t = &c->tools[i];
		r = l->emit.begin(l->emit.ctx, &h, PR_EV_LLM_TOOL_CALL, "llm.tool_call");
		if (!r)
			continue;
		record_add_str_ref(r, "gen_ai.provider.name", llm_provider_name(c->provider));
		add_str_if(r, "gen_ai.response.id", c->resp_id);
		add_str_if(r, "gen_ai.tool.name", t->name);
		add_str_if(r, "gen_ai.tool.call.id", t->id);
		if (bash_like(t->name))
			add_tool_command(l, &h, r, t);
		l->emit.commit(l->emit.ctx, r);
		l->tool_calls++;
		count_tool(l, t->name[0] ? t->name : "?");
	}
	llm_call_free(c);
	free(c);
}

/* ---- the request side ------------------------------------------------------ */

static void req_head(void *ctx, const struct http_msg *m)
{
	struct llm_conn *k = ctx;
	enum llm_provider p = llm_provider_of_path(m->path);

	k->req_body.len = 0;
	k->req_cut = false;
	k->req_seen = true;
	if (p == LLM_NONE || strcmp(m->method, "POST") ||
	    !(k->building = malloc(sizeof(*k->building))))
		return;
	llm_call_init(k->building);
	k->building->provider = p;
	k->building->t_req_ns = k->now_ns;
	k->building->want_content = k->owner->capture_content;
	snprintf(k->building->method, sizeof(k->building->method), "%s", m->method);
	snprintf(k->building->path, sizeof(k->building->path), "%s", m->path);
	snprintf(k->building->host, sizeof(k->building->host), "%s", m->host);
}

static void req_body(void *ctx, const char *p, size_t n)
{
	struct llm_conn *k = ctx;

	if (!k->building || k->req_cut)
		return;
	if (k->req_body.len + n > LLM_BODY_MAX || sb_append(&k->req_body, p, n))
		k->req_cut = true;
}

static void enqueue(struct llm_conn *k, struct llm_call *c, bool is_llm)
{
	if (k->nq == LLM_QUEUE) { /* responses never came: the oldest is given up */
		if (k->queue[0]) {
			k->queue[0]->incomplete = true;
			emit_call(k->owner, k, k->queue[0]);
		}
		memmove(k->queue, k->queue + 1, sizeof(k->queue[0]) * (LLM_QUEUE - 1));
		memmove(k->queue_llm, k->queue_llm + 1, sizeof(k->queue_llm[0]) * (LLM_QUEUE - 1));
		k->nq--;
	}
	k->queue[k->nq] = c;
	k->queue_llm[k->nq++] = is_llm;
}

static void req_done(void *ctx, const struct http_msg *m)
{
	struct llm_conn *k = ctx;
	struct llm_call *c = k->building;

	(void)m;
	k->building = NULL;
	if (c) {
		if (k->req_cut)
			c->req_incomplete = true;
		else
			llm_read_request(c, k->req_body.buf ? k->req_body.buf : "",
					 k->req_body.len);
	}
	enqueue(k, c, c != NULL);
	k->req_body.len = 0;
}

/* ---- the response side ----------------------------------------------------- */

static void resp_head(void *ctx, const struct http_msg *m)
{
	struct llm_conn *k = ctx;

	k->cur_1xx = m->status / 100 == 1;
	if (k->cur_1xx)
		return;
	k->cur = NULL;
	if (!k->nq && !k->req_seen)
		k->owner->unpaired++;
	if (k->nq) {
		k->cur = k->queue[0];
		memmove(k->queue, k->queue + 1, sizeof(k->queue[0]) * (LLM_QUEUE - 1));
		memmove(k->queue_llm, k->queue_llm + 1, sizeof(k->queue_llm[0]) * (LLM_QUEUE - 1));
		k->nq--;
	}
	k->cur_sse = strstr(m->content_type, "text/event-stream") != NULL;
	k->resp_body.len = 0;
	k->resp_cut = false;
	sse_reset(&k->sse);
	if (k->cur)
		k->cur->status = m->status;
}

static void on_sse(void *ctx, const char *event, const char *data, size_t n, bool cut)
{
	struct llm_call *c = ctx;

	if (cut)
		c->incomplete = true;
	else
		llm_read_event(c, event, data, n);
}

static void resp_body(void *ctx, const char *p, size_t n)
{
	struct llm_conn *k = ctx;
	struct llm_call *c = k->cur;

	if (!c)
		return;
	if (!c->t_first_ns)
		c->t_first_ns = k->now_ns;
	if (k->cur_sse)
		sse_feed(&k->sse, p, n, on_sse, c);
	else if (!k->resp_cut &&
		 (k->resp_body.len + n > LLM_BODY_MAX || sb_append(&k->resp_body, p, n)))
		k->resp_cut = true;
}

static void resp_done(void *ctx, const struct http_msg *m)
{
	struct llm_conn *k = ctx;
	struct llm_call *c = k->cur;

	(void)m;
	if (k->cur_1xx || !c)
		return;
	k->cur = NULL;
	if (!k->cur_sse && !k->resp_cut && k->resp_body.len)
		llm_read_response(c, k->resp_body.buf, k->resp_body.len);
	if (k->resp_cut || (k->cur_sse && !c->done))
		c->incomplete = true;
	c->t_end_ns = k->now_ns;
	emit_call(k->owner, k, c);
	k->resp_body.len = 0;
}

static const struct http_cb req_cb = {req_head, req_body, req_done, NULL};
static const struct http_cb resp_cb = {resp_head, resp_body, resp_done, NULL};

/* ---- connections ------------------------------------------------------------- */

/* Everything open on k is emitted as incomplete; k is freed. */
static void close_conn(struct llm *l, struct llm_conn *k)
{
	int i;

	if (k->cur) {
		k->cur->incomplete = true;
		emit_call(l, k, k->cur);
	}
	for (i = 0; i < k->nq; i++)
		if (k->queue[i]) {
			k->queue[i]->incomplete = true;
			emit_call(l, k, k->queue[i]);
		}
	if (k->building) {
		llm_call_free(k->building);
		free(k->building);
	}
	free(k->req_body.buf);
	free(k->resp_body.buf);
	sse_free(&k->sse);
	memset(k, 0, sizeof(*k));
}

static struct llm_conn *conn_get(struct llm *l, uint32_t pid, uint64_t conn)
{
	struct llm_conn *k, *free_slot = NULL, *oldest = NULL;
	size_t i;

	for (i = 0; i < LLM_CONNS; i++) {
		k = &l->conns[i];
		if (!k->used) {
			if (!free_slot)
				free_slot = k;
			continue;
		}
		if (k->pid == pid && k->conn == conn)
			return k;
		if (!oldest || k->last_ns < oldest->last_ns)
			oldest = k;
	}
	if (!free_slot) {
		if (oldest->cur || oldest->nq)
			l->evicted++;
		close_conn(l, oldest);
		free_slot = oldest;
	}
	k = free_slot;
	k->used = true;
	k->pid = pid;
	k->conn = conn;
	k->owner = l;
	http_init(&k->req, false);
	http_init(&k->resp, true);
	sse_init(&k->sse);
	return k;
}

/* Bytes of a direction were lost (the kernel's cut, or a gap in offsets):
 * what was in progress there is given up, the parser waits for a new message. */
static void lost_bytes(struct llm_conn *k, bool read)
{
	if (read) {
		if (k->cur && !k->cur_1xx) {
			k->cur->incomplete = true;
			emit_call(k->owner, k, k->cur);
		}
		k->cur = NULL;
		http_reset(&k->resp);
		sse_reset(&k->sse);
	} else {
		if (k->building) {
			k->building->req_incomplete = true;
			enqueue(k, k->building, true);
			k->building = NULL;
		}
		http_reset(&k->req);
	}
}

void llm_feed(struct llm *l, const void *data, size_t len)
{
	const struct pr_tls_data *d = data;
	struct http_cb cb;
	struct llm_conn *k;
	struct http_parser *hp;
	bool read;
	int dir;

	if (len < sizeof(*d) || d->len > len - sizeof(*d) || d->len > PR_TLS_CHUNK ||
	    d->off > d->total || d->len > d->total - d->off) {
		l->bad++;
		return;
	}
	read = d->hdr.flags & PR_TLS_READ;
	dir = read ? 1 : 0;
	k = conn_get(l, d->hdr.pid, d->conn);
	k->hdr = d->hdr;
	k->lib = d->lib;
	k->now_ns = k->last_ns = d->hdr.ts_ns;
	hp = read ? &k->resp : &k->req;
	if (d->off != k->next_off[dir])
		lost_bytes(k, read);
	if (d->off == 0 && hp->state == HTTP_BAD)
		http_reset(hp);
	cb = read ? resp_cb : req_cb;
	cb.ctx = k;
	http_feed(hp, d->data, d->len, &cb);
	if (hp->state == HTTP_BAD)
		l->unparsed_bytes += d->len;
	k->next_off[dir] = d->off + d->len == d->total ? 0 : d->off + d->len;
	if (d->hdr.flags & PR_TLS_CUT) {
		lost_bytes(k, read);
		k->next_off[dir] = 0;
	}
}

void llm_forget_pid(struct llm *l, uint32_t pid)
{
	size_t i;

	for (i = 0; l->conns && i < LLM_CONNS; i++)
		if (l->conns[i].used && l->conns[i].pid == pid)
			close_conn(l, &l->conns[i]);
}

void llm_forget_session(struct llm *l, uint64_t session_key)
{
	size_t i;

	for (i = 0; l->conns && i < LLM_CONNS; i++)
		if (l->conns[i].used && l->conns[i].hdr.session_key == session_key)
			close_conn(l, &l->conns[i]);
}

void llm_free(struct llm *l)
{
	size_t i;

	for (i = 0; l->conns && i < LLM_CONNS; i++)
		if (l->conns[i].used)
			close_conn(l, &l->conns[i]);
	free(l->conns);
	l->conns = NULL;
}
