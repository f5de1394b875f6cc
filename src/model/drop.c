/* drop.c: the names of the drop reasons. */
#include "model/drop.h"

static const char *const drop_names[DROP_REASON_MAX] = {
	[DROP_RINGBUF_FULL] = "ringbuf_full", [DROP_DECODE] = "decode_error",
	[DROP_RATE_LIMIT] = "rate_limited",   [DROP_SINK_ERROR] = "sink_error",
	[DROP_SPOOL_FULL] = "spool_full",
};

const char *drop_reason_name(enum drop_reason r)
{
	return r < DROP_REASON_MAX ? drop_names[r] : "unknown";
}
