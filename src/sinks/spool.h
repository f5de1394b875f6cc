/* spool.h: a bounded on-disk FIFO of opaque entries (serialized records) in
 * a directory of numbered segment files plus a cursor file. The pipeline
 * appends, a sink's sender peeks a batch, delivers it, then commits; the
 * cursor survives restarts, so nothing delivered is sent twice and nothing
 * pending is lost. When the spool exceeds its size, the oldest segment is
 * evicted and each evicted entry is reported (counted as spool_full).
 * Thread-safe: one appender and one reader may run concurrently. A spool
 * is locked (flock) by the process that opened it: spool_open fails with
 * errno EWOULDBLOCK when another sink or proctor holds it. */
#ifndef PROCTOR_SPOOL_H
#define PROCTOR_SPOOL_H
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

struct spool;

/* Called (with the spool lock held) for each entry evicted unsent. */
typedef void (*spool_evict_fn)(void *ctx, uint64_t session_key);

struct spool *spool_open(const char *dir, uint64_t max_bytes, spool_evict_fn fn, void *ctx,
			 char *err, size_t errlen);
void spool_close(struct spool *sp);

int spool_append(struct spool *sp, const void *data, size_t len, uint64_t session_key);

struct spool_pos {
	uint64_t seq, off;
	uint64_t consumed; /* entries between the cursor and this position */
	uint64_t corrupt;  /* of which failed their checksum (skipped) */
};

/* Copy up to max entries from the cursor into buf: each entry is
 * [u32 len][payload]. Returns the number of entries; *next is the position
 * after them (give it to spool_commit once they are delivered). */
size_t spool_peek(struct spool *sp, size_t max, size_t max_bytes, struct strbuf *buf,
		  struct spool_pos *next);
int spool_commit(struct spool *sp, const struct spool_pos *next);

uint64_t spool_bytes(struct spool *sp);	  /* on disk, unsent */
uint64_t spool_pending(struct spool *sp); /* entries not yet committed */

/* Sizes ("256MiB", "10M", "4096") are parsed by util/parse.h. */
#include "util/parse.h"

#endif
