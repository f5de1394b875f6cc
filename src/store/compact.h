/* compact.h: schema v2's encoding of an event's JSON (docs/STORE.md,
 * "Schema v2"). The fields a record shares with every other record of its
 * process (session, agent, project, host, pid, names, executable, parent
 * chain, ...) are cut out in runs and stored once per process instance (the
 * contexts table); "time", "type" and "file.path" are cut out because the
 * row holds them already. Each cut is one marker byte (JSON text never holds
 * a raw control byte), and the `events` view puts the exact bytes back with
 * SQL's replace(), so the hash chain over the full record is unchanged. */
#ifndef PROCTOR_STORE_COMPACT_H
#define PROCTOR_STORE_COMPACT_H
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

#define COMPACT_RUN0	   0x01 /* contexts.r1 .. r4: markers 0x01 .. 0x04 */
#define COMPACT_RUNS	   4
#define COMPACT_SHAPE0	   0x05 /* shapes.s1 .. s3: markers 0x05 .. 0x07 */
#define COMPACT_SHAPE_RUNS 3
#define COMPACT_TIME	   0x0e /* "time":"<time_ns as RFC 3339>" */
#define COMPACT_TYPE	   0x0f /* "type":"<events.type>" */
#define COMPACT_PATH	   0x10 /* "file.path":"<events.path>" */

struct compact {
	struct strbuf data;	       /* the row's data: markers and own fields */
	const char *run[COMPACT_RUNS]; /* process runs, into the input JSON */
	size_t run_len[COMPACT_RUNS];
	const char *srun[COMPACT_SHAPE_RUNS]; /* shape runs */
	size_t srun_len[COMPACT_SHAPE_RUNS];
	int nruns, nsruns;
};

/* Encode json (the record's full JSON, len bytes). 0 with c filled; -1 when
 * it cannot be encoded exactly (unexpected shape, a raw control byte): the
 * row then keeps the JSON as it is. */
int compact_encode(struct compact *c, const char *json, size_t len, int64_t time_ns,
		   const char *type, const char *path);

/* The inverse, for tests and C readers: data with runs, time, type and path
 * put back into out (appended). */
void compact_decode(struct strbuf *out, const char *data, size_t len, const char *const *runs,
		    const char *const *sruns, int64_t time_ns, const char *type, const char *path);

#endif
