/* test_llm_prices.c: the price table (src/llm/prices.c): the shipped
 * data/llm-prices parses and prices the scripted test call exactly;
 * OpenAI's cached tokens are taken out of its input; an unknown model has
 * no price; a malformed file is refused whole with file:line: why. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "llm/prices.h"

static void test_shipped(void **state)
{
	static struct llm_prices p;
	const struct llm_price *x;
	struct llm_call c;
	char err[512];

	(void)state;
	assert_int_equal(llm_prices_load(&p, "data/llm-prices", err, sizeof(err)), 0);
	assert_true(p.n > 10);
	x = llm_price_find(&p, "claude-sonnet-4-5-20250929");
	assert_non_null(x);
	assert_string_equal(x->glob, "claude-sonnet-4-5*");
	llm_call_init(&c);
	c.provider = LLM_ANTHROPIC;
	c.in_tok = 1234, c.out_tok = 321, c.cache_read = 789, c.cache_create = 56;
	/* 1234*3 + 321*15 + 789*0.3 + 56*3.75 = 8963.7 millionths */
	assert_true(llm_call_cost(x, &c) == 0.0089637);
	x = llm_price_find(&p, "claude-opus-4-5-20251101");
	assert_string_equal(x->glob, "claude-opus-4-5*"); /* before claude-opus-4-* */
	x = llm_price_find(&p, "gpt-5-mini-2025-08-07");
	assert_string_equal(x->glob, "gpt-5-mini*");
	c.provider = LLM_OPENAI;
	c.in_tok = 1000, c.out_tok = 100, c.cache_read = 400, c.cache_create = -1;
	/* (1000-400)*0.25 + 100*2 + 400*0.025 = 360 millionths */
	assert_true(llm_call_cost(x, &c) == 0.00036);
	c.in_tok = c.out_tok = -1;
	assert_true(llm_call_cost(x, &c) < 0); /* no usage */
	assert_null(llm_price_find(&p, "my-local-llama"));
	assert_null(llm_price_find(&p, ""));
}

static void refused(const char *text, const char *want)
{
	static struct llm_prices p;
	char err[512];

	assert_int_equal(llm_prices_parse(&p, text, strlen(text), "f", err, sizeof(err)), -1);
	assert_int_equal(p.n, 0);
	assert_string_equal(err, want);
}

static void test_malformed(void **state)
{
	static const char two[] = "proctor-llm-prices 1\n# c\n\nm1 1 2 3 4\n m2\t0.5 1 0 0\r\n";
	static struct llm_prices p;
	char err[512];

	(void)state;
	assert_int_equal(llm_prices_parse(&p, two, strlen(two), "f", err, sizeof(err)), 0);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.v[1].glob, "m2");
	assert_true(p.v[1].input == 0.5);
	refused("", "f:1: empty file");
	refused("proctor-llm-prices 2\n", "f:1: not a 'proctor-llm-prices 1' file");
	refused("proctor-llm-prices 1\nm 1 2 3\n", "f:2: want MODEL-GLOB INPUT OUTPUT CACHE-READ "
						   "CACHE-WRITE (USD per million tokens, 0 "
						   "to 999999)");
	refused("proctor-llm-prices 1\nm 1 2 3 -4\n",
		"f:2: want MODEL-GLOB INPUT OUTPUT CACHE-READ CACHE-WRITE (USD per million tokens, "
		"0 "
		"to 999999)");
	refused("proctor-llm-prices 1\nm 1 2 3 nan\n",
		"f:2: want MODEL-GLOB INPUT OUTPUT CACHE-READ CACHE-WRITE (USD per million tokens, "
		"0 "
		"to 999999)");
	refused("proctor-llm-prices 1\nm 1 2 3 4 5\n",
		"f:2: unexpected text after the four prices");
	refused("proctor-llm-prices 1\nm 1 2 3 4x\n",
		"f:2: want MODEL-GLOB INPUT OUTPUT CACHE-READ CACHE-WRITE (USD per million tokens, "
		"0 "
		"to 999999)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
