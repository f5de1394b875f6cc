/* load.h: parallel verification of the BPF programs. The kernel
 * verifies privileged program loads concurrently, and verification is nearly
 * all of proctor's start-up time; libbpf loads an object's programs one after
 * another. So the programs are split over up to PROBE_MAX_LOADERS copies of
 * the object (the skeleton and extra ones), all sharing one set of maps that
 * a map-only copy created first, and the copies load in parallel threads. */
#ifndef PROCTOR_PROBE_LOAD_H
#define PROCTOR_PROBE_LOAD_H
#include <stdbool.h>
#include <stddef.h>

#include "probe/probe.h"

/* Load every program of s->skel (already opened and configured), in
 * parallel where the host has CPUs for it. Programs for which is_tail() is
 * true are not attached later. Returns 0 or a negative errno. */
int probe_load_parallel(struct probe *s, bool (*is_tail)(const char *name));
/* The loaded instance of program @name (whichever object holds it), or NULL. */
struct bpf_program *probe_find_prog(struct probe *s, const char *name);
/* Attach the auto-attach programs of the extra objects. */
int probe_attach_extra(struct probe *s);
/* Detach and close the extra objects. */
void probe_close_extra(struct probe *s);

#endif
