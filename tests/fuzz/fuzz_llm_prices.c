/* fuzz_llm_prices.c: libFuzzer target for the price table parser
 * (src/llm/prices.c): the input is a file's text; what parses has only
 * finite, non-negative prices, and a lookup and a cost never crash. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "llm/prices.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct llm_prices p;
	struct llm_call c;
	const struct llm_price *x;
	char err[512];
	int i;

	if (llm_prices_parse(&p, (const char *)data, size, "fuzz", err, sizeof(err))) {
		if (p.n)
			abort(); /* refused whole */
		return 0;
	}
	for (i = 0; i < p.n; i++)
		if (!isfinite(p.v[i].input + p.v[i].output + p.v[i].cache_read +
			      p.v[i].cache_write) ||
		    p.v[i].input < 0 || p.v[i].output < 0 || p.v[i].cache_read < 0 ||
		    p.v[i].cache_write < 0)
			abort();
	llm_call_init(&c);
	c.in_tok = c.out_tok = c.cache_read = c.cache_create = INT64_MAX / 4;
	if ((x = llm_price_find(&p, "claude-sonnet-4-5-20250929")) &&
	    !isfinite(llm_call_cost(x, &c)))
		abort();
	return 0;
}
