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

struct sensor_opts {
	uint32_t ringbuf_bytes; /* power of two; 0 = 16 MiB */
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

/* Kernel losses: total, and per event type when per_type != NULL. */
uint64_t sensor_drops(struct sensor *s, uint64_t per_type[PR_EV_MAX]);
uint64_t sensor_session_drops(struct sensor *s, uint64_t session_key);

/* Boot-clock timestamp of a record -> wall clock ns. */
static inline uint64_t sensor_wall_ns(const struct sensor *s, uint64_t boot_ns)
{
	return boot_ns + s->wall_offset_ns;
}

#endif
