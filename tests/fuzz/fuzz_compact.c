/* fuzz_compact.c: libFuzzer target for schema v2's event encoding
 * (store/compact.h). Input: 8 bytes of time_ns (little endian), the type
 * and the path (each NUL-terminated), then the record's JSON. No crash on
 * any input, and whatever compact_encode accepts, compact_decode puts back
 * byte for byte (the hash chain is over the full record), with no control
 * byte in the row but the markers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/compact.h"

static const char *field(const uint8_t **p, size_t *left)
{
	const uint8_t *nul = memchr(*p, 0, *left);
	const char *s = (const char *)*p;

	if (!nul)
		return NULL;
	*left -= (size_t)(nul - *p) + 1;
	*p = nul + 1;
	return s;
}

static int is_marker(unsigned char ch)
{
	return (ch >= COMPACT_RUN0 && ch < COMPACT_RUN0 + COMPACT_RUNS) ||
	       (ch >= COMPACT_SHAPE0 && ch < COMPACT_SHAPE0 + COMPACT_SHAPE_RUNS) ||
	       ch == COMPACT_TIME || ch == COMPACT_TYPE || ch == COMPACT_PATH;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct compact c = {.data = STRBUF_INIT};
	struct strbuf out = STRBUF_INIT;
	char *runs[COMPACT_RUNS] = {0}, *sruns[COMPACT_SHAPE_RUNS] = {0};
	const char *type, *path;
	int64_t time_ns;
	size_t left, i;
	int k;

	if (size < 8)
		return 0;
	memcpy(&time_ns, data, 8);
	data += 8;
	left = size - 8;
	if (!(type = field(&data, &left)) || !(path = field(&data, &left)))
		return 0;
	if (compact_encode(&c, (const char *)data, left, time_ns, type, path) == 0) {
		for (i = 0; i < c.data.len; i++)
			if ((unsigned char)c.data.buf[i] < 0x20 && !is_marker(c.data.buf[i]))
				abort();
		for (k = 0; k < c.nruns; k++)
			runs[k] = strndup(c.run[k], c.run_len[k]);
		for (k = 0; k < c.nsruns; k++)
			sruns[k] = strndup(c.srun[k], c.srun_len[k]);
		compact_decode(&out, c.data.buf, c.data.len, (const char *const *)runs,
			       (const char *const *)sruns, time_ns, type, path);
		if (out.len != left || memcmp(out.buf, data, left))
			abort(); /* not the record that was chained */
		for (k = 0; k < COMPACT_RUNS; k++)
			free(runs[k]);
		for (k = 0; k < COMPACT_SHAPE_RUNS; k++)
			free(sruns[k]);
	}
	sb_free(&out);
	sb_free(&c.data);
	return 0;
}
