/* call.c: the providers' JSON, read with jansson into struct llm_call
 * (call.h). Unknown events and fields are ignored; malformed JSON is
 * counted on the call, never fatal. */
#include "llm/call.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void llm_call_init(struct llm_call *c)
{
	memset(c, 0, sizeof(*c));
	c->stream = -1;
	c->in_tok = c->out_tok = c->cache_read = c->cache_create = -1;
}

void llm_call_free(struct llm_call *c)
{
	int i;

	for (i = 0; i < c->ntools; i++)
		free(c->tools[i].args.buf);
	free(c->prompt);
	free(c->system);
	free(c->text.buf);
	llm_call_init(c);
}

enum llm_provider llm_provider_of_path(const char *path)
{
	if (strstr(path, "/v1/messages") && !strstr(path, "count_tokens"))
		return LLM_ANTHROPIC;
	if (strstr(path, "/v1/responses") || strstr(path, "/v1/chat/completions"))
		return LLM_OPENAI;
	return LLM_NONE;
}

const char *llm_provider_name(enum llm_provider p)
{
	return p == LLM_ANTHROPIC ? "anthropic" : p == LLM_OPENAI ? "openai" : "";
}

static void copy_str(char *dst, size_t cap, json_t *v)
{
	const char *s = json_string_value(v);

	if (s)
		snprintf(dst, cap, "%s", s);
}

static void set_int(int64_t *dst, json_t *v)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		*dst = json_integer_value(v);
}

static json_t *parse(struct llm_call *c, const char *p, size_t n)
{
	json_t *j = json_loadb(p, n, JSON_DECODE_ANY, NULL);

	if (!j || !json_is_object(j)) {
		json_decref(j);
		c->bad_events++;
		return NULL;
	}
	return j;
}

/* A content field: a string as is, anything else as compact JSON; cut at
 * LLM_CONTENT_MAX (noted on the call). NULL when v is absent. */
static char *content_of(struct llm_call *c, json_t *v)
{
	char *s;

	if (!v || json_is_null(v))
		return NULL;
	s = json_is_string(v) ? strdup(json_string_value(v))
			      : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (s && strlen(s) > LLM_CONTENT_MAX) {
		s[LLM_CONTENT_MAX] = 0;
		c->content_cut = true;
	}
	return s;
}

/* Response text, appended up to LLM_CONTENT_MAX. */
static void add_text(struct llm_call *c, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!c->want_content || !n)
		return;
	if (c->text.len + n > LLM_CONTENT_MAX) {
		n = LLM_CONTENT_MAX - c->text.len;
		c->content_cut = true;
	}
	sb_append(&c->text, s, n);
}

void llm_read_request(struct llm_call *c, const char *body, size_t n)
{
	json_t *j = parse(c, body, n), *s;

	if (!j)
		return;
	copy_str(c->req_model, sizeof(c->req_model), json_object_get(j, "model"));
	s = json_object_get(j, "stream");
	if (json_is_boolean(s))
		c->stream = json_is_true(s);
	if (c->want_content) {
		c->prompt = content_of(c, json_object_get(j, "messages")
						  ?: json_object_get(j, "input"));
		c->system = content_of(c, json_object_get(j, "system")
						  ?: json_object_get(j, "instructions"));
	}
	json_decref(j);
}

static struct llm_tool *add_tool(struct llm_call *c, int index, json_t *id, json_t *name)
{
	struct llm_tool *t;

	if (c->ntools == LLM_MAX_TOOLS) {
		c->tools_lost++;
		return NULL;
	}
	t = &c->tools[c->ntools++];
	memset(t, 0, sizeof(*t));
	t->index = index;
	copy_str(t->id, sizeof(t->id), id);
	copy_str(t->name, sizeof(t->name), name);
	return t;
}

static struct llm_tool *tool_at(struct llm_call *c, int index)
{
	int i;

	for (i = 0; i < c->ntools; i++)
		if (c->tools[i].index == index)
			return &c->tools[i];
	return NULL;
}

static void tool_input(struct llm_tool *t, json_t *input)
{
	char *s;

	if (!t || !input || (json_is_object(input) && !json_object_size(input)))
		return;
	s = json_dumps(input, JSON_COMPACT | JSON_ENCODE_ANY);
	if (s) {
		t->args.len = 0;
		sb_puts(&t->args, s);
		free(s);
	}
}

/* ---- Anthropic Messages ------------------------------------------------- */

static void anthropic_usage(struct llm_call *c, json_t *u)
{
	set_int(&c->in_tok, json_object_get(u, "input_tokens"));
	set_int(&c->out_tok, json_object_get(u, "output_tokens"));
	set_int(&c->cache_read, json_object_get(u, "cache_read_input_tokens"));
	set_int(&c->cache_create, json_object_get(u, "cache_creation_input_tokens"));
}

static bool is_tool_block(json_t *b)
{
	const char *t = json_string_value(json_object_get(b, "type"));
	return t && (!strcmp(t, "tool_use") || !strcmp(t, "server_tool_use"));
}

/* A message object: message_start's, or a whole response body. */
static void anthropic_message(struct llm_call *c, json_t *m)
{
	json_t *content = json_object_get(m, "content"), *b;
	size_t i;

	copy_str(c->resp_id, sizeof(c->resp_id), json_object_get(m, "id"));
	copy_str(c->resp_model, sizeof(c->resp_model), json_object_get(m, "model"));
	copy_str(c->finish, sizeof(c->finish), json_object_get(m, "stop_reason"));
	anthropic_usage(c, json_object_get(m, "usage"));
	json_array_foreach(content, i, b)
	{
		if (is_tool_block(b))
			tool_input(add_tool(c, (int)i, json_object_get(b, "id"),
					    json_object_get(b, "name")),
				   json_object_get(b, "input"));
		else
			add_text(c, json_string_value(json_object_get(b, "text")));
	}
}

static void anthropic_event(struct llm_call *c, const char *type, json_t *j)
{
	json_t *d = json_object_get(j, "delta"), *b;
	int index = (int)json_integer_value(json_object_get(j, "index"));
	const char *dt;

	if (!strcmp(type, "message_start")) {
		anthropic_message(c, json_object_get(j, "message"));
	} else if (!strcmp(type, "content_block_start")) {
		b = json_object_get(j, "content_block");
		if (is_tool_block(b))
			tool_input(add_tool(c, index, json_object_get(b, "id"),
					    json_object_get(b, "name")),
				   json_object_get(b, "input"));
		else
			add_text(c, json_string_value(json_object_get(b, "text")));
	} else if (!strcmp(type, "content_block_delta")) {
		struct llm_tool *t = tool_at(c, index);
		dt = json_string_value(json_object_get(d, "type"));
		if (t && dt && !strcmp(dt, "input_json_delta"))
			sb_puts(&t->args,
				json_string_value(json_object_get(d, "partial_json")) ?: "");
		else if (dt && !strcmp(dt, "text_delta"))
			add_text(c, json_string_value(json_object_get(d, "text")));
	} else if (!strcmp(type, "message_delta")) {
		copy_str(c->finish, sizeof(c->finish), json_object_get(d, "stop_reason"));
		anthropic_usage(c, json_object_get(j, "usage"));
	} else if (!strcmp(type, "message_stop")) {
		c->done = true;
	} else if (!strcmp(type, "error")) {
		copy_str(c->error_type, sizeof(c->error_type),
			 json_object_get(json_object_get(j, "error"), "type"));
		c->done = true;
	}
}

/* ---- OpenAI Responses ----------------------------------------------------- */

static void openai_response(struct llm_call *c, json_t *r)
{
	json_t *u = json_object_get(r, "usage"), *out = json_object_get(r, "output"), *o;
	const char *t;
	size_t i;

	copy_str(c->resp_id, sizeof(c->resp_id), json_object_get(r, "id"));
	copy_str(c->resp_model, sizeof(c->resp_model), json_object_get(r, "model"));
	copy_str(c->finish, sizeof(c->finish), json_object_get(r, "status"));
	set_int(&c->in_tok, json_object_get(u, "input_tokens"));
	set_int(&c->out_tok, json_object_get(u, "output_tokens"));
	set_int(&c->cache_read,
		json_object_get(json_object_get(u, "input_tokens_details"), "cached_tokens"));
	json_array_foreach(out, i, o)
	{
		t = json_string_value(json_object_get(o, "type"));
		if (t && !strcmp(t, "message")) {
			json_t *parts = json_object_get(o, "content"), *pt;
			size_t k;
			json_array_foreach(parts, k, pt)
				add_text(c, json_string_value(json_object_get(pt, "text")));
		}
		if (t && !strcmp(t, "function_call")) {
			struct llm_tool *tl = add_tool(c, (int)i, json_object_get(o, "call_id"),
						       json_object_get(o, "name"));
			const char *a = json_string_value(json_object_get(o, "arguments"));
			if (tl && a)
				sb_puts(&tl->args, a);
		}
	}
}

static void openai_event(struct llm_call *c, const char *type, json_t *j)
{
	if (!strcmp(type, "response.completed") || !strcmp(type, "response.failed") ||
	    !strcmp(type, "response.incomplete")) {
		openai_response(c, json_object_get(j, "response"));
		c->done = true;
	} else if (!strcmp(type, "error")) {
		copy_str(c->error_type, sizeof(c->error_type), json_object_get(j, "code"));
		if (!c->error_type[0])
			copy_str(c->error_type, sizeof(c->error_type),
				 json_object_get(json_object_get(j, "error"), "type"));
		c->done = true;
	}
}

void llm_read_response(struct llm_call *c, const char *body, size_t n)
{
	json_t *j = parse(c, body, n), *e;

	if (!j)
		return;
	if ((e = json_object_get(j, "error")) && json_is_object(e))
		copy_str(c->error_type, sizeof(c->error_type), json_object_get(e, "type"));
	else if (c->provider == LLM_ANTHROPIC)
		anthropic_message(c, j);
	else
		openai_response(c, j);
	c->done = true;
	json_decref(j);
}

void llm_read_event(struct llm_call *c, const char *event, const char *data, size_t n)
{
	json_t *j;
	const char *type;

	if (n == 6 && !memcmp(data, "[DONE]", 6))
		return;
	if (!(j = parse(c, data, n)))
		return;
	type = json_string_value(json_object_get(j, "type"));
	if (!type || !*type)
		type = event;
	if (c->provider == LLM_ANTHROPIC)
		anthropic_event(c, type, j);
	else
		openai_event(c, type, j);
	json_decref(j);
}
