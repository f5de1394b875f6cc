/* sse.c: GET /api/v1/sessions/{id}/events/stream: a live tail of a
 * session's events as server-sent events, in the order they were stored (a
 * record stored late with an earlier time is still sent). Each event is
 * "id: TIME_ID" (the tail resumes after the ID) and "data: JSON"; a comment
 * every few seconds keeps idle streams open; when the session has ended (or
 * crashed) and its last events are sent, "event: end" closes the stream. The callback runs in the
 * connection's own thread (one thread per connection), with its own read-only store connection. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/liveness.h"
#include "serve/req.h"
#include "util/util.h"

#define SSE_POLL_US	 200000
#define SSE_KEEPALIVE_NS 5000000000ULL
#define SSE_BATCH	 256

struct sse {
	struct store st;
	char session[65];
	int64_t after_id; /* the last event sent */
	struct strbuf out;
	size_t off;
	uint64_t last_write_ns;
	int end_seen; /* 0 live, 1 ended (one more fetch), 2 end sent */
};

static volatile int stopping;

void sse_shutdown(void)
{
	stopping = 1;
}

static int put_event(void *ctx, int64_t id, int64_t time_ns, const char *json)
{
	struct sse *s = ctx;

	sb_printf(&s->out, "id: %" PRId64 "_%" PRId64 "\ndata: ", time_ns, id);
	sb_puts(&s->out, json); /* one line: the store keeps compact JSON */
	sb_puts(&s->out, "\n\n");
	s->after_id = id;
	return 0;
}

static int count_row(void *ctx, const struct store_session_row *r)
{
	*(int64_t *)ctx = r->end_ns;
	return 0;
}

/* Ended, or crashed with no end yet: its recorder's liveness file is held
 * by no one (app/liveness.h), so nothing more will come. */
static bool session_ended(struct sse *s)
{
	struct store_session_query q = {.id = s->session};
	int64_t end = 0;

	if (store_api_sessions(&s->st, &q, count_row, &end))
		return false;
	return end != 0 || liveness_crashed(s->session);
}

/* Fill s->out with what is next; false at the end of the stream. */
static bool refill(struct sse *s)
{
	int n;

	sb_reset(&s->out);
	s->off = 0;
	while (!stopping && s->end_seen < 2) {
		if ((n = store_api_tail(&s->st, s->session, s->after_id, SSE_BATCH, put_event, s)) <
		    0) {
			sb_puts(&s->out,
				"event: error\ndata: {\"error\":\"store query failed\"}\n\n");
			s->end_seen = 2;
			return true;
		}
		if (n > 0)
			return true;
		if (s->end_seen == 1) {
			sb_puts(&s->out, "event: end\ndata: {}\n\n");
			s->end_seen = 2;
			return true;
		}
		if (session_ended(s)) {
			s->end_seen = 1; /* fetch once more: events written before the end */
			continue;
		}
		if (now_monotonic_ns() - s->last_write_ns > SSE_KEEPALIVE_NS) {
			sb_puts(&s->out, ": keepalive\n\n");
			return true;
		}
		usleep(SSE_POLL_US);
	}
	return false;
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse *s = cls;
	size_t n;

	(void)pos;
	if (s->off >= s->out.len && !refill(s))
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (s->off >= s->out.len)
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = s->out.len - s->off < max ? s->out.len - s->off : max;
	memcpy(buf, s->out.buf + s->off, n);
	s->off += n;
	s->last_write_ns = now_monotonic_ns();
	return (ssize_t)n;
}

static void sse_free(void *cls)
{
	struct sse *s = cls;

	store_close(&s->st);
	sb_free(&s->out);
	free(s);
}

/* Where the tail starts: Last-Event-ID (a reconnect), ?from=start, or the
 * session's current end. */
static int start_point(struct req *r, struct sse *s)
{
	const char *last = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Last-Event-ID");
	const char *from = req_arg(r, "from");

	int64_t time_ns;

	if (last) {
		if (api_parse_cursor(last, &time_ns, &s->after_id))
			return req_error(r, MHD_HTTP_BAD_REQUEST, "Last-Event-ID: not an event id"),
			       -1;
		return 0;
	}
	if (from && !strcmp(from, "start")) {
		s->after_id = 0;
		return 0;
	}
	if (from && strcmp(from, "now"))
		return req_error(r, MHD_HTTP_BAD_REQUEST, "from: expected start or now"), -1;
	if (store_api_max_id(&s->st, &s->after_id))
		return req_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "store query failed"), -1;
	return 0;
}

int sse_start(struct req *r, const char *session)
{
	struct sse *s = calloc(1, sizeof(*s));
	char err[512];

	if (!s)
		return req_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory"), -1;
	snprintf(s->session, sizeof(s->session), "%s", session);
	if (store_open_ro(&s->st, r->db, err, sizeof(err))) {
		free(s);
		return req_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "store unavailable"), -1;
	}
	if (start_point(r, s)) {
		sse_free(s);
		return -1;
	}
	s->last_write_ns = now_monotonic_ns();
	r->response =
		MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, sse_read, s, sse_free);
	if (!r->response) {
		sse_free(s);
		return req_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory"), -1;
	}
	MHD_add_response_header(r->response, "Content-Type", "text/event-stream");
	MHD_add_response_header(r->response, "Cache-Control", "no-store");
	return 0;
}
