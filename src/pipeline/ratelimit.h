/* ratelimit.h: the Rate-limit stage: one token bucket per cgroup (falling
 * back to the session key), so that one runaway agent cannot starve the
 * others. rate 0 disables limiting. */
#ifndef PROCTOR_RATELIMIT_H
#define PROCTOR_RATELIMIT_H
#include <stdbool.h>
#include <stdint.h>

#define RATELIMIT_SLOTS 1024

struct bucket {
	uint64_t key;
	double tokens;
	uint64_t last_ns;
};

struct ratelimit {
	double rate;  /* tokens per second */
	double burst; /* bucket size */
	struct bucket b[RATELIMIT_SLOTS];
};

void ratelimit_init(struct ratelimit *rl, double rate, double burst);
/* true: let the event through (one token taken). */
bool ratelimit_allow(struct ratelimit *rl, uint64_t key, uint64_t now_ns);

#endif
