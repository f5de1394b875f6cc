/* failclosed.h: fail-closed recording (issue 15 §4). When the ring buffer
 * holds more than a high mark of unread records, every session recorded
 * fail-closed is frozen (cgroup.freeze of its own cgroup: the agent is slowed,
 * never unrecorded; nothing else on the host is touched) until the reader has
 * caught up (at or below a low mark, with every record read flushed to the
 * sinks), then thawed. The same while a sink holds records it cannot write
 * yet (the store on a full disk, sink_ops.blocked): frozen until it wrote
 * them. A watcher thread freezes, so that a reader busy in a
 * long sink write still stops the agent in time: it sleeps on the ring's
 * wake-ups (the kernel forces one when the ring is more than 1/8 full) with a
 * 5 ms backstop, only while a fail-closed session exists. The reader thaws.
 * Freezes are counted in the sessions (summary) and the pipeline's stats
 * (/metrics): how many, and the total time frozen. */
#ifndef PROCTOR_APP_FAILCLOSED_H
#define PROCTOR_APP_FAILCLOSED_H
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/session.h"

struct app;

struct fail_closed {
	uint64_t high, low;   /* bytes pending in the ring: freeze above, thaw at or below */
	pthread_mutex_t lock; /* the fields below */
	struct session *s[SESSION_TABLE_MAX]; /* the fail-closed sessions */
	size_t n;
	bool frozen;
	uint64_t since_ns; /* CLOCK_MONOTONIC of the current freeze */
	uint64_t errors;   /* freezes cgroup.freeze refused */
	pthread_t watcher;
	bool running, stop;
	int ep; /* the watcher's epoll on the ring fd; -1: none */
};

void fail_closed_init(struct fail_closed *fc);
/* Marks for a ring of ring_bytes: freeze at a quarter, thaw at 1/16. */
void fail_closed_set_ring(struct fail_closed *fc, uint64_t ring_bytes);
void fail_closed_destroy(struct fail_closed *fc);
/* A session recorded fail-closed (s->fail_closed) joins; the first starts
 * the watcher. -1 with err when the thread cannot start. */
int fail_closed_add(struct app *r, struct session *s, char *err, size_t errlen);
/* The reader, with pending the ring's unread bytes: freeze when over. */
void fail_closed_check(struct app *r, uint64_t pending);
/* After a drain: thaw when caught up (flushes first, so that a deferred ring
 * release gives the space back). */
void fail_closed_after_drain(struct app *r);
/* A session that ends: thawed if frozen, its frozen time counted, gone
 * from the set. */
void fail_closed_end_session(struct app *r, struct session *s);

#endif
