/* req.h: one API request as the handlers see it (serve.c builds it): the
 * store opened read-only for this request, the caller's token, the query
 * arguments, and the response body and status the handler fills. */
#ifndef PROCTOR_SERVE_REQ_H
#define PROCTOR_SERVE_REQ_H
#include <microhttpd.h>
#include <stdint.h>

#include "serve/params.h"
#include "store/api.h"
#include "util/strbuf.h"

#define API_LIMIT_DEFAULT 100
#define API_LIMIT_MAX	  1000

struct req {
	struct MHD_Connection *conn;
	struct store st;
	struct store_token tok;
	struct strbuf body;
	unsigned status;
	const char *content_type;
	struct MHD_Response *response; /* set by a handler that streams (SSE) */
	const struct web_asset *asset; /* a file of the web UI */
	const char *db;
};

/* Fill an error response: {"error": msg}. Returns status. */
unsigned req_error(struct req *r, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* 400 unless every query argument is one of names (NULL-terminated). */
int req_check_args(struct req *r, const char *const *names);
const char *req_arg(struct req *r, const char *name);
/* Integer and time arguments; a malformed one is a 400. Absent: *out = 0. */
int req_arg_i64(struct req *r, const char *name, int64_t *out);
int req_arg_time(struct req *r, const char *name, int64_t *out);

/* api.c: the /api/v1 routes below the prefix (path like "sessions/ID/tree"). */
void api_route(struct req *r, const char *path);
/* sse.c: the live tail of a session's events (the session is in scope). */
int sse_start(struct req *r, const char *session);
void sse_shutdown(void);

#endif
