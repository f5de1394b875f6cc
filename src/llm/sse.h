/* sse.h: an incremental server-sent events parser (the text/event-stream
 * of the LLM APIs): "event:" and "data:" lines, an event per blank line.
 * An event's data past SSE_DATA_MAX is cut and the event flagged. */
#ifndef PROCTOR_LLM_SSE_H
#define PROCTOR_LLM_SSE_H
#include <stdbool.h>
#include <stddef.h>

#include "util/strbuf.h"

#define SSE_DATA_MAX (4u << 20)
#define SSE_LINE_MAX (4u << 20)

struct sse_parser {
	struct strbuf line;
	struct strbuf data;
	char event[64];
	bool cut; /* the event in progress lost bytes */
	bool skip_line;
};

/* fn gets the event name ("" when none was given) and its data. */
typedef void (*sse_event_fn)(void *ctx, const char *event, const char *data, size_t n, bool cut);

void sse_init(struct sse_parser *s);
void sse_free(struct sse_parser *s);
void sse_reset(struct sse_parser *s);
void sse_feed(struct sse_parser *s, const char *p, size_t n, sse_event_fn fn, void *ctx);

#endif
