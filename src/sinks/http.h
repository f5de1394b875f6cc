/* http.h: what the HTTP-based sinks share: a libcurl POST with optional
 * gzip, the status/Retry-After/body of the reply, and the retry policy
 * helpers. One struct http_client per sink (a kept-alive connection). */
#ifndef PROCTOR_HTTP_H
#define PROCTOR_HTTP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

struct http_client;

struct http_reply {
	long status;		 /* 0: no HTTP reply (connection failed) */
	uint64_t retry_after_ms; /* from Retry-After, 0 if absent */
	struct strbuf body;	 /* capped at 1 MiB */
	char error[256];	 /* transport error */
};

struct http_client *http_new(const char *ca_file, bool insecure, long timeout_ms);
void http_free(struct http_client *h);
/* HTTP basic authentication for every request ("user:password"). */
void http_set_userpwd(struct http_client *h, const char *user, const char *password);
/* headers: NULL-terminated "Name: value" strings. gzip compresses body. */
int http_post(struct http_client *h, const char *url, const char *const *headers, const void *body,
	      size_t len, bool gzip, struct http_reply *rep);
void http_reply_free(struct http_reply *rep);

int gzip_buf(const void *in, size_t len, struct strbuf *out);
/* "120" or an HTTP date -> ms from now; 0 when unparsable. */
uint64_t parse_retry_after(const char *v);

#endif
