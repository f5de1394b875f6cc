/* call.h: one model call as read from the wire (struct llm_call) and the
 * providers' readers that fill it from JSON with jansson: the Anthropic
 * Messages API (a whole response body, or its SSE stream: message_start,
 * content_block_*, message_delta, message_stop, error) and the OpenAI
 * Responses API (usage only from response.completed, response.failed,
 * response.incomplete and error). Records: docs/EVENTS-llm.md. */
#ifndef PROCTOR_LLM_CALL_H
#define PROCTOR_LLM_CALL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

#define LLM_MAX_TOOLS	32	    /* tool_use blocks kept per call; more are counted */
#define LLM_CONTENT_MAX (64u << 10) /* bytes of each content field kept (--capture-content) */

enum llm_provider { LLM_NONE, LLM_ANTHROPIC, LLM_OPENAI };

struct llm_tool {
	int index; /* content block index (Anthropic) */
	char id[128];
	char name[128];
	struct strbuf args; /* the input JSON, as streamed */
};

struct llm_call {
	enum llm_provider provider;
	char method[16];
	char path[512];
	char host[256];
	char req_model[128];
	int stream;	     /* -1: not stated */
	bool req_incomplete; /* request bytes lost: its body unread */
	int status;
	char resp_model[128];
	char resp_id[128];
	int64_t in_tok, out_tok, cache_read, cache_create; /* -1: not reported */
	char finish[64];
	char error_type[64];
	bool done;	 /* the provider's end event (or a whole body) was read */
	bool incomplete; /* bytes were lost, or the stream ended early */
	uint64_t t_req_ns, t_first_ns, t_end_ns; /* boot clock */
	struct llm_tool tools[LLM_MAX_TOOLS];
	int ntools;
	int tools_lost;
	int bad_events; /* events whose JSON did not parse */
	/* --capture-content only: prompt and response text (LLM_CONTENT_MAX each) */
	bool want_content;
	char *prompt;	    /* the request's messages (OpenAI: input), JSON as sent */
	char *system;	    /* its system prompt (OpenAI: instructions), text or JSON */
	struct strbuf text; /* the response's text blocks, in order */
	bool content_cut;   /* a content field was cut at LLM_CONTENT_MAX */
};

void llm_call_init(struct llm_call *c);
void llm_call_free(struct llm_call *c);
/* The provider an API path belongs to (LLM_NONE: not a model call). */
enum llm_provider llm_provider_of_path(const char *path);
const char *llm_provider_name(enum llm_provider p);
/* The request body: model and stream. */
void llm_read_request(struct llm_call *c, const char *body, size_t n);
/* A whole (non-streamed) response body. */
void llm_read_response(struct llm_call *c, const char *body, size_t n);
/* One SSE event of a streamed response. */
void llm_read_event(struct llm_call *c, const char *event, const char *data, size_t n);

#endif
