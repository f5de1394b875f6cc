/* llm.h: LLM visibility from TLS plaintext. Takes the kernel's tls.data
 * records, keeps per connection (process, SSL *) an HTTP/1.1 request and a
 * response parser, pairs each response with its request in order, reads the
 * provider's JSON or SSE stream (call.h) and hands out an llm.call record per
 * model call and an llm.tool_call per tool_use block, through the emitter
 * the caller gives (src/app: pipeline records with the common fields). Auth
 * headers are never kept; prompt and response text only with capture_content.
 * Records: docs/EVENTS-llm.md. */
#ifndef PROCTOR_LLM_H
#define PROCTOR_LLM_H
#include <stddef.h>
#include <stdint.h>

#include "llm/call.h"
#include "llm/http.h"
#include "llm/prices.h"
#include "llm/sse.h"
#include "model/record.h"
#include "proctor/abi_tls.h"

#ifndef LLM_CONNS /* the fuzz target builds with 3, so eviction is reached */
#define LLM_CONNS 128 /* connections followed at once (least recent evicted) */
#endif
#define LLM_QUEUE      8	  /* requests awaiting their response per connection */
#define LLM_BODY_MAX   (8u << 20) /* request / whole response body read at most */
#define LLM_TOOL_NAMES 16	  /* tool names counted apart in the summary; more: "other" */

struct llm_emit {
	/* A record with the common fields of h filled (h->ts_ns is the time). */
	struct record *(*begin)(void *ctx, const struct pr_hdr *h, uint16_t type,
				const char *type_name);
	void (*commit)(void *ctx, struct record *r);
	void *ctx;
	/* Optional: a Bash-like tool call was emitted (id, its command), from
	 * the process h: the caller links the processes it causes. */
	void (*tool)(void *ctx, const struct pr_hdr *h, const char *id, const char *command);
};

struct llm_conn {
	bool used;
	uint32_t pid;
	uint64_t conn; /* the SSL * */
	uint16_t lib;
	uint64_t last_ns;
	struct pr_hdr hdr;    /* the last record's process */
	uint32_t next_off[2]; /* per direction (0 write, 1 read): offset expected next */
	struct http_parser req, resp;
	struct llm_call *building; /* the request being read, NULL: not a model call */
	struct strbuf req_body;
	bool req_cut;
	bool req_seen;			   /* a request's head was read on this connection */
	struct llm_call *queue[LLM_QUEUE]; /* NULL entries: requests that are not model calls */
	bool queue_llm[LLM_QUEUE];
	int nq;
	struct llm_call *cur; /* the response being read */
	bool cur_sse, cur_1xx;
	struct sse_parser sse;
	struct strbuf resp_body;
	bool resp_cut;
	struct llm *owner;
	uint64_t now_ns;
};

struct llm {
	struct llm_conn *conns; /* LLM_CONNS */
	struct llm_emit emit;
	uint64_t calls, tool_calls;	 /* records emitted */
	uint64_t in_tokens, out_tokens;	 /* over the calls that reported usage */
	const struct llm_prices *prices; /* NULL: no price table, no llm.cost_usd */
	bool capture_content;	   /* --capture-content: prompt and response text on llm.call */
	double cost_usd;	   /* over the priced calls */
	uint64_t priced, unpriced; /* calls with usage whose model has a price, or not */
	struct {
		char name[64];
		uint64_t n;
	} tool_names[LLM_TOOL_NAMES]; /* tool calls by name, in order of first use */
	int ntool_names;
	uint64_t tool_names_other; /* tool calls of names beyond LLM_TOOL_NAMES */
	/* plaintext the HTTP/1.1 parser could not place: another protocol (HTTP/2),
	 * or a connection whose capture began mid-message (hooked late) */
	uint64_t unparsed_bytes;
	uint64_t evicted; /* connections dropped while a call was open */
	/* responses on a connection none of whose requests was read: the request
	 * went out before the hook landed (a client that writes within ms of
	 * mapping its TLS library); whatever model call it was is not recorded */
	uint64_t unpaired;
	uint64_t bad; /* tls.data records too short or inconsistent */
};

/* The name of a TLS library (enum pr_tls_lib) in tls.library. */
const char *llm_tls_library(unsigned lib);
int llm_init(struct llm *l, const struct llm_emit *e);
void llm_free(struct llm *l);
/* One tls.data record from the ring (validated here). */
void llm_feed(struct llm *l, const void *data, size_t len);
/* A process exited: its open calls are emitted as incomplete. */
void llm_forget_pid(struct llm *l, uint32_t pid);
/* A session ended: the same for all of its connections. */
void llm_forget_session(struct llm *l, uint64_t session_key);

#endif
