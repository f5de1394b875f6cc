/* webhook.c: webhook://HOST:PORT/PATH, webhook+https://, and plain http://
 * and https:// URLs: each batch is POSTed as one JSON array of events (the
 * event contract's flat objects). ?token=T sends "Authorization: Bearer T";
 * ?gzip=1 compresses. 408, 429 and 5xx are retried (Retry-After honoured),
 * other 4xx reject the batch (counted as sink_error). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/http_sinks.h"
#include "util/util.h"

static void webhook_send(struct netsink *ns, struct record *const *recs, size_t n,
			 struct send_result *res)
{
	struct http_sink *h = ns->priv;
	const char *hdr[3] = {"Content-Type: application/json", h->auth[0] ? h->auth : NULL, NULL};
	struct http_reply rep;
	size_t i;

	sb_reset(&h->body);
	sb_putc(&h->body, '[');
	for (i = 0; i < n; i++) {
		if (i)
			sb_putc(&h->body, ',');
		record_to_json(recs[i], &h->body);
	}
	sb_putc(&h->body, ']');
	if (http_post(h->http, h->url, hdr, h->body.buf, h->body.len, h->gzip, &rep)) {
		res->st = SEND_RETRY;
		snprintf(res->msg, sizeof(res->msg), "%.120s: %.120s", ns->display, rep.error);
	} else if (rep.status >= 200 && rep.status < 300) {
		res->st = SEND_OK;
	} else if (rep.status == 408 || rep.status == 429 || rep.status >= 500) {
		res->st = SEND_RETRY;
		res->retry_after_ms = rep.retry_after_ms;
		snprintf(res->msg, sizeof(res->msg), "%.200s: HTTP %ld", ns->display, rep.status);
	} else {
		res->st = SEND_REJECTED;
		snprintf(res->msg, sizeof(res->msg), "%.200s: HTTP %ld", ns->display, rep.status);
		err_msg("%s: HTTP %ld: %zu events rejected", ns->display, rep.status, n);
	}
	http_reply_free(&rep);
}

static int webhook_open(struct netsink *ns, char *err, size_t errlen)
{
	bool tls = strstr(ns->url.scheme, "https") != NULL;
	struct http_sink *h = http_sink_new(ns, tls, NULL, err, errlen);
	const char *tok = sink_url_param(&ns->url, "token");

	if (!h)
		return -1;
	if (tok)
		snprintf(h->auth, sizeof(h->auth), "Authorization: Bearer %.500s", tok);
	if (!ns->url.path[0])
		snprintf(h->url + strlen(h->url), sizeof(h->url) - strlen(h->url), "/");
	ns->priv = h;
	return 0;
}

static void webhook_close(struct netsink *ns)
{
	http_sink_free(ns->priv);
}

static const char *const webhook_params[] = {"token", "gzip", "ca", "insecure", NULL};

static const struct netsink_ops webhook_net_ops = {
	.name = "webhook",
	.open = webhook_open,
	.send = webhook_send,
	.close = webhook_close,
	.max_batch = 500,
	.params = webhook_params,
};

HTTP_SINK_OPS(webhook_sink_ops, "webhook", webhook_net_ops);
HTTP_SINK_OPS(webhook_https_sink_ops, "webhook+https", webhook_net_ops);
HTTP_SINK_OPS(http_webhook_sink_ops, "http", webhook_net_ops);
HTTP_SINK_OPS(https_webhook_sink_ops, "https", webhook_net_ops);
