/* bolt.h: a read-only lookup in a bbolt database file (go.etcd.io/bbolt,
 * the format of podman 4's state, libpod/bolt_state.db), given as bytes:
 * the newest valid meta page, then buckets down a path to one key's value.
 * Pure (no I/O) and bounds-checked throughout: any bytes are safe input. */
#ifndef PROCTOR_BOLT_H
#define PROCTOR_BOLT_H
#include <stddef.h>
#include <stdint.h>

/* The value of key in the bucket reached by the bucket names in path
 * (npath of them, from the root): 0 with *val and *vlen pointing into db, or
 * -1 (not a valid database, or no such bucket or key). */
int bolt_get(const uint8_t *db, size_t len, const char *const *path, size_t npath, const char *key,
	     const uint8_t **val, size_t *vlen);

#endif
