/* pin.h: the probe's state pinned in bpffs, so that it outlives the daemon:
 * every map (ring buffer, tracked cgroups, lineage task storage, counters)
 * under DIR/maps/, every attached link under DIR/links/, and a stamp map
 * (DIR/stamp: ABI version, release, a hash of the BPF object) written last,
 * which marks the set complete. A daemon that finds a matching stamp re-opens
 * the maps and attaches nothing: the pinned links kept the kernel recording
 * into the pinned ring buffer while no daemon ran. */
#ifndef PROCTOR_PROBE_PIN_H
#define PROCTOR_PROBE_PIN_H
#include <stdbool.h>
#include <stddef.h>

#include "probe/probe.h"

#define PROBE_PIN_DIR_DEFAULT "/sys/fs/bpf/proctor"

enum pin_state {
	PIN_NONE,  /* nothing pinned (or stale state removed): load and pin */
	PIN_MATCH, /* this build's state: re-open it */
};

/* Mount bpffs at /sys/fs/bpf when it is absent, then look at dir. State of
 * another build (or an incomplete set) is removed when no cgroup is tracked
 * in it, refused otherwise (err names both builds). */
int probe_pin_check(const char *dir, enum pin_state *st, char *err, size_t errlen);
/* Point every map of the (opened, not loaded) skeleton at its pinned map. */
int probe_pin_reuse_maps(struct probe *s, const char *dir, char *err, size_t errlen);
/* Pin the loaded and attached probe's maps and links, then the stamp. */
int probe_pin_all(struct probe *s, const char *dir, char *err, size_t errlen);
/* Remove the pinned set (links detach when their last reference goes). */
int probe_pin_remove(const char *dir);

#endif
