/* http_sinks.c: common construction of the HTTP sinks' clients. */
#include "sinks/http_sinks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct http_sink *http_sink_new(struct netsink *ns, bool tls, const char *default_path, char *err,
				size_t errlen)
{
	struct http_sink *h = calloc(1, sizeof(*h));
	const char *v, *ca = sink_url_param(&ns->url, "ca");
	bool insecure = (v = sink_url_param(&ns->url, "insecure")) && strcmp(v, "0");
	bool v6 = strchr(ns->url.host, ':') != NULL;

	if (!h)
		return NULL;
	h->gzip = (v = sink_url_param(&ns->url, "gzip")) && strcmp(v, "0");
	snprintf(h->url, sizeof(h->url), "%s://%s%s%s:%d%s", tls ? "https" : "http", v6 ? "[" : "",
		 ns->url.host, v6 ? "]" : "",
		 ns->url.port ? ns->url.port
		 : tls	      ? 443
			      : 80,
		 ns->url.path[0] && default_path ? ns->url.path
		 : default_path			 ? default_path
						 : ns->url.path);
	if (!(h->http = http_new(ca, insecure, 10000))) {
		snprintf(err, errlen, "%.200s: cannot initialise libcurl", ns->display);
		free(h);
		return NULL;
	}
	return h;
}

void http_sink_free(struct http_sink *h)
{
	if (!h)
		return;
	http_free(h->http);
	sb_free(&h->body);
	free(h);
}
