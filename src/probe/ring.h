/* ring.h: the reader of the BPF ring buffer. It reads like libbpf's
 * ring_buffer__consume, with one difference: in deferred mode the shared
 * consumer position (what the kernel may overwrite) advances only when the
 * reader releases what it read, i.e. once the records are in the sinks. So a
 * reader killed with records read but not yet delivered leaves them in the
 * ring for the next reader (the daemon's restart without loss). */
#ifndef PROCTOR_PROBE_RING_H
#define PROCTOR_PROBE_RING_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int (*ring_sample_fn)(void *ctx, const void *data, size_t len);

struct ring {
	int fd;
	size_t size; /* data bytes (a power of two) */
	unsigned long *cons;
	const unsigned long *prod;
	const uint8_t *data;
	uint64_t read_pos; /* where the next record starts */
	uint64_t cur_pos;  /* start of the record being delivered */
	bool deferred;	   /* consumer advances on ring_release only */
	ring_sample_fn fn;
	void *ctx;
};

int ring_open(struct ring *r, int map_fd, size_t size, ring_sample_fn fn, void *ctx);
void ring_close(struct ring *r);
/* Deliver every committed record; returns how many, or the callback's
 * negative return. */
int ring_consume(struct ring *r);
/* Let the kernel reuse the ring up to pos (a position ring_consume reached). */
void ring_release(struct ring *r, uint64_t pos);
/* Bytes committed by the kernel and not released. */
uint64_t ring_pending(const struct ring *r);

#endif
