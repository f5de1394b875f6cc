/* sensor.h: owns the loaded BPF object: load and attach (with the verifier's
 * reason on failure), the tracked-cgroup map, the ring-buffer reader and the
 * kernel drop counters. One sensor serves any number of sessions. */
#ifndef PROCTOR_SENSOR_H
#define PROCTOR_SENSOR_H
#include <stddef.h>
#include <stdint.h>

#include "proctor/abi.h"

struct proctor_bpf;
struct ring_buffer;

typedef int (*sensor_event_fn)(void *ctx, const void *data, size_t len);

/* Default ring buffer: 64 MiB holds ~300k typical records, so a burst such
 * as a recursive grep over a large tree (200k+ events/s for a second or two)
 * is absorbed while the store catches up instead of being lost. */
#define PR_RINGBUF_DEFAULT_MB 64

struct sensor_opts {
	uint32_t ringbuf_bytes; /* power of two; 0 = PR_RINGBUF_DEFAULT_MB */
	sensor_event_fn on_event;
	void *ctx;
};

#define SENSOR_MAX_LOADERS 4 /* objects loading programs in parallel */

struct bpf_object;
struct bpf_link;

struct sensor {
	struct proctor_bpf *skel;
	/* Programs verified in parallel live in copies of the object that share
	 * the skeleton's maps (see sensor_load.c); their links are kept here. */
	struct bpf_object *extra[SENSOR_MAX_LOADERS - 1];
	struct bpf_link **extra_links;
	size_t n_extra_links;
	struct ring_buffer *rb;
	uint64_t load_ns;	 /* time to open, load and attach */
	uint64_t wall_offset_ns; /* CLOCK_REALTIME - CLOCK_BOOTTIME */
	/* Read-only views of the ring buffer's consumer and producer positions
	 * (pages 0 and 1 of the map), for the pending-bytes gauge. */
	const volatile unsigned long *rb_cons, *rb_prod;
};

int sensor_open(struct sensor *s, const struct sensor_opts *o, char *err, size_t errlen);
void sensor_close(struct sensor *s);

int sensor_track_cgroup(struct sensor *s, uint64_t cgroup_id, uint64_t session_key);
/* Remove every tracked cgroup of the session; returns how many. */
int sensor_untrack_session(struct sensor *s, uint64_t session_key);

/* fd that becomes readable when records are waiting (epoll). */
int sensor_fd(struct sensor *s);
/* Read every waiting record; returns how many, or -1. */
int sensor_consume(struct sensor *s);
/* Bytes the kernel has committed that the reader has not consumed yet
 * (record headers included); 0 when unknown. */
uint64_t sensor_pending_bytes(const struct sensor *s);

/* Kernel losses: total, and per event type when per_type != NULL. */
uint64_t sensor_drops(struct sensor *s, uint64_t per_type[PR_EV_MAX]);
uint64_t sensor_session_drops(struct sensor *s, uint64_t session_key);

/* Boot-clock timestamp of a record -> wall clock ns. */
static inline uint64_t sensor_wall_ns(const struct sensor *s, uint64_t boot_ns)
{
	return boot_ns + s->wall_offset_ns;
}

#endif
