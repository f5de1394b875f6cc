/* test_record.c: record fields, arena, JSON serialization and escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <math.h>
#include <stdlib.h>

#include "model/record.h"
#include "sinks/recser.h"
#include "util/strbuf.h"

static void json_of(const char *in, size_t n, char *out, size_t outlen)
{
	struct strbuf sb = STRBUF_INIT;
	sb_json_strn(&sb, in, n);
	snprintf(out, outlen, "%s", sb_cstr(&sb));
	sb_free(&sb);
}

static void test_json_escaping(void **state)
{
	char out[256];
	(void)state;
	json_of("a\"b\\c", 5, out, sizeof(out));
	assert_string_equal(out, "\"a\\\"b\\\\c\"");
	json_of("\n\t\x01", 3, out, sizeof(out));
	assert_string_equal(out, "\"\\n\\t\\u0001\"");
	json_of("caf\xc3\xa9", 5, out, sizeof(out)); /* valid UTF-8 kept */
	assert_string_equal(out, "\"caf\xc3\xa9\"");
	json_of("bad\xff\xc3", 5, out, sizeof(out)); /* invalid bytes replaced */
	assert_string_equal(out, "\"bad\\ufffd\\ufffd\"");
	json_of("\xed\xa0\x80", 3, out, sizeof(out)); /* surrogate: invalid */
	assert_string_equal(out, "\"\\ufffd\\ufffd\\ufffd\"");
}

static void test_record_json(void **state)
{
	struct record r;
	struct strbuf sb = STRBUF_INIT;
	const char *args[] = {"sh", "-c", "echo \"hi\""};
	(void)state;

	record_init(&r);
	record_begin(&r, 1, "process.exec", 1795357781123456789ull);
	record_add_int(&r, "process.pid", 42);
	record_add_bool(&r, "process.args_truncated", false);
	record_add_strv(&r, "process.command_args", args, 3);
	record_to_json(&r, &sb);
	assert_string_equal(
		sb_cstr(&sb),
		"{\"time\":\"2026-11-22T14:29:41.123456789Z\",\"type\":\"process.exec\","
		"\"process.pid\":42,\"process.args_truncated\":false,"
		"\"process.command_args\":[\"sh\",\"-c\",\"echo \\\"hi\\\"\"]}");
	sb_free(&sb);
	record_free(&r);
}

static void test_record_set_get_remove(void **state)
{
	struct record r;
	int64_t v;
	(void)state;

	record_init(&r);
	record_add_str(&r, "a", "1");
	record_set_str(&r, "a", "2");
	record_set_str(&r, "b", "3");
	record_set_int(&r, "n", 7);
	assert_string_equal(record_get_str(&r, "a"), "2");
	assert_string_equal(record_get_str(&r, "b"), "3");
	assert_true(record_get_int(&r, "n", &v));
	assert_int_equal(v, 7);
	record_remove(&r, "a");
	assert_null(record_get(&r, "a"));
	assert_int_equal(r.nf, 2);
	record_free(&r);
}

static void test_record_full_and_big_strings(void **state)
{
	struct record r, c;
	char big[10000];
	int i;
	(void)state;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	record_init(&r);
	record_init(&c);
	for (i = 0; i < RECORD_MAX_FIELDS; i++)
		assert_int_equal(record_add_str(&r, "k", big), 0);
	assert_int_equal(record_add_int(&r, "over", 1), -1); /* full: refused, no overflow */
	assert_int_equal(record_add_str(&r, "over", "x"), -1);
	assert_int_equal(r.lost_fields, 2); /* and counted */
	assert_int_equal(record_copy(&c, &r), 0);
	assert_int_equal(c.nf, RECORD_MAX_FIELDS);
	assert_int_equal(strlen(record_get_str(&c, "k")), sizeof(big) - 1);
	record_reset(&r);
	assert_int_equal(r.nf, 0);
	assert_int_equal(r.lost_fields, 0);
	assert_int_equal(record_add_str(&r, "k", "small"), 0);
	record_free(&r);
	record_free(&c);
}

/* A number field (llm.cost_usd): JSON with 12 significant digits, copied
 * and through the spool's binary form unchanged; NaN and infinity refused. */
static void test_double(void **state)
{
	struct record r, c, d;
	struct strbuf sb = STRBUF_INIT, bin = STRBUF_INIT;
	const struct field *f;

	(void)state;
	record_init(&r);
	record_init(&c);
	record_init(&d);
	record_begin(&r, 89, "llm.call", 0);
	assert_int_equal(record_add_double(&r, "llm.cost_usd", 0.0089637), 0);
	assert_int_equal(record_add_double(&r, "x", NAN), -1);
	assert_int_equal(record_add_double(&r, "y", INFINITY), -1);
	record_to_json(&r, &sb);
	assert_non_null(strstr(sb_cstr(&sb), "\"llm.cost_usd\":0.0089637"));
	assert_int_equal(record_copy(&c, &r), 0);
	assert_int_equal(record_serialize(&c, &bin), 0);
	assert_int_equal(record_deserialize(&d, bin.buf, bin.len), 0);
	f = record_get(&d, "llm.cost_usd");
	assert_non_null(f);
	assert_int_equal(f->kind, FIELD_DOUBLE);
	assert_true(f->d == 0.0089637);
	sb_free(&sb);
	sb_free(&bin);
	record_free(&r);
	record_free(&c);
	record_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_record_json),
		cmocka_unit_test(test_record_set_get_remove),
		cmocka_unit_test(test_record_full_and_big_strings),
		cmocka_unit_test(test_double),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
