/* http.h: an incremental HTTP/1.1 message parser for TLS plaintext: the
 * start line, the few headers the LLM records need (Host, Content-Length,
 * Transfer-Encoding, Content-Type) and the body, de-chunked. Other headers
 * are never kept (auth headers in particular). Bytes arrive in any split;
 * after a message ends the parser starts on the next one. */
#ifndef PROCTOR_LLM_HTTP_H
#define PROCTOR_LLM_HTTP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_HEAD_MAX 32768 /* start line and headers; longer: malformed */

enum http_state {
	HTTP_START,	 /* before the start line */
	HTTP_HEAD,	 /* in the start line or headers */
	HTTP_BODY_LEN,	 /* Content-Length body */
	HTTP_CHUNK_LINE, /* a chunk-size line */
	HTTP_CHUNK_DATA,
	HTTP_CHUNK_END, /* the CRLF after a chunk */
	HTTP_TRAILER,	/* trailer lines after the last chunk */
	HTTP_BODY_EOF,	/* response body until the connection closes */
	HTTP_BAD,	/* not HTTP/1.x, or malformed: ignores everything until reset */
};

struct http_msg {
	bool response;
	int method_known; /* request */
	char method[16];
	char path[512];
	char host[256];
	char content_type[128];
	int status;		/* response */
	int64_t content_length; /* -1: absent */
	bool chunked;
};

struct http_cb {
	void (*head)(void *ctx, const struct http_msg *m);
	void (*body)(void *ctx, const char *p, size_t n);
	void (*done)(void *ctx, const struct http_msg *m);
	void *ctx;
};

struct http_parser {
	enum http_state state;
	bool response; /* parses responses (else requests) */
	struct http_msg msg;
	char head[HTTP_HEAD_MAX];
	size_t hlen;
	uint64_t remain; /* body or chunk bytes left */
	char line[128];	 /* chunk-size or trailer line */
	size_t llen;
};

void http_init(struct http_parser *h, bool response);
/* Feed bytes; calls cb as the message's head, body bytes and end arrive. */
void http_feed(struct http_parser *h, const char *p, size_t n, const struct http_cb *cb);
/* Bytes were lost: drop the message in progress, wait for a new one. */
void http_reset(struct http_parser *h);

#endif
