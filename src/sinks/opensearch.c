/* opensearch.c: opensearch://HOST:PORT/INDEX (also opensearch+https://,
 * elasticsearch://, elasticsearch+https://): the _bulk API with NDJSON
 * "create" actions into a data stream (default ss4o_logs-proctor-default,
 * the Simple Schema for Observability naming). Each document carries
 * @timestamp and a deterministic _id (a hash of the event), so a resent
 * batch cannot index an event twice: 409 means "already there". Items are
 * checked one by one: 429 and 5xx items are retried, other failed items are
 * rejected (counted as sink_error). ?user=U&password=P for basic auth. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sinks/http_sinks.h"
#include "sinks/jresp.h"
#include "util/hash.h"
#include "util/util.h"

#define OS_DEFAULT_INDEX "ss4o_logs-proctor-default"
#define OS_ATTEMPTS	 4

struct os_sink {
	struct http_sink *h;
	struct strbuf doc;
	unsigned char *retry; /* per record: still to send */
};

static void os_body(struct os_sink *o, struct record *const *recs, size_t n, struct strbuf *b)
{
	char ts[48];
	size_t i;

	sb_reset(b);
	for (i = 0; i < n; i++) {
		if (!o->retry[i])
			continue;
		sb_reset(&o->doc);
		record_to_json(recs[i], &o->doc);
		sb_printf(b, "{\"create\":{\"_index\":");
		sb_json_str(b, o->h->index);
		sb_printf(b, ",\"_id\":\"%016" PRIx64 "%016" PRIx64 "\"}}\n",
			  fnv1a_64(o->doc.buf, o->doc.len, FNV1A_64_SEED),
			  fnv1a_64(o->doc.buf, o->doc.len, 0x84222325cbf29ce4ull));
		fmt_rfc3339(recs[i]->time_ns, ts, sizeof(ts));
		sb_printf(b, "{\"@timestamp\":\"%s\",", ts);
		sb_append(b, o->doc.buf + 1, o->doc.len - 1);
		sb_putc(b, '\n');
	}
}

/* Walk the items; clear retry[] for done/rejected ones. Returns the
 * number still retryable, or -1 when the reply cannot be read. */
static long os_items(struct os_sink *o, const struct http_reply *rep, size_t n, size_t *rejected,
		     char *why, size_t wl)
{
	struct jdoc j;
	yaml_node_t *root, *items;
	size_t i, k = 0;
	long left = 0;

	if (jdoc_parse(&j, rep->body.buf, rep->body.len))
		return -1;
	root = jdoc_root(&j);
	items = jget(&j, root, "items");
	for (i = 0; i < n; i++) {
		yaml_node_t *it, *st;
		long status;
		if (!o->retry[i])
			continue;
		it = jfirst(&j, jat(&j, items, k++));
		st = jget(&j, it, "status");
		status = jint(st, -1);
		if (status < 0) {
			jdoc_free(&j);
			return -1;
		}
		if ((status >= 200 && status < 300) || status == 409) {
			o->retry[i] = 0;
		} else if (status == 429 || status >= 500) {
			left++;
		} else {
			yaml_node_t *e = jget(&j, it, "error");
			snprintf(why, wl, "%ld %s", status,
				 jstr(jget(&j, e, "reason")) ? jstr(jget(&j, e, "reason")) : "");
			o->retry[i] = 0;
			(*rejected)++;
		}
	}
	jdoc_free(&j);
	return left;
}

static void os_send(struct netsink *ns, struct record *const *recs, size_t n,
		    struct send_result *res)
{
	struct os_sink *o = ns->priv;
	const char *hdr[] = {"Content-Type: application/x-ndjson", NULL};
	size_t rejected = 0;
	char why[200] = "";
	int attempt;

	o->retry = malloc(n ? n : 1);
	if (!o->retry) {
		res->st = SEND_RETRY;
		return;
	}
	memset(o->retry, 1, n);
	for (attempt = 0; attempt < OS_ATTEMPTS; attempt++) {
		struct http_reply rep;
		long left;
		os_body(o, recs, n, &o->h->body);
		if (http_post(o->h->http, o->h->url, hdr, o->h->body.buf, o->h->body.len,
			      o->h->gzip, &rep)) {
			snprintf(res->msg, sizeof(res->msg), "%.120s: %.120s", ns->display,
				 rep.error);
			break;
		}
		res->retry_after_ms = rep.retry_after_ms;
		if (rep.status < 200 || rep.status >= 300) {
			snprintf(res->msg, sizeof(res->msg), "%.200s: HTTP %ld", ns->display,
				 rep.status);
			if (!http_status_retryable(rep.status) && rep.status != 500) {
				err_msg("%s: HTTP %ld: bulk request refused", ns->display,
					rep.status);
				http_reply_free(&rep);
				res->st = SEND_REJECTED;
				goto out;
			}
			http_reply_free(&rep);
			break;
		}
		left = os_items(o, &rep, n, &rejected, why, sizeof(why));
		http_reply_free(&rep);
		if (left < 0) {
			snprintf(res->msg, sizeof(res->msg), "%.200s: unreadable bulk reply",
				 ns->display);
			break; /* resend all: the _ids make it idempotent */
		}
		if (left == 0) {
			if (rejected)
				err_msg("%s: %zu events rejected: %s", ns->display, rejected, why);
			res->st = SEND_OK;
			res->rejected = rejected;
			goto out;
		}
		{
			struct timespec ts = {0, 200000000L * (attempt + 1)};
			nanosleep(&ts, NULL);
		}
	}
	/* Retry the whole batch later: indexed items come back as 409. Items
	 * rejected in this round will be rejected (and counted) next time. */
	res->st = SEND_RETRY;
out:
	free(o->retry);
	o->retry = NULL;
}

static int os_open(struct netsink *ns, char *err, size_t errlen)
{
	bool tls = strstr(ns->url.scheme, "+https") != NULL;
	struct os_sink *o = calloc(1, sizeof(*o));
	const char *idx = ns->url.path[0] ? ns->url.path + 1 : "";

	if (!o)
		return -1;
	if (!(o->h = http_sink_new(ns, tls, "/_bulk", err, errlen))) {
		free(o);
		return -1;
	}
	/* http_sink_new used the URL path; the path names the index here. */
	snprintf(o->h->index, sizeof(o->h->index), "%s", *idx ? idx : OS_DEFAULT_INDEX);
	if (strchr(o->h->index, '/') || strchr(o->h->index, '"')) {
		snprintf(err, errlen, "%.200s: bad index name '%s'", ns->display, o->h->index);
		http_sink_free(o->h);
		free(o);
		return -1;
	}
	{
		char *q = strstr(o->h->url, ns->url.path[0] ? ns->url.path : "/_bulk");
		if (q)
			snprintf(q, sizeof(o->h->url) - (size_t)(q - o->h->url), "/_bulk");
	}
	if (sink_url_param(&ns->url, "user"))
		http_set_userpwd(o->h->http, sink_url_param(&ns->url, "user"),
				 sink_url_param(&ns->url, "password"));
	ns->priv = o;
	return 0;
}

static void os_close(struct netsink *ns)
{
	struct os_sink *o = ns->priv;
	if (!o)
		return;
	http_sink_free(o->h);
	sb_free(&o->doc);
	free(o);
}

static const char *const os_params[] = {"user", "password", "gzip", "ca", "insecure", NULL};

static const struct netsink_ops os_net_ops = {
	.name = "opensearch",
	.open = os_open,
	.send = os_send,
	.close = os_close,
	.max_batch = 500,
	.params = os_params,
};

HTTP_SINK_OPS(opensearch_sink_ops, "opensearch", os_net_ops);
HTTP_SINK_OPS(opensearchs_sink_ops, "opensearch+https", os_net_ops);
HTTP_SINK_OPS(elasticsearch_sink_ops, "elasticsearch", os_net_ops);
HTTP_SINK_OPS(elasticsearchs_sink_ops, "elasticsearch+https", os_net_ops);
