/* sensor_load.h: parallel verification of the BPF programs. The kernel
 * verifies privileged program loads concurrently, and verification is nearly
 * all of proctor's start-up time; libbpf loads an object's programs one after
 * another. So the programs are split over up to SENSOR_MAX_LOADERS copies of
 * the object (the skeleton and extra ones), all sharing one set of maps that
 * a map-only copy created first, and the copies load in parallel threads. */
#ifndef PROCTOR_SENSOR_LOAD_H
#define PROCTOR_SENSOR_LOAD_H
#include <stdbool.h>
#include <stddef.h>

#include "sensor/sensor.h"

/* Load every program of s->skel (already opened and configured), in
 * parallel where the host has CPUs for it. Programs for which is_tail() is
 * true are not attached later. Returns 0 or a negative errno. */
int sensor_load_parallel(struct sensor *s, bool (*is_tail)(const char *name));
/* The loaded instance of program @name (whichever object holds it), or NULL. */
struct bpf_program *sensor_find_prog(struct sensor *s, const char *name);
/* Attach the auto-attach programs of the extra objects. */
int sensor_attach_extra(struct sensor *s);
/* Detach and close the extra objects. */
void sensor_close_extra(struct sensor *s);

#endif
