/* test_util.c: parsing and formatting helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util/hash.h"
#include "util/strbuf.h"
#include "util/util.h"

static void test_durations(void **state)
{
	uint64_t ns;
	(void)state;
	assert_int_equal(parse_duration_ns("5s", &ns), 0);
	assert_int_equal(ns, 5000000000ull);
	assert_int_equal(parse_duration_ns("250ms", &ns), 0);
	assert_int_equal(ns, 250000000ull);
	assert_int_equal(parse_duration_ns("2m", &ns), 0);
	assert_int_equal(ns, 120000000000ull);
	assert_int_equal(parse_duration_ns("3", &ns), 0);
	assert_int_equal(ns, 3000000000ull);
	assert_int_equal(parse_duration_ns("1.5m", &ns), 0);
	assert_int_equal(ns, 90000000000ull);
	assert_int_equal(parse_duration_ns("0.001s", &ns), 0);
	assert_int_equal(ns, 1000000ull);
	assert_int_equal(parse_duration_ns("213503d", &ns), 0);
	assert_int_equal(parse_duration_ns("213504d", &ns), -ERANGE);
	assert_int_equal(parse_duration_ns("99999999999h", &ns), -ERANGE);
	assert_int_equal(parse_duration_ns("18446744073709551616", &ns), -ERANGE);
	assert_int_equal(parse_duration_ns("", &ns), -EINVAL);
	assert_int_equal(parse_duration_ns("-1s", &ns), -EINVAL);
	assert_int_equal(parse_duration_ns("5 parsecs", &ns), -EINVAL);
	assert_int_equal(parse_duration_ns("abc", &ns), -EINVAL);
	assert_int_equal(parse_duration_ns("inf", &ns), -EINVAL);
	assert_int_equal(parse_duration_ns("nan", &ns), -EINVAL);
	assert_int_equal(parse_duration_ns("1e3", &ns), -EINVAL);
	assert_int_equal(parse_duration_ns(" 5s", &ns), -EINVAL);
	assert_int_equal(parse_duration_ns("1.s", &ns), -EINVAL);
}

static void test_rfc3339_roundtrip(void **state)
{
	char buf[40];
	uint64_t ns;
	(void)state;
	fmt_rfc3339(1795357781123456789ull, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-22T14:29:41.123456789Z");
	assert_int_equal(parse_rfc3339(buf, &ns), 0);
	assert_int_equal(ns, 1795357781123456789ull);
	assert_int_equal(parse_rfc3339("2026-11-22T14:29:41Z", &ns), 0);
	assert_int_equal(parse_rfc3339("2026-11-22 14:29:41", &ns), -1);
	assert_int_equal(parse_rfc3339("garbage", &ns), -1);
}

/* The per-second cache: same second, next second, an earlier one, a
 * truncating buffer (snprintf's behaviour), nanoseconds with zeros. */
static void test_rfc3339_cached(void **state)
{
	char buf[40], small[12];
	(void)state;
	fmt_rfc3339(1795357781000000007ull, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-22T14:29:41.000000007Z");
	fmt_rfc3339(1795357781999999999ull, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-22T14:29:41.999999999Z");
	fmt_rfc3339(1795357782000000000ull, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-22T14:29:42.000000000Z");
	fmt_rfc3339(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00.000000000Z");
	fmt_rfc3339(1795357781123456789ull, small, sizeof(small));
	assert_string_equal(small, "2026-11-22T");
}

static void test_strbuf_json_and_ints(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char ref[64];
	const int64_t ints[] = {0, 7, -1, 1234567890123ll, INT64_MAX, INT64_MIN};
	size_t i;
	(void)state;
	sb_json_str(&sb, "plain /path-ok");
	assert_string_equal(sb_cstr(&sb), "\"plain /path-ok\"");
	sb_reset(&sb);
	sb_json_strn(&sb, "a\"b\\c\n\t\x01\x7f\xc3\xa9\xff end", 16);
	assert_string_equal(sb_cstr(&sb), "\"a\\\"b\\\\c\\n\\t\\u0001\\u007f\xc3\xa9\\ufffd end\"");
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		sb_reset(&sb);
		sb_put_i64(&sb, ints[i]);
		snprintf(ref, sizeof(ref), "%" PRId64, ints[i]);
		assert_string_equal(sb_cstr(&sb), ref);
	}
	sb_reset(&sb);
	for (i = 0; i < 1000; i++)
		sb_putc(&sb, 'x');
	assert_int_equal(sb.len, 1000);
	assert_int_equal(strlen(sb_cstr(&sb)), 1000);
	sb_free(&sb);
}

static void test_numbers(void **state)
{
	uint64_t u;
	int i;
	(void)state;
	assert_int_equal(parse_u64("18446744073709551615", &u), 0);
	assert_int_equal(parse_u64("18446744073709551616", &u), -ERANGE);
	assert_int_equal(parse_u64("-1", &u), -EINVAL);
	assert_int_equal(parse_u64("+1", &u), -EINVAL);
	assert_int_equal(parse_u64(" 1", &u), -EINVAL);
	assert_int_equal(parse_u64("12x", &u), -EINVAL);
	assert_int_equal(parse_size("4096", &u), 0);
	assert_int_equal(u, 4096);
	assert_int_equal(parse_size("256MiB", &u), 0);
	assert_int_equal(u, 256ull << 20);
	assert_int_equal(parse_size("10M", &u), 0);
	assert_int_equal(u, 10ull << 20);
	assert_int_equal(parse_size("16777216TiB", &u), -ERANGE);
	assert_int_equal(parse_size("-1K", &u), -EINVAL);
	assert_int_equal(parse_size("1.5K", &u), -EINVAL);
	{
		uint16_t port;
		assert_int_equal(parse_port("65535", &port), 0);
		assert_int_equal(port, 65535);
		assert_int_equal(parse_port("65536", &port), -ERANGE);
		assert_int_equal(parse_port("99999", &port), -ERANGE);
		assert_int_equal(parse_port("0", &port), -ERANGE);
		assert_int_equal(parse_port("http", &port), -EINVAL);
	}
	assert_int_equal(parse_int("-5", &i), 0);
	assert_int_equal(i, -5);
	assert_int_equal(parse_int("99999999999", &i), -ERANGE);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(errno_name(EACCES), "EACCES");
	assert_string_equal(errno_name(EPERM), "EPERM");
	assert_string_equal(signal_name(SIGKILL), "SIGKILL");
	assert_string_equal(signal_name(SIGTERM), "SIGTERM");
	assert_null(signal_name(0));
}

/* The standard test vector, and the seed spool names and document ids use. */
static void test_fnv1a(void **state)
{
	(void)state;
	assert_true(fnv1a_64("a", 1, FNV1A_64_OFFSET) == 0xaf63dc4c8601ec8cull);
	assert_true(fnv1a_64("foobar", 6, FNV1A_64_SEED) == 0x88fad7c0a8ff07f2ull);
	assert_true(fnv1a_64("", 0, FNV1A_64_SEED) == FNV1A_64_SEED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),      cmocka_unit_test(test_rfc3339_roundtrip),
		cmocka_unit_test(test_rfc3339_cached), cmocka_unit_test(test_strbuf_json_and_ints),
		cmocka_unit_test(test_numbers),	       cmocka_unit_test(test_names),
		cmocka_unit_test(test_fnv1a),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
