/* otlp.c: the otlp+http:// and otlp+https:// sinks: OTLP/HTTP logs
 * (default path /v1/logs), ?encoding=protobuf|json (protobuf by default),
 * gzip (?gzip=0 to turn off), retries only on 429/502/503/504 honouring
 * Retry-After, partial success counted as rejected records, other 4xx/5xx
 * rejected for good (counted as sink_error). ?ca=FILE, ?insecure=1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/http.h"
#include "sinks/netsink.h"
#include "sinks/otlp_enc.h"
#include "util/util.h"

struct otlp_sink {
	struct http_client *http;
	enum otlp_encoding enc;
	bool gzip;
	char url[1200];
	struct strbuf body;
};

#include "sinks/http_sinks.h"

bool http_status_retryable(long status)
{
	return status == 429 || status == 502 || status == 503 || status == 504;
}

static void otlp_send(struct netsink *ns, struct record *const *recs, size_t n,
		      struct send_result *res)
{
	struct otlp_sink *o = ns->priv;
	const char *hdr[] = {o->enc == OTLP_JSON ? "Content-Type: application/json"
						 : "Content-Type: application/x-protobuf",
			     NULL};
	struct http_reply rep;
	char msg[200];
	int64_t rej;

	if (otlp_encode(recs, n, o->enc, now_realtime_ns(), &o->body)) {
		res->st = SEND_REJECTED;
		snprintf(res->msg, sizeof(res->msg), "encoding failed");
		return;
	}
	if (http_post(o->http, o->url, hdr, o->body.buf, o->body.len, o->gzip, &rep)) {
		res->st = SEND_RETRY;
		snprintf(res->msg, sizeof(res->msg), "%.120s: %.120s", ns->display, rep.error);
	} else if (rep.status >= 200 && rep.status < 300) {
		res->st = SEND_OK;
		rej = otlp_partial_rejected(rep.body.buf, rep.body.len, o->enc, msg, sizeof(msg));
		res->rejected = rej > 0 ? (size_t)rej : 0;
		if (res->rejected)
			err_msg("%s: receiver rejected %zu log records: %s", ns->display,
				res->rejected, msg);
	} else if (http_status_retryable(rep.status)) {
		res->st = SEND_RETRY;
		res->retry_after_ms = rep.retry_after_ms;
		snprintf(res->msg, sizeof(res->msg), "%.200s: HTTP %ld", ns->display, rep.status);
	} else {
		res->st = SEND_REJECTED;
		snprintf(res->msg, sizeof(res->msg), "%.200s: HTTP %ld", ns->display, rep.status);
		err_msg("%s: HTTP %ld: %zu records rejected: %.200s", ns->display, rep.status, n,
			sb_cstr(&rep.body));
	}
	http_reply_free(&rep);
}

static int otlp_open(struct netsink *ns, char *err, size_t errlen)
{
	struct otlp_sink *o = calloc(1, sizeof(*o));
	const char *v, *ca = sink_url_param(&ns->url, "ca");
	bool tls = !strcmp(ns->url.scheme, "otlp+https");
	bool insecure = (v = sink_url_param(&ns->url, "insecure")) && strcmp(v, "0");

	if (!o)
		return -1;
	o->gzip = !((v = sink_url_param(&ns->url, "gzip")) && !strcmp(v, "0"));
	v = sink_url_param(&ns->url, "encoding");
	if (v && strcmp(v, "json") && strcmp(v, "protobuf")) {
		snprintf(err, errlen, "%.200s: encoding must be json or protobuf", ns->display);
		free(o);
		return -1;
	}
	o->enc = v && !strcmp(v, "json") ? OTLP_JSON : OTLP_PROTOBUF;
	snprintf(o->url, sizeof(o->url), "%s://%s%s%s:%d%s", tls ? "https" : "http",
		 strchr(ns->url.host, ':') ? "[" : "", ns->url.host,
		 strchr(ns->url.host, ':') ? "]" : "",
		 ns->url.port ? ns->url.port
		 : tls	      ? 4318
			      : 4318,
		 ns->url.path[0] ? ns->url.path : "/v1/logs");
	if (!(o->http = http_new(ca, insecure, 10000))) {
		snprintf(err, errlen, "%.200s: cannot initialise libcurl", ns->display);
		free(o);
		return -1;
	}
	ns->priv = o;
	return 0;
}

static void otlp_close(struct netsink *ns)
{
	struct otlp_sink *o = ns->priv;
	if (!o)
		return;
	http_free(o->http);
	sb_free(&o->body);
	free(o);
}

static const char *const otlp_params[] = {"encoding", "gzip", "ca", "insecure", NULL};

static const struct netsink_ops otlp_net_ops = {
	.name = "otlp",
	.open = otlp_open,
	.send = otlp_send,
	.close = otlp_close,
	.max_batch = 500,
	.params = otlp_params,
};

static int otlp_http_open(struct sink *s, const char *rest, char *err, size_t errlen)
{
	return netsink_open(s, "otlp+http", rest, &otlp_net_ops, err, errlen);
}

static int otlp_https_open(struct sink *s, const char *rest, char *err, size_t errlen)
{
	return netsink_open(s, "otlp+https", rest, &otlp_net_ops, err, errlen);
}

const struct sink_ops otlp_http_sink_ops = {
	.scheme = "otlp+http", .open = otlp_http_open, NETSINK_SINK_OPS};
const struct sink_ops otlp_https_sink_ops = {
	.scheme = "otlp+https", .open = otlp_https_open, NETSINK_SINK_OPS};
