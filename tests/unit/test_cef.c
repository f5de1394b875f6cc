/* test_cef.c: RFC 5424 framing/structured data and CEF header/extension
 * escaping of records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sinks/syslog_fmt.h"

static void make(struct record *r)
{
	const char *argv[] = {"sh", "-c", "echo a=b|c ]\"x\\"};
	record_init(r);
	record_begin(r, 1, "process.exec", 1763821781123456789ull);
	record_add_str(r, "host.name", "box1");
	record_add_int(r, "process.pid", 4242);
	record_add_str(r, "process.name", "sh");
	record_add_strv(r, "process.command_args", argv, 3);
	record_add_str(r, "process.command_line", "sh -c echo a=b|c ]\"x\\\nnext");
	record_add_str(r, "session", "S1");
	record_add_str(r, "event.severity", "info");
}

static void test_cef_escaping(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	cef_escape_header(&sb, "a|b\\c=d\ne");
	assert_string_equal(sb_cstr(&sb), "a\\|b\\\\c=d e");
	sb_reset(&sb);
	cef_escape_ext(&sb, "a|b\\c=d\ne\rf");
	assert_string_equal(sb_cstr(&sb), "a|b\\\\c\\=d\\ne\\rf");
	sb_free(&sb);
}

static void test_cef_record(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct record r;

	(void)state;
	make(&r);
	cef_format(&r, &sb);
	assert_true(!strncmp(sb_cstr(&sb), "CEF:0|proctor|proctor|", 22));
	assert_non_null(strstr(sb_cstr(&sb), "|process.exec|process exec|3|rt=1763821781123 "));
	assert_non_null(strstr(sb_cstr(&sb), " dvchost=box1"));
	assert_non_null(strstr(sb_cstr(&sb), " spid=4242"));
	assert_non_null(strstr(sb_cstr(&sb), "cs1Label=session cs1=S1"));
	assert_non_null(strstr(sb_cstr(&sb), "cs4=sh -c echo a\\=b|c ]\"x\\\\\\nnext"));
	assert_null(strchr(sb_cstr(&sb), '\n'));
	record_free(&r);
	sb_free(&sb);
}

static void test_rfc5424(void **state)
{
	struct syslog_opts o = {.facility = 13, .procid = 77};
	struct strbuf sb = STRBUF_INIT;
	struct record r;
	const char *s;

	(void)state;
	make(&r);
	syslog_format(&r, &o, &sb);
	s = sb_cstr(&sb);
	/* 13*8 + info(6) = 110; 6-digit fraction. */
	assert_true(!strncmp(
		s,
		"<110>1 2025-11-22T14:29:41.123456Z box1 proctor 77 process.exec [proctor@32473 ",
		79));
	assert_non_null(strstr(s, " process.pid=\"4242\""));
	assert_non_null(strstr(s, " process.command_line=\"sh -c echo a=b|c \\]\\\"x\\\\\nnext\""));
	assert_non_null(strstr(s, "] {\"time\":"));
	o.cef = 1;
	o.max_len = 600;
	syslog_format(&r, &o, &sb);
	assert_non_null(strstr(sb_cstr(&sb), "] CEF:0|proctor|"));
	assert_true(sb.len <= 600);
	assert_int_equal(syslog_facility_parse("local3"), 19);
	assert_int_equal(syslog_facility_parse("24"), -1);
	record_free(&r);
	sb_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cef_escaping),
		cmocka_unit_test(test_cef_record),
		cmocka_unit_test(test_rfc5424),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
