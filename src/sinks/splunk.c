/* splunk.c: splunk-hec://HOST:PORT?token=T (and splunk-hec+https://):
 * Splunk HTTP Event Collector, /services/collector/event, events batched as
 * concatenated JSON objects {"time","host","source","sourcetype","event"},
 * header "Authorization: Splunk T", optional ?index= and ?sourcetype=.
 * HEC codes: 0 success; 6 (invalid data format) with invalid-event-number N
 * means events before N were indexed and N is rejected: the rest is resent;
 * 5/7/12/13/14 reject the batch; 1-4 (token problems), 8, 9 and HTTP
 * 429/5xx are retried, keeping the events spooled. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/http_sinks.h"
#include "sinks/jresp.h"
#include "util/util.h"

static char sourcetype_default[] = "proctor:event";

struct hec {
	struct http_sink *h;
	char sourcetype[128];
};

static void hec_body(struct hec *hc, struct record *const *recs, size_t n, struct strbuf *b)
{
	size_t i;

	sb_reset(b);
	for (i = 0; i < n; i++) {
		const char *host = record_get_str(recs[i], "host.name");
		sb_printf(b,
			  "{\"time\":%" PRIu64 ".%06" PRIu64
			  ",\"source\":\"proctor\",\"sourcetype\":",
			  (uint64_t)(recs[i]->time_ns / 1000000000ull),
			  (uint64_t)(recs[i]->time_ns % 1000000000ull / 1000));
		sb_json_str(b, hc->sourcetype);
		if (host) {
			sb_puts(b, ",\"host\":");
			sb_json_str(b, host);
		}
		if (hc->h->index[0]) {
			sb_puts(b, ",\"index\":");
			sb_json_str(b, hc->h->index);
		}
		sb_puts(b, ",\"event\":");
		record_to_json(recs[i], b);
		sb_puts(b, "}\n");
	}
}

/* HEC reply: code (-1 unknown) and invalid-event-number (-1 absent). */
static void hec_reply(const struct http_reply *rep, long *code, long *bad, char *text, size_t tl)
{
	struct jdoc j;
	yaml_node_t *root;

	*code = -1;
	*bad = -1;
	text[0] = 0;
	if (jdoc_parse(&j, rep->body.buf, rep->body.len))
		return;
	root = jdoc_root(&j);
	*code = jint(jget(&j, root, "code"), -1);
	*bad = jint(jget(&j, root, "invalid-event-number"), -1);
	if (jstr(jget(&j, root, "text")))
		snprintf(text, tl, "%s", jstr(jget(&j, root, "text")));
	jdoc_free(&j);
}

static void hec_send(struct netsink *ns, struct record *const *recs, size_t n,
		     struct send_result *res)
{
	struct hec *hc = ns->priv;
	const char *hdr[] = {"Content-Type: application/json", hc->h->auth, NULL};
	size_t off = 0;

	res->st = SEND_OK;
	while (off < n) {
		struct http_reply rep;
		long code, bad;
		char text[128];

		hec_body(hc, recs + off, n - off, &hc->h->body);
		if (http_post(hc->h->http, hc->h->url, hdr, hc->h->body.buf, hc->h->body.len,
			      hc->h->gzip, &rep)) {
			snprintf(res->msg, sizeof(res->msg), "%.120s: %.120s", ns->display,
				 rep.error);
			goto retry;
		}
		hec_reply(&rep, &code, &bad, text, sizeof(text));
		res->retry_after_ms = rep.retry_after_ms;
		http_reply_free(&rep);
		if (rep.status >= 200 && rep.status < 300 && code <= 0)
			return;
		snprintf(res->msg, sizeof(res->msg), "%.200s: HTTP %ld code %ld", ns->display,
			 rep.status, code);
		if (code == 6 && bad >= 0 && (size_t)bad < n - off) {
			/* Events before `bad` are in; `bad` is refused; resend the rest. */
			err_msg("%s: HEC refused an event: %s", ns->display, text);
			res->rejected++;
			off += (size_t)bad + 1;
			continue;
		}
		if (code == 5 || code == 6 || code == 7 || code == 12 || code == 13 || code == 14 ||
		    (rep.status >= 400 && rep.status < 500 && rep.status != 429 &&
		     rep.status != 401 && rep.status != 403)) {
			err_msg("%s: HEC rejected %zu events (code %ld: %s)", ns->display, n - off,
				code, text);
			res->rejected += n - off;
			return;
		}
		goto retry; /* 1-4 token, 8 internal, 9 busy, 429, 5xx */
	}
	return;
retry:
	/* The spool batch is resent whole. HEC has no deduplication, so when
	 * a format error (off > 0) is followed by an outage within one batch,
	 * the events before the bad one are indexed twice (known limitation). */
	res->rejected = 0;
	res->st = SEND_RETRY;
}

static int hec_open(struct netsink *ns, char *err, size_t errlen)
{
	bool tls = !strcmp(ns->url.scheme, "splunk-hec+https");
	struct hec *hc = calloc(1, sizeof(*hc));
	const char *tok = sink_url_param(&ns->url, "token"), *v;

	if (!hc)
		return -1;
	if (!tok || !*tok) {
		snprintf(err, errlen, "%.200s: needs ?token=HEC_TOKEN", ns->display);
		free(hc);
		return -1;
	}
	if (!(hc->h = http_sink_new(ns, tls, "/services/collector/event", err, errlen))) {
		free(hc);
		return -1;
	}
	snprintf(hc->h->auth, sizeof(hc->h->auth), "Authorization: Splunk %.500s", tok);
	if ((v = sink_url_param(&ns->url, "index")))
		snprintf(hc->h->index, sizeof(hc->h->index), "%s", v);
	snprintf(hc->sourcetype, sizeof(hc->sourcetype), "%s",
		 (v = sink_url_param(&ns->url, "sourcetype")) ? v : sourcetype_default);
	ns->priv = hc;
	return 0;
}

static void hec_close(struct netsink *ns)
{
	struct hec *hc = ns->priv;
	if (!hc)
		return;
	http_sink_free(hc->h);
	free(hc);
}

static const char *const hec_params[] = {"token", "index",    "sourcetype", "gzip",
					 "ca",	  "insecure", NULL};

static const struct netsink_ops hec_net_ops = {
	.name = "splunk-hec",
	.open = hec_open,
	.send = hec_send,
	.close = hec_close,
	.max_batch = 500,
	.params = hec_params,
};

HTTP_SINK_OPS(splunk_hec_sink_ops, "splunk-hec", hec_net_ops);
HTTP_SINK_OPS(splunk_hecs_sink_ops, "splunk-hec+https", hec_net_ops);
