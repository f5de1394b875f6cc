/* prices.h: the price table of model calls (data/llm-prices: one
 * MODEL-GLOB INPUT OUTPUT CACHE-READ CACHE-WRITE line per model, USD per
 * million tokens) and a call's cost from it, for llm.cost_usd
 * (docs/EVENTS-llm.md). */
#ifndef PROCTOR_LLM_PRICES_H
#define PROCTOR_LLM_PRICES_H
#include <stddef.h>

#include "llm/call.h"

#define LLM_PRICES_MAX 256 /* lines in the table */

struct llm_price {
	char glob[128];
	double input, output, cache_read, cache_write; /* USD per million tokens */
};

struct llm_prices {
	struct llm_price v[LLM_PRICES_MAX];
	int n;
};

/* Parse the table's text (name: the file, for messages): 0, or -1 with
 * "name:line: why" in err and the table left empty. */
int llm_prices_parse(struct llm_prices *p, const char *text, size_t len, const char *name,
		     char *err, size_t errlen);
/* Read and parse the file at path; -1 with err when it cannot be read. */
int llm_prices_load(struct llm_prices *p, const char *path, char *err, size_t errlen);
/* The first entry whose glob matches model; NULL for none (or no model). */
const struct llm_price *llm_price_find(const struct llm_prices *p, const char *model);
/* The call's cost in USD at price x (its provider's token accounting);
 * -1 when it reported no usage. */
double llm_call_cost(const struct llm_price *x, const struct llm_call *c);

#endif
