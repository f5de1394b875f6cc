/* sse.c: the server-sent events parser (sse.h). */
#include "llm/sse.h"

#include <stdlib.h>
#include <string.h>

void sse_init(struct sse_parser *s)
{
	memset(s, 0, sizeof(*s));
}

void sse_free(struct sse_parser *s)
{
	free(s->line.buf);
	free(s->data.buf);
	memset(s, 0, sizeof(*s));
}

void sse_reset(struct sse_parser *s)
{
	s->line.len = 0;
	s->data.len = 0;
	s->event[0] = 0;
	s->cut = false;
	s->skip_line = false;
}

static void dispatch(struct sse_parser *s, sse_event_fn fn, void *ctx)
{
	if (s->data.len || s->event[0]) {
		size_t n = s->data.len;
		if (n && s->data.buf[n - 1] == '\n')
			n--; /* the last data line's newline is not part of the data */
		fn(ctx, s->event, n ? s->data.buf : "", n, s->cut);
	}
	s->data.len = 0;
	s->event[0] = 0;
	s->cut = false;
}

static void field(struct sse_parser *s, const char *l, size_t n)
{
	const char *colon = memchr(l, ':', n);
	size_t k = colon ? (size_t)(colon - l) : n;
	const char *v = colon ? colon + 1 : l + n;
	size_t vn = (size_t)(l + n - v);

	if (vn && *v == ' ')
		v++, vn--;
	if (k == 5 && !memcmp(l, "event", 5)) {
		if (vn >= sizeof(s->event))
			vn = sizeof(s->event) - 1;
		memcpy(s->event, v, vn);
		s->event[vn] = 0;
	} else if (k == 4 && !memcmp(l, "data", 4)) {
		if (s->data.len + vn + 1 > SSE_DATA_MAX || sb_append(&s->data, v, vn) ||
		    sb_putc(&s->data, '\n'))
			s->cut = true;
	}
}

static void line(struct sse_parser *s, sse_event_fn fn, void *ctx)
{
	size_t n = s->line.len;

	if (n && s->line.buf[n - 1] == '\r')
		n--;
	if (!n)
		dispatch(s, fn, ctx);
	else if (s->line.buf[0] != ':')
		field(s, s->line.buf, n);
	s->line.len = 0;
}

void sse_feed(struct sse_parser *s, const char *p, size_t n, sse_event_fn fn, void *ctx)
{
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n;

		if (s->skip_line) {
			/* a line past SSE_LINE_MAX: dropped, its event flagged */
		} else if (s->line.len + k > SSE_LINE_MAX || sb_append(&s->line, p, k)) {
			s->skip_line = true;
			s->cut = true;
			s->line.len = 0;
		}
		if (!nl)
			return;
		if (s->skip_line)
			s->skip_line = false;
		else
			line(s, fn, ctx);
		p += k + 1;
		n -= k + 1;
	}
}
