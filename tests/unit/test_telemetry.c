/* test_telemetry.c: the agent telemetry parser (src/otlp/telemetry*.c) on
 * OTLP/JSON and protobuf logs and metrics as Claude Code and Codex send
 * them, malformed bodies, and the cross-check (src/otlp/xcheck.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "otlp/peer.h"
#include "otlp/receiver.h"
#include "otlp/telemetry.h"
#include "otlp/xcheck.h"

#define KV(k, v) "{\"key\":\"" k "\",\"value\":{\"stringValue\":\"" v "\"}}"

static const char claude_logs[] = "{\"resourceLogs\":[{\"resource\":{\"attributes\":[" KV(
	"service.name",
	"claude-code") "]},"
		       "\"scopeLogs\":[{\"scope\":{\"name\":\"com.anthropic.claude_code."
		       "events\"},"
		       "\"logRecords\":[{\"timeUnixNano\":\"1700000000000000001\","
		       "\"body\":{\"stringValue\":\"claude_code.api_request\"},"
		       "\"attributes\":[" KV("event.name", "api_request") "," KV(
			       "model",
			       "claude-"
			       "sonnet-"
			       "4-5") "," KV("input_tokens",
					     "1234") ","
						     "{\"key\":\"output_tokens\",\"value\":{"
						     "\"intValue\":"
						     "\"321\"}},"
						     "{\"key\":\"cache_read_tokens\",\"value\":{"
						     "\"intValue\":789}}," KV("cost_usd", "0.0123") "," KV(
							     "prompt",
							     "secret prompt text") "]},"
										   "{\"body\":{"
										   "\"stringValue\""
										   ":"
										   "\"claude_code."
										   "tool_"
										   "result\"},"
										   "\"attributes\":"
										   "[" KV("event."
											  "name",
											  "tool_"
											  "result") "," KV("tool_name",
													   "Bash") "," KV("success",
															  "true") "]}"
																  "]}]}]}";

static void test_json_claude_logs(void **state)
{
	struct tele_list l;
	struct tele_item *it;
	char err[256];

	(void)state;
	tele_list_init(&l);
	assert_int_equal(tele_parse(TELE_LOGS, TELE_JSON, claude_logs, strlen(claude_logs), &l, err,
				    sizeof(err)),
			 0);
	assert_int_equal(l.n, 2);
	it = l.head;
	assert_string_equal(it->event, "claude_code.api_request");
	assert_string_equal(it->service, "claude-code");
	assert_int_equal(it->time_ns, 1700000000000000001ull);
	assert_string_equal(tele_get(it, "gen_ai.request.model")->s, "claude-sonnet-4-5");
	assert_int_equal(tele_get(it, "gen_ai.usage.input_tokens")->i, 1234);
	assert_int_equal(tele_get(it, "gen_ai.usage.output_tokens")->i, 321);
	assert_int_equal(tele_get(it, "gen_ai.usage.cache_read.input_tokens")->i, 789);
	assert_string_equal(tele_get(it, "agent.telemetry.cost_usd")->s, "0.0123");
	assert_int_equal(it->ignored, 2); /* event.name and the prompt text: never kept */
	it = it->next;
	assert_string_equal(it->event, "claude_code.tool_result");
	assert_string_equal(tele_get(it, "gen_ai.tool.name")->s, "Bash");
	assert_int_equal(tele_get(it, "agent.telemetry.success")->kind, TF_BOOL);
	assert_int_equal(tele_get(it, "agent.telemetry.success")->i, 1);
	tele_list_free(&l);
}

static void test_json_metrics(void **state)
{
	const char *m = "{\"resourceMetrics\":[{\"resource\":{\"attributes\":[" KV(
		"service.name",
		"claude-code") "]},\"scopeMetrics\":[{\"metrics\":["
			       "{\"name\":\"claude_code.token.usage\",\"sum\":{\"dataPoints\":["
			       "{\"asDouble\":1234,\"attributes\":[" KV(
				       "type", "input") "]},"
							"{\"asInt\":\"321\",\"attributes\":[" KV(
								"type",
								"output") "]}]}},"
									  "{\"name\":\"h\","
									  "\"histogram\":{}}]}]}]}";
	struct tele_list l;
	char err[256];

	(void)state;
	tele_list_init(&l);
	assert_int_equal(tele_parse(TELE_METRICS, TELE_JSON, m, strlen(m), &l, err, sizeof(err)),
			 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.head->event, "claude_code.token.usage");
	assert_true(l.head->has_value);
	assert_int_equal(l.head->value, 1234);
	assert_string_equal(l.head->value_str, "1234");
	assert_string_equal(tele_get(l.head, "agent.telemetry.metric.type")->s, "input");
	assert_int_equal(l.head->next->value, 321);
	tele_list_free(&l);
}

static void test_protobuf_codex(void **state)
{
	Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest req =
		OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_SERVICE_REQUEST__INIT;
	Opentelemetry__Proto__Logs__V1__ResourceLogs
		rl = OPENTELEMETRY__PROTO__LOGS__V1__RESOURCE_LOGS__INIT,
		*rls[] = {&rl};
	Opentelemetry__Proto__Logs__V1__ScopeLogs
		sl = OPENTELEMETRY__PROTO__LOGS__V1__SCOPE_LOGS__INIT,
		*sls[] = {&sl};
	Opentelemetry__Proto__Logs__V1__LogRecord
		lr = OPENTELEMETRY__PROTO__LOGS__V1__LOG_RECORD__INIT,
		*lrs[] = {&lr};
	Opentelemetry__Proto__Common__V1__AnyValue v[3];
	Opentelemetry__Proto__Common__V1__KeyValue kv[3], *kvs[] = {&kv[0], &kv[1], &kv[2]};
	const char *keys[] = {"event.name", "input_token_count", "event.kind"};
	struct tele_list l;
	uint8_t buf[512];
	size_t n, i;
	char err[256];

	(void)state;
	for (i = 0; i < 3; i++) {
		opentelemetry__proto__common__v1__any_value__init(&v[i]);
		opentelemetry__proto__common__v1__key_value__init(&kv[i]);
		kv[i].key = (char *)keys[i];
		kv[i].value = &v[i];
		v[i].value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	}
	v[0].string_value = (char *)"codex.sse_event";
	v[1].value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
	v[1].int_value = 42;
	v[2].string_value = (char *)"response.completed";
	lr.n_attributes = 3;
	lr.attributes = kvs;
	sl.n_log_records = 1;
	sl.log_records = lrs;
	rl.n_scope_logs = 1;
	rl.scope_logs = sls;
	req.n_resource_logs = 1;
	req.resource_logs = rls;
	n = opentelemetry__proto__collector__logs__v1__export_logs_service_request__pack(&req, buf);
	tele_list_init(&l);
	assert_int_equal(tele_parse(TELE_LOGS, TELE_PROTOBUF, buf, n, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.head->event, "codex.sse_event"); /* from event.name */
	assert_int_equal(tele_get(l.head, "gen_ai.usage.input_tokens")->i, 42);
	assert_string_equal(tele_get(l.head, "agent.telemetry.kind")->s, "response.completed");
	tele_list_free(&l);
	/* Truncated: malformed, nothing appended. */
	assert_int_equal(tele_parse(TELE_LOGS, TELE_PROTOBUF, buf, n - 3, &l, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "not an ExportLogsServiceRequest (protobuf)");
	assert_int_equal(l.n, 0);
}

static void test_malformed_json(void **state)
{
	const char *s;
	struct tele_list l;
	char err[256];

	(void)state;
	tele_list_init(&l);
	assert_int_equal(tele_parse(TELE_LOGS, TELE_JSON, "{", 1, &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not JSON"));
	assert_int_equal(tele_parse(TELE_LOGS, TELE_JSON, "[]", 2, &l, err, sizeof(err)), -1);
	assert_string_equal(err, "body: not a JSON object");
	assert_int_equal(
		tele_parse(TELE_LOGS, TELE_JSON, "{\"resourceLogs\":5}", 18, &l, err, sizeof(err)),
		-1);
	assert_string_equal(err, "resourceLogs: not an array");
	s = "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{}]}]}]}";
	assert_int_equal(tele_parse(TELE_METRICS, TELE_JSON, s, strlen(s), &l, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "metrics[]: a metric without a string name");
	assert_int_equal(l.n, 0);
	/* An empty request is fine. */
	assert_int_equal(tele_parse(TELE_LOGS, TELE_JSON, "{}", 2, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 0);
}

static int nmis;
static enum xc_reason reasons[8];

static void on_mis(void *ctx, uint64_t key, const struct xc_mismatch *m)
{
	(void)ctx;
	assert_int_equal(key, 7);
	if (nmis < 8)
		reasons[nmis] = m->reason;
	nmis++;
}

static void test_xcheck(void **state)
{
	struct xcheck x = {0};
	struct xc_call k = {.in = 1234, .out = 321, .cache_read = 789, .cache_creation = 56};
	struct xc_call agree = {.in = 1234, .out = 321, .cache_read = 789, .cache_creation = -1};
	struct xc_call lie = {.in = 12, .out = 34, .cache_read = -1, .cache_creation = -1};

	(void)state;
	/* Agreeing: quiet. */
	xc_kernel_call(&x, 7, &k);
	xc_kernel_tool(&x, 7, "Bash");
	xc_reported_call(&x, 7, &agree);
	xc_reported_tool(&x, 7, "Bash");
	nmis = 0;
	assert_int_equal(xc_finish(&x, 7, on_mis, NULL), 0);
	/* Nothing reported: nothing to check. */
	xc_kernel_call(&x, 7, &k);
	assert_int_equal(xc_finish(&x, 7, on_mis, NULL), 0);
	/* Lying: the reported call is not the one seen, a tool call is hidden. */
	xc_kernel_call(&x, 7, &k);
	xc_kernel_tool(&x, 7, "Bash");
	xc_kernel_tool(&x, 7, "Read");
	xc_reported_call(&x, 7, &lie);
	xc_reported_tool(&x, 7, "Bash");
	assert_int_equal(xc_finish(&x, 7, on_mis, NULL), 3);
	assert_int_equal(reasons[0], XC_REPORTED_UNSEEN);
	assert_int_equal(reasons[1], XC_UNREPORTED);
	assert_int_equal(reasons[2], XC_TOOL_COUNT);
	assert_string_equal(xc_reason_name(XC_TOOL_COUNT), "tool_calls_differ");
	assert_int_equal(xc_finish(&x, 7, on_mis, NULL), 0); /* forgotten */
	xc_free(&x);
}

/* A child connects over loopback and waits: its port names it. */
static void test_peer_lookup(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);
	struct peer_proc pp;
	int ls = socket(AF_INET, SOCK_STREAM, 0), cs, pfd[2];
	uint16_t our;
	pid_t child;
	char c;

	(void)state;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(ls, 1), 0);
	getsockname(ls, (struct sockaddr *)&a, &al);
	our = ntohs(a.sin_port);
	assert_int_equal(pipe(pfd), 0);
	if (!(child = fork())) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&a, sizeof(a)))
			_exit(1);
		(void)!read(pfd[0], &c, 1); /* until the parent is done */
		_exit(0);
	}
	al = sizeof(a);
	cs = accept(ls, (struct sockaddr *)&a, &al);
	assert_true(cs >= 0);
	assert_int_equal(peer_lookup(ntohs(a.sin_port), our, &pp), 0);
	assert_int_equal(pp.pid, child);
	assert_int_equal(pp.ppid, getpid());
	assert_int_equal(pp.uid, geteuid());
	assert_int_equal(peer_lookup(ntohs(a.sin_port), (uint16_t)(our + 1), &pp), -1);
	(void)!write(pfd[1], "x", 1);
	waitpid(child, NULL, 0);
	close(cs);
	close(ls);
}

static void test_addr(void **state)
{
	char host[64];
	uint16_t port;
	int fam;

	(void)state;
	assert_int_equal(
		otlp_receiver_parse_addr("127.0.0.1:4318", host, sizeof(host), &port, &fam), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 4318);
	assert_int_equal(otlp_receiver_parse_addr("[::1]:0", host, sizeof(host), &port, &fam), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(otlp_receiver_parse_addr("localhost:9", host, sizeof(host), &port, &fam),
			 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(otlp_receiver_parse_addr("0.0.0.0:1", host, sizeof(host), &port, &fam),
			 -1);
	assert_int_equal(otlp_receiver_parse_addr("10.0.0.1:1", host, sizeof(host), &port, &fam),
			 -1);
	assert_int_equal(otlp_receiver_parse_addr("127.0.0.1:", host, sizeof(host), &port, &fam),
			 -1);
	assert_int_equal(otlp_receiver_parse_addr("127.0.0.1:x", host, sizeof(host), &port, &fam),
			 -1);
	assert_int_equal(otlp_receiver_parse_addr("4318", host, sizeof(host), &port, &fam), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_claude_logs),
		cmocka_unit_test(test_json_metrics),
		cmocka_unit_test(test_protobuf_codex),
		cmocka_unit_test(test_malformed_json),
		cmocka_unit_test(test_xcheck),
		cmocka_unit_test(test_peer_lookup),
		cmocka_unit_test(test_addr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
