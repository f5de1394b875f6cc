/* http_sinks.h: shared setup of the HTTP sinks (OpenSearch, Splunk HEC,
 * webhook): the base URL, TLS options and the libcurl client. */
#ifndef PROCTOR_HTTP_SINKS_H
#define PROCTOR_HTTP_SINKS_H
#include <stdbool.h>

#include "sinks/http.h"
#include "sinks/netsink.h"

struct http_sink {
	struct http_client *http;
	char url[1200];	 /* full target URL */
	char auth[600];	 /* "Authorization: ..." or "" */
	char index[256]; /* OpenSearch index / HEC index */
	bool gzip;
	struct strbuf body;
};

/* tls: https; path: used when the URL has none. */
struct http_sink *http_sink_new(struct netsink *ns, bool tls, const char *default_path, char *err,
				size_t errlen);
void http_sink_free(struct http_sink *h);
bool http_status_retryable(long status); /* 429, 502, 503, 504 */

#define HTTP_SINK_OPS(var, scheme_str, netops)                                                     \
	static int var##_open(struct sink *s, const char *rest, char *err, size_t errlen)          \
	{                                                                                          \
		return netsink_open(s, scheme_str, rest, &netops, err, errlen);                    \
	}                                                                                          \
	const struct sink_ops var = {.scheme = scheme_str, .open = var##_open, NETSINK_SINK_OPS}

#endif
