/* test_llm.c: the LLM visibility parsers (src/llm) on tls.data records
 * built here: SSE streams and whole bodies split at every size, two
 * connections interleaved, keep-alive, truncated and malformed streams,
 * and auth headers never reaching a record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/llm.h"

#define MAXREC 16
static struct record recs[MAXREC];
static int nrec;

static struct record *t_begin(void *ctx, const struct pr_hdr *h, uint16_t type, const char *name)
{
	(void)ctx;
	assert_true(nrec < MAXREC);
	record_reset(&recs[nrec]);
	record_begin(&recs[nrec], type, name, h->ts_ns);
	record_add_int(&recs[nrec], "process.pid", h->pid);
	return &recs[nrec];
}

static void t_commit(void *ctx, struct record *r)
{
	(void)ctx;
	(void)r;
	nrec++;
}

static int setup(void **state)
{
	static struct llm l;
	struct llm_emit e = {t_begin, t_commit, NULL};
	int i;

	for (i = 0; i < MAXREC; i++)
		record_init(&recs[i]);
	nrec = 0;
	assert_int_equal(llm_init(&l, &e), 0);
	*state = &l;
	return 0;
}

static int teardown(void **state)
{
	int i;

	llm_free(*state);
	for (i = 0; i < MAXREC; i++)
		record_free(&recs[i]);
	return 0;
}

static uint64_t now_ns = 1000000000ull;

/* One SSL call of n bytes, delivered in chunks of at most split bytes
 * (PR_TLS_CHUNK at most, as the kernel does); cut: the kernel left out
 * the call's bytes after its first chunk. */
static void call(struct llm *l, uint32_t pid, uint64_t conn, bool read, const char *p, size_t n,
		 size_t split, bool cut)
{
	char buf[sizeof(struct pr_tls_data) + PR_TLS_CHUNK];
	struct pr_tls_data *d = (void *)buf;
	size_t off;

	if (split > PR_TLS_CHUNK)
		split = PR_TLS_CHUNK;
	for (off = 0; off < n; off += split) {
		size_t len = n - off < split ? n - off : split;
		memset(d, 0, sizeof(*d));
		d->hdr.type = PR_EV_TLS_DATA;
		d->hdr.pid = pid;
		d->hdr.session_key = 7;
		d->hdr.ts_ns = (now_ns += 1000000);
		d->hdr.flags = (read ? PR_TLS_READ : 0) | (cut ? PR_TLS_CUT : 0);
		d->conn = conn;
		d->total = (uint32_t)n;
		d->off = (uint32_t)off;
		d->len = (uint32_t)len;
		d->lib = PR_TLS_LIB_OPENSSL;
		memcpy(d->data, p + off, len);
		d->hdr.size = (uint32_t)(sizeof(*d) + len);
		llm_feed(l, buf, sizeof(*d) + len);
		if (cut)
			return;
	}
}

/* A stream of SSL calls of at most split bytes each. */
static void stream(struct llm *l, uint32_t pid, uint64_t conn, bool read, const char *s,
		   size_t split)
{
	size_t n = strlen(s), off;

	for (off = 0; off < n; off += split)
		call(l, pid, conn, read, s + off, n - off < split ? n - off : split, split, false);
}

static const char REQ_BODY[] =
	"{\"model\":\"claude-opus-4-1\",\"stream\":true,\"messages\":[{\"role\":\"user\","
	"\"content\":\"hi\"}]}";

static char *request(const char *body)
{
	static char b[4096];
	snprintf(b, sizeof(b),
		 "POST /v1/messages?beta=true HTTP/1.1\r\nHost: api.anthropic.com\r\n"
		 "x-api-key: sk-ant-api03-SECRETSECRETSECRET\r\nAuthorization: Bearer "
		 "SECRETTOKEN\r\n"
		 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(body), body);
	return b;
}

static const char *const EVENTS[] = {
	"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_A\","
	"\"model\":\"claude-opus-4-1-20250805\",\"usage\":{\"input_tokens\":100,"
	"\"cache_read_input_tokens\":7,\"cache_creation_input_tokens\":3,\"output_tokens\":1}}}"
	"\n\n",
	": a comment line\n\n",
	"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
	"\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_X\",\"name\":\"Bash\",\"input\":{}"
	"}}\n\n",
	"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
	"\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"command\\\": \"}}\n\n",
	"event: content_block_delta\r\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
	"\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"git "
	"status\\\"}\"}}\r\n\r\n",
	"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
	"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
	"\"tool_use\"},\"usage\":{\"output_tokens\":42}}\n\n",
	"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
};

/* The response: headers, then each event as one chunk of the chunked body. */
static char *response(size_t nevents)
{
	static char b[16384];
	size_t off, i;

	off = (size_t)snprintf(
		b, sizeof(b),
		"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
		"Transfer-Encoding: chunked\r\n\r\n");
	for (i = 0; i < nevents; i++)
		off += (size_t)snprintf(b + off, sizeof(b) - off, "%zx;ext=1\r\n%s\r\n",
					strlen(EVENTS[i]), EVENTS[i]);
	if (nevents == sizeof(EVENTS) / sizeof(EVENTS[0]))
		snprintf(b + off, sizeof(b) - off, "0\r\nX-Trailer: 1\r\n\r\n");
	return b;
}

static const struct record *find(const char *type, int nth)
{
	int i;

	for (i = 0; i < nrec; i++)
		if (!strcmp(recs[i].type_name, type) && !nth--)
			return &recs[i];
	return NULL;
}

static int64_t get_int(const struct record *r, const char *k)
{
	int64_t v = -999;
	assert_true(record_get_int(r, k, &v));
	return v;
}

static void assert_no_secret(void)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	for (i = 0; i < nrec; i++) {
		sb.len = 0;
		record_to_json(&recs[i], &sb);
		assert_null(strstr(sb.buf, "SECRET"));
		assert_null(strcasestr(sb.buf, "api-key"));
		assert_null(strcasestr(sb.buf, "authorization"));
	}
	free(sb.buf);
}

static void check_full_call(const struct record *c)
{
	const struct field *f;

	assert_non_null(c);
	assert_string_equal(record_get_str(c, "gen_ai.provider.name"), "anthropic");
	assert_string_equal(record_get_str(c, "gen_ai.request.model"), "claude-opus-4-1");
	assert_string_equal(record_get_str(c, "gen_ai.response.model"), "claude-opus-4-1-20250805");
	assert_string_equal(record_get_str(c, "gen_ai.response.id"), "msg_A");
	assert_int_equal(get_int(c, "gen_ai.usage.input_tokens"), 100);
	assert_int_equal(get_int(c, "gen_ai.usage.output_tokens"), 42);
	assert_int_equal(get_int(c, "gen_ai.usage.cache_read.input_tokens"), 7);
	assert_int_equal(get_int(c, "gen_ai.usage.cache_creation.input_tokens"), 3);
	assert_string_equal(record_get_str(c, "server.address"), "api.anthropic.com");
	assert_string_equal(record_get_str(c, "url.path"), "/v1/messages");
	assert_int_equal(get_int(c, "http.response.status_code"), 200);
	f = record_get(c, "llm.tool_calls");
	assert_non_null(f);
	assert_int_equal(f->sv.n, 1);
	assert_string_equal(f->sv.v[0], "toolu_X");
	f = record_get(c, "llm.complete");
	assert_non_null(f);
	assert_true(f->b);
}

static void check_tool(const struct record *t)
{
	assert_non_null(t);
	assert_string_equal(record_get_str(t, "gen_ai.tool.name"), "Bash");
	assert_string_equal(record_get_str(t, "gen_ai.tool.call.id"), "toolu_X");
	assert_string_equal(record_get_str(t, "llm.tool.command"), "git status");
	assert_string_equal(record_get_str(t, "gen_ai.tool.call.arguments"),
			    "{\"command\": \"git status\"}");
}

/* Every split of the request and the response, 1 byte up. */
static void test_stream_every_split(void **state)
{
	struct llm *l = *state;
	size_t split;
	static const size_t splits[] = {1, 2, 3, 5, 7, 13, 64, 100, 4096};
	size_t i;

	for (i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
		split = splits[i];
		nrec = 0;
		stream(l, 10, 0xabc + split, false, request(REQ_BODY), split);
		stream(l, 10, 0xabc + split, true, response(8), split);
		assert_int_equal(nrec, 2);
		check_full_call(find("llm.call", 0));
		check_tool(find("llm.tool_call", 0));
		assert_no_secret();
	}
}

/* Two connections of one process, their bytes interleaved: paired by SSL *. */
static void test_interleaved_connections(void **state)
{
	struct llm *l = *state;
	const char *resp = response(8);
	size_t n = strlen(resp), off;
	char req[4096];

	snprintf(req, sizeof(req), "%s", request(REQ_BODY));
	stream(l, 11, 1, false, req, 50);
	stream(l, 11, 2, false, request("{\"model\":\"other-model\"}"), 50);
	for (off = 0; off < n; off += 9) {
		size_t k = n - off < 9 ? n - off : 9;
		call(l, 11, 1, true, resp + off, k, k, false);
		call(l, 11, 2, true, resp + off, k, k, false);
	}
	assert_int_equal(nrec, 4);
	check_full_call(find("llm.call", 0));
	assert_string_equal(record_get_str(find("llm.call", 1), "gen_ai.request.model"),
			    "other-model");
}

/* Keep-alive: a non-model request and two model calls on one connection. */
static void test_keepalive_pairing(void **state)
{
	struct llm *l = *state;
	const char *ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
	const char *whole =
		"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 115"
		"\r\n\r\n{\"id\":\"msg_W\",\"model\":\"m\",\"stop_reason\":\"end_turn\","
		"\"content\":[],\"usage\":{\"input_tokens\":5,\"output_tokens\":6}}      ";

	stream(l, 12, 3, false, "GET /v1/models HTTP/1.1\r\nHost: h\r\n\r\n", 4096);
	stream(l, 12, 3, true, ok, 4096);
	stream(l, 12, 3, false, request("{\"model\":\"m\",\"stream\":false}"), 4096);
	stream(l, 12, 3, true, "HTTP/1.1 100 Continue\r\n\r\n", 4096);
	stream(l, 12, 3, true, whole, 4096);
	stream(l, 12, 3, false, request(REQ_BODY), 4096);
	stream(l, 12, 3, true, response(8), 4096);
	assert_int_equal(nrec, 3);
	assert_string_equal(record_get_str(find("llm.call", 0), "gen_ai.response.id"), "msg_W");
	assert_int_equal(get_int(find("llm.call", 0), "gen_ai.usage.output_tokens"), 6);
	assert_false(record_get(find("llm.call", 0), "gen_ai.request.stream")->b);
	check_full_call(find("llm.call", 1));
}

/* A connection whose request went out before the hook: its response is
 * counted unpaired, never made into a call; a later request pairs. */
static void test_response_without_request(void **state)
{
	struct llm *l = *state;

	stream(l, 14, 5, true, response(8), 4096);
	assert_int_equal(nrec, 0);
	assert_int_equal(l->unpaired, 1);
	stream(l, 14, 5, false, request(REQ_BODY), 4096);
	stream(l, 14, 5, true, response(8), 4096);
	assert_int_equal(l->unpaired, 1);
	check_full_call(find("llm.call", 0));
}

/* A stream that stops early (the process exits), and one whose bytes the
 * kernel cut: each gives one llm.call marked incomplete, never a wrong one. */
static void test_truncated_streams(void **state)
{
	struct llm *l = *state;
	const char *resp;

	stream(l, 13, 4, false, request(REQ_BODY), 4096);
	stream(l, 13, 4, true, response(3), 4096);
	assert_int_equal(nrec, 0);
	llm_forget_pid(l, 13);
	assert_int_equal(nrec, 2); /* the call and its tool_use seen so far */
	assert_false(record_get(find("llm.call", 0), "llm.complete")->b);
	assert_int_equal(get_int(find("llm.call", 0), "gen_ai.usage.input_tokens"), 100);

	nrec = 0;
	resp = response(8);
	stream(l, 14, 5, false, request(REQ_BODY), 4096);
	call(l, 14, 5, true, resp, 300, 100, true); /* 100 bytes kept, 200 cut */
	assert_int_equal(nrec, 1);
	assert_false(record_get(find("llm.call", 0), "llm.complete")->b);
	/* the connection recovers: the next call is read whole */
	nrec = 0;
	stream(l, 14, 5, false, request(REQ_BODY), 4096);
	stream(l, 14, 5, true, resp, 4096);
	assert_int_equal(nrec, 2);
	check_full_call(find("llm.call", 0));
}

/* Garbage, bad chunk sizes, bad JSON, oversized heads: no crash, no record
 * from garbage, a call with bad JSON events still reported. */
static void test_malformed(void **state)
{
	struct llm *l = *state;
	char big[HTTP_HEAD_MAX + 100];
	char buf[sizeof(struct pr_tls_data) + 16];
	struct pr_tls_data *d = (void *)buf;

	stream(l, 15, 6, false, "\x16\x03\x01garbage\r\n\r\nmore garbage", 4096);
	stream(l, 15, 6, true, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 4096);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	stream(l, 15, 7, false, big, 4096);
	assert_int_equal(nrec, 0);

	stream(l, 15, 8, false, request(REQ_BODY), 4096);
	stream(l, 15, 8, true,
	       "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: "
	       "chunked\r\n\r\n"
	       "1c\r\ndata: {not json at all]]\n\n\r\nzz\r\n",
	       4096);
	llm_forget_pid(l, 15);
	assert_int_equal(nrec, 1);
	assert_false(record_get(find("llm.call", 0), "llm.complete")->b);

	/* records the kernel could not have made: counted, ignored */
	memset(d, 0, sizeof(*d));
	d->len = 100; /* more than the record holds */
	d->total = 100;
	llm_feed(l, buf, sizeof(*d) + 16);
	llm_feed(l, buf, 10);
	assert_int_equal(l->bad, 2);
}

/* OpenAI Responses: usage only from response.completed. */
static void test_openai_responses(void **state)
{
	struct llm *l = *state;
	char req[1024];
	const char *resp =
		"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"
		"event: response.created\ndata: "
		"{\"type\":\"response.created\",\"response\":{\"id\":"
		"\"resp_1\",\"usage\":{\"input_tokens\":999}}}\n\n"
		"event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{"
		"\"id\":\"resp_1\",\"model\":\"gpt-5\",\"status\":\"completed\",\"usage\":{"
		"\"input_tokens\":10,\"output_tokens\":20,\"input_tokens_details\":{\"cached_"
		"tokens\":4}},"
		"\"output\":[{\"type\":\"function_call\",\"call_id\":\"call_9\",\"name\":\"shell\","
		"\"arguments\":\"{\\\"command\\\":[\\\"bash\\\",\\\"-lc\\\",\\\"make\\\"]}\"}]}}"
		"\n\n";

	snprintf(req, sizeof(req),
		 "POST /v1/responses HTTP/1.1\r\nHost: api.openai.com\r\nContent-Length: 30\r\n\r\n"
		 "{\"model\":\"gpt-5\",\"stream\":true}");
	stream(l, 16, 9, false, req, 4096);
	stream(l, 16, 9, true, resp, 4096);
	llm_forget_pid(l, 16); /* the body runs to the connection's end */
	assert_int_equal(nrec, 2);
	assert_int_equal(get_int(find("llm.call", 0), "gen_ai.usage.input_tokens"), 10);
	assert_int_equal(get_int(find("llm.call", 0), "gen_ai.usage.cache_read.input_tokens"), 4);
	assert_string_equal(record_get_str(find("llm.tool_call", 0), "llm.tool.command"), "make");
}

/* Prompt and response text: absent by default; with capture_content, the
 * request's messages and system prompt and the response's text blocks. */
static void test_content(void **state)
{
	static const char body[] =
		"{\"model\":\"claude-opus-4-1\",\"system\":\"be brief\",\"messages\":[{\"role\":"
		"\"user\",\"content\":\"hi\"}]}";
	static const char json[] =
		"{\"id\":\"msg_W\",\"model\":\"m\",\"content\":[{\"type\":\"text\",\"text\":"
		"\"Hello \"},{\"type\":\"tool_use\",\"id\":\"toolu_Y\",\"name\":\"Read\","
		"\"input\":{}},{\"type\":\"text\",\"text\":\"there\"}],\"usage\":{\"input_tokens\":"
		"1,"
		"\"output_tokens\":2}}";
	struct llm *l = *state;
	char resp[1024];
	const struct record *c;
	int pass;

	snprintf(resp, sizeof(resp),
		 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
		 "%zu\r\n\r\n%s",
		 strlen(json), json);
	for (pass = 0; pass < 2; pass++) {
		l->capture_content = pass == 1;
		nrec = 0;
		stream(l, 20 + pass, 0x77, false, request(body), 4096);
		stream(l, 20 + pass, 0x77, true, resp, 4096);
		assert_non_null(c = find("llm.call", 0));
		assert_string_equal(record_get_str(c, "gen_ai.response.id"), "msg_W");
		if (!pass) {
			assert_null(record_get(c, "gen_ai.input.messages"));
			assert_null(record_get(c, "gen_ai.system_instructions"));
			assert_null(record_get(c, "llm.response.text"));
			continue;
		}
		assert_string_equal(record_get_str(c, "gen_ai.input.messages"),
				    "[{\"role\":\"user\",\"content\":\"hi\"}]");
		assert_string_equal(record_get_str(c, "gen_ai.system_instructions"), "be brief");
		assert_string_equal(record_get_str(c, "llm.response.text"), "Hello there");
		assert_null(record_get(c, "llm.content_truncated"));
		assert_no_secret();
	}
	l->capture_content = false;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stream_every_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interleaved_connections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keepalive_pairing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_streams, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_openai_responses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_response_without_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_content, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
