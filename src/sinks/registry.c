/* registry.c: URL scheme -> sink implementation. Add new sinks to the table. */
#include "sinks/sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/netsink.h"

/* Network sinks (issue 5): src/sinks/syslog.c, otlp.c, http_sinks.c. */
extern const struct sink_ops syslog_udp_sink_ops, syslog_tcp_sink_ops, syslog_tls_sink_ops;
extern const struct sink_ops otlp_http_sink_ops, otlp_https_sink_ops;
extern const struct sink_ops opensearch_sink_ops, opensearchs_sink_ops, elasticsearch_sink_ops,
	elasticsearchs_sink_ops, splunk_hec_sink_ops, splunk_hecs_sink_ops, webhook_sink_ops,
	webhook_https_sink_ops, http_webhook_sink_ops, https_webhook_sink_ops;

/* The policy feedback feed (sinks/feedback.h). */
extern const struct sink_ops feedback_sink_ops;

static const struct sink_ops *const sink_table[] = {
	&sqlite_sink_ops,	 &jsonl_sink_ops,	   &syslog_udp_sink_ops,
	&syslog_tcp_sink_ops,	 &syslog_tls_sink_ops,	   &otlp_http_sink_ops,
	&otlp_https_sink_ops,	 &opensearch_sink_ops,	   &opensearchs_sink_ops,
	&elasticsearch_sink_ops, &elasticsearchs_sink_ops, &splunk_hec_sink_ops,
	&splunk_hecs_sink_ops,	 &webhook_sink_ops,	   &webhook_https_sink_ops,
	&http_webhook_sink_ops,	 &https_webhook_sink_ops,  &feedback_sink_ops,
};

struct sink *sink_open_url(const char *url, char *err, size_t errlen)
{
	const char *colon = strchr(url, ':');
	const struct sink_ops *ops = NULL;
	struct sink *s;
	size_t i, n;

	if (!colon) {
		snprintf(err, errlen, "export URL '%s' has no scheme (e.g. sqlite:PATH, jsonl:-)",
			 url);
		return NULL;
	}
	n = (size_t)(colon - url);
	for (i = 0; i < sizeof(sink_table) / sizeof(sink_table[0]); i++) {
		if (strlen(sink_table[i]->scheme) == n && !strncmp(sink_table[i]->scheme, url, n)) {
			ops = sink_table[i];
			break;
		}
	}
	if (!ops) {
		snprintf(err, errlen, "unknown export scheme in '%s'", url);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->ops = ops;
	snprintf(s->url, sizeof(s->url), "%s", url);
	if (ops->open(s, colon + 1, err, errlen)) {
		free(s);
		return NULL;
	}
	/* Network sinks spool next to the store unless told otherwise. */
	if (!strncmp(url, "sqlite:", 7) && !netsink_defaults.store_spool_dir[0])
		snprintf(netsink_defaults.store_spool_dir, sizeof(netsink_defaults.store_spool_dir),
			 "%.500s.spool", url + 7);
	return s;
}

void sink_close(struct sink *s)
{
	if (!s)
		return;
	if (s->ops->close)
		s->ops->close(s);
	free(s);
}
