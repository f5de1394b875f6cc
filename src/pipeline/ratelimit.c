/* ratelimit.c: per-key token buckets in a fixed open-addressed table. */
#include "pipeline/ratelimit.h"

#include <string.h>

void ratelimit_init(struct ratelimit *rl, double rate, double burst)
{
	memset(rl, 0, sizeof(*rl));
	rl->rate = rate > 0 ? rate : 0;
	rl->burst = burst > 0 ? burst : rl->rate;
}

static struct bucket *find(struct ratelimit *rl, uint64_t key, uint64_t now_ns)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ull;
	struct bucket *oldest = NULL;
	size_t i;

	for (i = 0; i < 8; i++) {
		struct bucket *b = &rl->b[(h + i) % RATELIMIT_SLOTS];
		if (b->key == key && b->last_ns)
			return b;
		if (!b->last_ns) {
			oldest = b;
			break;
		}
		if (!oldest || b->last_ns < oldest->last_ns)
			oldest = b;
	}
	/* New key (or evicting the stalest of the probe window): full bucket. */
	oldest->key = key;
	oldest->tokens = rl->burst;
	oldest->last_ns = now_ns ? now_ns : 1;
	return oldest;
}

bool ratelimit_allow(struct ratelimit *rl, uint64_t key, uint64_t now_ns)
{
	struct bucket *b;

	if (rl->rate <= 0)
		return true;
	b = find(rl, key, now_ns);
	if (now_ns > b->last_ns) {
		b->tokens += (double)(now_ns - b->last_ns) * rl->rate / 1e9;
		if (b->tokens > rl->burst)
			b->tokens = rl->burst;
		b->last_ns = now_ns;
	}
	if (b->tokens < 1.0)
		return false;
	b->tokens -= 1.0;
	return true;
}
