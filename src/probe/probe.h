/* probe.h: owns the loaded BPF object: load and attach (with the verifier's
 * reason on failure), the tracked-cgroup map, the ring-buffer reader and the
 * kernel drop counters. One probe serves any number of sessions. */
#ifndef PROCTOR_PROBE_H
#define PROCTOR_PROBE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe/maps.h"
#include "probe/tls.h"
#include "probe/ring.h"
#include "proctor/abi.h"

struct proctor_bpf;

typedef int (*probe_event_fn)(void *ctx, const void *data, size_t len);

/* Default ring buffer: 64 MiB holds ~300k typical records, so a burst such
 * as a recursive grep over a large tree (200k+ events/s for a second or two)
 * is absorbed while the store catches up instead of being lost. */
#define PR_RINGBUF_DEFAULT_MB 64

struct probe_opts {
	uint32_t ringbuf_bytes; /* power of two; 0 = PR_RINGBUF_DEFAULT_MB */
	probe_event_fn on_event;
	void *ctx;
	/* Pin maps and links in this bpffs directory (pin.h), or re-open what
	 * a matching build pinned there; NULL: nothing pinned (standalone). */
	const char *pin_dir;
};

#define PROBE_MAX_LOADERS 4 /* objects loading programs in parallel */

struct bpf_object;
struct bpf_link;

struct probe {
	struct proctor_bpf *skel;
	/* Programs verified in parallel live in copies of the object that share
	 * the skeleton's maps (see load.c); their links are kept here. */
	struct bpf_object *extra[PROBE_MAX_LOADERS - 1];
	struct bpf_link **extra_links;
	size_t n_extra_links;
	struct ring ring;
	uint64_t load_ns;	 /* time to open, load and attach */
	uint64_t wall_offset_ns; /* CLOCK_REALTIME - CLOCK_BOOTTIME */
	struct probe_tls tls; /* the tls family's uprobes, per library (tls.c) */
	/* Pinned (pin_dir set); reopened: the maps and links were found
	 * pinned, so nothing was attached or routed by this process. */
	bool pinned, reopened;
	char pin_dir[256];
};

int probe_open(struct probe *s, const struct probe_opts *o, char *err, size_t errlen);
void probe_close(struct probe *s);

/* Attach the network family's cgroup programs to the cgroup open at cg_fd
 * (cg_name for messages); returns the number of links stored in links, or
 * -1 with err filled (nothing left attached). */
int probe_attach_cgroup_net(struct probe *s, int cg_fd, const char *cg_name,
			    struct bpf_link **links, int max, char *err, size_t errlen);

/* fd that becomes readable when records are waiting (epoll). */
int probe_fd(struct probe *s);
/* Read every waiting record; returns how many, or -1. */
int probe_consume(struct probe *s);
/* Deferred release (ring.h): the kernel may overwrite what was read only
 * once probe_release says so; for a reader that must not lose records read
 * but not yet delivered when it dies. Off by default. */
void probe_defer_release(struct probe *s, bool on);
/* Positions: the next record to read, the record being delivered. */
uint64_t probe_read_pos(const struct probe *s);
uint64_t probe_cur_pos(const struct probe *s);
void probe_release(struct probe *s, uint64_t pos);
/* Bytes the kernel has committed that the reader has not consumed yet
 * (record headers included); 0 when unknown. */
uint64_t probe_pending_bytes(const struct probe *s);

/* Boot-clock timestamp of a record -> wall clock ns. */
static inline uint64_t probe_wall_ns(const struct probe *s, uint64_t boot_ns)
{
	return boot_ns + s->wall_offset_ns;
}

#endif
