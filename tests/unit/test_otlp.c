/* test_otlp.c: OTLP encodings (one resource per session, JSON rules), the
 * protobuf encoding read back by protobuf-c (multi-byte lengths), partial-success parsing,
 * sink URL parsing and Retry-After. protoc-level checks are end-to-end
 * (tests/e2e/test_sink_otlp.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sink_stubs.h"
#include "sinks/http.h"
#include "sinks/netsink.h"
#include "sinks/otlp_enc.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"

static void mk(struct record *r, const char *session, int64_t pid)
{
	const char *argv[] = {"ls", "-l"};
	record_init(r);
	record_begin(r, 1, "process.exec", 1700000000123456789ull);
	record_add_str(r, "session", session);
	record_add_str(r, "host.name", "h");
	record_add_int(r, "process.pid", pid);
	record_add_bool(r, "process.args_truncated", false);
	record_add_strv(r, "process.command_args", argv, 2);
	record_add_str(r, "process.command_line", "ls -l");
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;
	for (; (s = strstr(s, needle)); s++)
		n++;
	return n;
}

static void test_json_one_resource_per_session(void **state)
{
	struct record a, b, c;
	struct record *recs[] = {&a, &b, &c};
	struct strbuf out = STRBUF_INIT;
	const char *s;

	(void)state;
	mk(&a, "S1", 1);
	mk(&b, "S2", 2);
	mk(&c, "S1", 3);
	assert_int_equal(otlp_encode(recs, 3, OTLP_JSON, 42, &out), 0);
	s = sb_cstr(&out);
	assert_int_equal(count(s, "\"resource\":"), 2);
	assert_int_equal(count(s, "\"timeUnixNano\":\"1700000000123456789\""), 3);
	assert_non_null(strstr(s, "\"observedTimeUnixNano\":\"42\""));
	assert_non_null(strstr(s, "\"severityNumber\":9,"));
	assert_non_null(strstr(s, "{\"key\":\"process.pid\",\"value\":{\"intValue\":\"1\"}}"));
	assert_non_null(
		strstr(s, "{\"key\":\"process.args_truncated\",\"value\":{\"boolValue\":false}}"));
	assert_non_null(strstr(
		s,
		"\"arrayValue\":{\"values\":[{\"stringValue\":\"ls\"},{\"stringValue\":\"-l\"}]}"));
	assert_non_null(
		strstr(s, "{\"key\":\"proctor.session\",\"value\":{\"stringValue\":\"S1\"}}"));
	assert_non_null(strstr(s, "\"body\":{\"stringValue\":\"process.exec: ls -l\"}"));
	/* S1's two records share a resource, in order. */
	assert_true(strstr(s, "\"intValue\":\"1\"") < strstr(s, "\"intValue\":\"3\""));
	assert_true(strstr(s, "\"intValue\":\"3\"") < strstr(s, "\"S2\""));
	record_free(&a);
	record_free(&b);
	record_free(&c);
	sb_free(&out);
}

/* The protobuf encoding read back with protobuf-c: a 20000-byte argument
 * (multi-byte lengths), int, bool false, the event name, two resources. */
static void test_pb_roundtrip(void **state)
{
	Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest *req;
	Opentelemetry__Proto__Logs__V1__LogRecord *lr;
	struct record a, b;
	struct record *recs[] = {&a, &b};
	struct strbuf out = STRBUF_INIT;
	static char big[20000];
	const char *argv[] = {big};
	size_t i;
	int seen = 0;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	mk(&a, "S1", -7);
	record_add_strv(&a, "big", argv, 1);
	mk(&b, "S2", 2);
	assert_int_equal(otlp_encode(recs, 2, OTLP_PROTOBUF, 42, &out), 0);
	req = opentelemetry__proto__collector__logs__v1__export_logs_service_request__unpack(
		NULL, out.len, (const uint8_t *)out.buf);
	assert_non_null(req);
	assert_int_equal(req->n_resource_logs, 2);
	assert_int_equal(req->resource_logs[0]->scope_logs[0]->n_log_records, 1);
	assert_string_equal(req->resource_logs[0]->scope_logs[0]->scope->name, "proctor");
	lr = req->resource_logs[0]->scope_logs[0]->log_records[0];
	assert_int_equal(lr->time_unix_nano, 1700000000123456789ull);
	assert_int_equal(lr->observed_time_unix_nano, 42);
	assert_int_equal(lr->severity_number, 9);
	assert_string_equal(lr->event_name, "process.exec");
	assert_string_equal(lr->body->string_value, "process.exec: ls -l");
	assert_string_equal(lr->attributes[0]->key, "event.name");
	for (i = 0; i < lr->n_attributes; i++) {
		const char *k = lr->attributes[i]->key;
		Opentelemetry__Proto__Common__V1__AnyValue *v = lr->attributes[i]->value;
		if (!strcmp(k, "process.pid"))
			seen += v->int_value == -7;
		else if (!strcmp(k, "process.args_truncated"))
			seen += v->value_case ==
					OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE &&
				!v->bool_value;
		else if (!strcmp(k, "big"))
			seen += strlen(v->array_value->values[0]->string_value) == 19999;
		else if (!strcmp(k, "session"))
			fail(); /* a resource attribute */
	}
	assert_int_equal(seen, 3);
	opentelemetry__proto__collector__logs__v1__export_logs_service_request__free_unpacked(req,
											      NULL);
	record_free(&a);
	record_free(&b);
	sb_free(&out);
}

static void test_partial_success(void **state)
{
	/* partial_success { rejected_log_records: 3 error_message: "bad" } */
	const unsigned char pb[] = {0x0a, 0x07, 0x08, 0x03, 0x12, 0x03, 'b', 'a', 'd'};
	const char *js =
		"{\"partialSuccess\":{\"rejectedLogRecords\":\"5\",\"errorMessage\":\"old\"}}";
	char msg[64];

	(void)state;
	assert_int_equal(otlp_partial_rejected(pb, sizeof(pb), OTLP_PROTOBUF, msg, sizeof(msg)), 3);
	assert_string_equal(msg, "bad");
	assert_int_equal(otlp_partial_rejected(js, strlen(js), OTLP_JSON, msg, sizeof(msg)), 5);
	assert_string_equal(msg, "old");
	assert_int_equal(otlp_partial_rejected("", 0, OTLP_PROTOBUF, msg, sizeof(msg)), 0);
	assert_int_equal(otlp_partial_rejected("\xff\xff", 2, OTLP_PROTOBUF, msg, sizeof(msg)), 0);
}

static void test_url_parse(void **state)
{
	struct sink_url u;
	char err[256];

	(void)state;
	assert_int_equal(sink_url_parse("otlp+http", "//[::1]:4318/v1/logs?encoding=json&x=a%20b",
					&u, err, sizeof(err)),
			 0);
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 4318);
	assert_string_equal(u.path, "/v1/logs");
	assert_string_equal(sink_url_param(&u, "encoding"), "json");
	assert_string_equal(sink_url_param(&u, "x"), "a b");
	assert_null(sink_url_param(&u, "y"));
	assert_int_equal(sink_url_parse("s", "//h:99999", &u, err, sizeof(err)), -1);
	assert_int_equal(sink_url_parse("s", "//h:", &u, err, sizeof(err)), -1);
	assert_int_equal(sink_url_parse("s", "h:1", &u, err, sizeof(err)), -1);
	assert_int_equal(sink_url_parse("s", "//:1", &u, err, sizeof(err)), -1);
	assert_int_equal(sink_url_parse("s", "//h?token=a/b", &u, err, sizeof(err)), 0);
	assert_string_equal(u.host, "h");
	assert_string_equal(u.path, "");
	assert_string_equal(sink_url_param(&u, "token"), "a/b");
}

static void test_retry_after(void **state)
{
	(void)state;
	assert_int_equal(parse_retry_after(" 7\r\n"), 7000);
	assert_int_equal(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), 0); /* in the past */
	assert_int_equal(parse_retry_after("soon"), 0);
	assert_int_equal(parse_retry_after("999999"), 3600000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_one_resource_per_session),
		cmocka_unit_test(test_pb_roundtrip),
		cmocka_unit_test(test_partial_success),
		cmocka_unit_test(test_url_parse),
		cmocka_unit_test(test_retry_after),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
