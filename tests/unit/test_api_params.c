/* test_api_params.c: the API's parameter parsers (serve/params.h): what each
 * accepts, exactly, and what it refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "serve/params.h"

static void test_counts_and_times(void **state)
{
	int64_t v;
	(void)state;
	assert_int_equal(api_parse_count("1000", &v), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(api_parse_count("9223372036854775807", &v), 0);
	assert_int_equal(api_parse_count("9223372036854775808", &v), -1);
	assert_int_equal(api_parse_count("-1", &v), -1);
	assert_int_equal(api_parse_count("+1", &v), -1);
	assert_int_equal(api_parse_count(" 1", &v), -1);
	assert_int_equal(api_parse_count("", &v), -1);
	assert_int_equal(api_parse_time("2026-12-07T00:00:00Z", &v), 0);
	assert_int_equal(v, 1796601600000000000LL);
	assert_int_equal(api_parse_time("1796601600000000000", &v), 0);
	assert_int_equal(v, 1796601600000000000LL);
	assert_int_equal(api_parse_time("2026-13-07T00:00:00Z", &v), -1);
	assert_int_equal(api_parse_time("yesterday", &v), -1);
}

static void test_cursor(void **state)
{
	int64_t t = 0, id = 0;
	(void)state;
	assert_int_equal(api_parse_cursor("1796601600000000000_42", &t, &id), 0);
	assert_int_equal(t, 1796601600000000000LL);
	assert_int_equal(id, 42);
	assert_int_equal(api_parse_cursor("0_0", &t, &id), 0);
	static const char *const bad[] = {
		"",	"_",	"1_",	"_1",	"1_2_3",
		"-1_2", "1_-2", "+1_2", "1_ 2", " 1_2",
		"1_2 ", "1x_2", "1",	"1__2", "99999999999999999999999_1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(api_parse_cursor(bad[i], &t, &id), -1);
}

static void test_bearer_and_route(void **state)
{
	const char *rest;
	char id[65];
	(void)state;
	assert_string_equal(api_bearer_token("Bearer pct_ab"), "pct_ab");
	assert_string_equal(api_bearer_token("bearer pct_ab"), "pct_ab");
	assert_null(api_bearer_token("Bearer "));
	assert_null(api_bearer_token("Basic dXNlcjpwdw=="));
	assert_null(api_bearer_token("Bearerpct_ab"));
	assert_null(api_bearer_token(NULL));

	assert_int_equal(api_session_path("sessions/20261207T023433-df9a8a", id, &rest), 0);
	assert_string_equal(id, "20261207T023433-df9a8a");
	assert_null(rest);
	assert_int_equal(api_session_path("sessions/s1/events/stream", id, &rest), 0);
	assert_string_equal(id, "s1");
	assert_string_equal(rest, "events/stream");
	assert_int_equal(api_session_path("sessions/s1/", id, &rest), 0);
	assert_string_equal(rest, "");
	assert_int_equal(api_session_path("sessions/../etc/passwd", id, &rest), -1);
	assert_int_equal(api_session_path("sessions/.x", id, &rest), -1);
	assert_int_equal(api_session_path("sessions/", id, &rest), -1);
	assert_int_equal(api_session_path("sessions/a%2fb", id, &rest), -1);
	char longid[80] = "sessions/";
	memset(longid + 9, 'a', 65);
	longid[74] = 0;
	assert_int_equal(api_session_path(longid, id, &rest), -1);
	longid[73] = 0; /* 64 characters: the longest id */
	assert_int_equal(api_session_path(longid, id, &rest), 0);
}

static void test_query_budget(void **state)
{
	static const char *const names[] = {"type", "limit", NULL};
	struct api_args a = {.names = names};
	char big[API_QUERY_MAX];
	(void)state;
	api_args_add(&a, "type", "file.");
	api_args_add(&a, "limit", NULL);
	assert_null(a.unknown);
	assert_false(api_args_too_long(&a));
	api_args_add(&a, "bogus", "1");
	api_args_add(&a, "other", "1");
	assert_string_equal(a.unknown, "bogus");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	api_args_add(&a, "type", big);
	assert_true(api_args_too_long(&a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_and_times),
		cmocka_unit_test(test_cursor),
		cmocka_unit_test(test_bearer_and_route),
		cmocka_unit_test(test_query_budget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
