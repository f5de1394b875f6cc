/* fuzz_sinks.c: libFuzzer target for what the export side parses from
 * untrusted or on-disk bytes: spooled records (record_deserialize, then
 * every encoder on the result), receivers' JSON replies (jresp via
 * libyaml), OTLP partial-success replies, sink URLs and the redactor.
 * Build like fuzz_decode (see the Makefile's fuzz rule) with this file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/redact.h"
#include "sinks/jresp.h"
#include "sinks/netsink.h"
#include "sinks/otlp_enc.h"
#include "sinks/recser.h"
#include "sinks/syslog_fmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct record r;
	static struct redactor *rd;
	static struct strbuf out, ser;
	struct record *one = &r;
	struct syslog_opts o = {.facility = 13, .max_len = 2048};
	struct sink_url u;
	struct jdoc j;
	char err[256], msg[128], *s;

	if (!rd)
		rd = redactor_new(true);
	if (size < 1)
		return 0;
	if (!record_deserialize(&r, data, size)) {
		record_to_json(&r, &out);
		syslog_format(&r, &o, &out);
		o.cef = 1;
		syslog_format(&r, &o, &out);
		otlp_encode(&one, 1, OTLP_PROTOBUF, 1, &out);
		otlp_encode(&one, 1, OTLP_JSON, 1, &out);
		redact_record(rd, &r);
		record_serialize(&r, &ser);
	}
	otlp_partial_rejected(data, size, OTLP_PROTOBUF, msg, sizeof(msg));
	otlp_partial_rejected(data, size, OTLP_JSON, msg, sizeof(msg));
	if (!jdoc_parse(&j, (const char *)data, size)) {
		yaml_node_t *items = jget(&j, jdoc_root(&j), "items");
		jint(jget(&j, jfirst(&j, jat(&j, items, 0)), "status"), -1);
		jdoc_free(&j);
	}
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	sink_url_parse("x", s, &u, err, sizeof(err));
	redact_string(rd, s, &out, NULL, NULL, 0);
	free(s);
	return 0;
}
