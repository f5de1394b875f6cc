/* otlp_enc.c: OTLP logs encoding (protobuf and JSON) and the partial
 * success reply parser: grouping, bodies, attributes and JSON here; the
 * protobuf messages are protobuf-c's, generated from proto/ (otlp_pb.c). */
#include "sinks/otlp_enc.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/severity.h"
#include "sinks/otlp_pb.h"

#define MAX_RESOURCES 64

static bool resource_key(const char *k)
{
	return !strcmp(k, "host.name") || !strcmp(k, "session") || !strcmp(k, "agent") ||
	       !strcmp(k, "project") || !strcmp(k, "container.id");
}

bool otlp_skip_attr(const char *k)
{
	return resource_key(k) || !strcmp(k, "time") || !strcmp(k, "event.severity");
}

int otlp_severity_number(const struct record *r)
{
	static const int num[SEV_MAX] = {5, 9, 10, 13, 17, 21};
	return num[record_severity_field(r)];
}

void otlp_body(const struct record *r, struct strbuf *out)
{
	const char *t = r->type_name ? r->type_name : "event", *s;
	int64_t port;

	sb_reset(out);
	sb_puts(out, t);
	if ((s = record_get_str(r, "process.command_line")) && *s)
		sb_printf(out, ": %s", s);
	else if ((s = record_get_str(r, "file.path")))
		sb_printf(out, ": %s", s);
	else if ((s = record_get_str(r, "network.peer.address")) && *s) {
		sb_printf(out, ": %s", s);
		if (record_get_int(r, "network.peer.port", &port))
			sb_printf(out, ":%" PRId64, port);
	} else if ((s = record_get_str(r, "dns.question.name")))
		sb_printf(out, ": %s", s);
}

/* Resource identity of a record: session + container. */
static bool same_resource(const struct record *a, const struct record *b)
{
	const char *k[] = {"session", "container.id", "host.name"};
	size_t i;
	for (i = 0; i < 3; i++) {
		const char *x = record_get_str(a, k[i]), *y = record_get_str(b, k[i]);
		if ((x == NULL) != (y == NULL) || (x && strcmp(x, y)))
			return false;
	}
	return true;
}

/* Group records: grp[i] = index of its group's first record. */
static size_t group(struct record *const *recs, size_t n, size_t *first, size_t *grp)
{
	size_t ng = 0, i, g;
	for (i = 0; i < n; i++) {
		for (g = 0; g < ng; g++)
			if (same_resource(recs[first[g]], recs[i]))
				break;
		if (g == ng) {
			if (ng == MAX_RESOURCES)
				g = ng - 1; /* degrade: share the last resource */
			else
				first[ng++] = i;
		}
		grp[i] = g;
	}
	return ng;
}

/* ---- JSON ---- */

static void js_kv_str(struct strbuf *b, const char *k, const char *v, bool comma)
{
	if (comma)
		sb_putc(b, ',');
	sb_puts(b, "{\"key\":");
	sb_json_str(b, k);
	sb_puts(b, ",\"value\":{\"stringValue\":");
	sb_json_str(b, v);
	sb_puts(b, "}}");
}

static void js_kv_field(struct strbuf *b, const struct field *f)
{
	uint32_t j;

	sb_puts(b, ",{\"key\":");
	sb_json_str(b, f->key);
	sb_puts(b, ",\"value\":");
	switch (f->kind) {
	case FIELD_STR:
		sb_puts(b, "{\"stringValue\":");
		sb_json_str(b, f->s);
		sb_putc(b, '}');
		break;
	case FIELD_BOOL: sb_printf(b, "{\"boolValue\":%s}", f->b ? "true" : "false"); break;
	case FIELD_INT: sb_printf(b, "{\"intValue\":\"%" PRId64 "\"}", f->i); break;
	case FIELD_DOUBLE: sb_printf(b, "{\"doubleValue\":%.12g}", f->d); break;
	case FIELD_STRV:
		sb_puts(b, "{\"arrayValue\":{\"values\":[");
		for (j = 0; j < f->sv.n; j++) {
			sb_puts(b, j ? ",{\"stringValue\":" : "{\"stringValue\":");
			sb_json_str(b, f->sv.v[j]);
			sb_putc(b, '}');
		}
		sb_puts(b, "]}}");
		break;
	}
	sb_putc(b, '}');
}

static void js_resource(struct strbuf *b, const struct record *r)
{
	static const char *const map[][2] = {{"host.name", "host.name"},
					     {"session", "proctor.session"},
					     {"agent", "proctor.agent"},
					     {"project", "proctor.project"},
					     {"container.id", "container.id"}};
	const char *s;
	size_t i;

	sb_puts(b, "\"resource\":{\"attributes\":[");
	js_kv_str(b, "service.name", "proctor", false);
	js_kv_str(b, "service.version", PROCTOR_VERSION, true);
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if ((s = record_get_str(r, map[i][0])))
			js_kv_str(b, map[i][1], s, true);
	sb_puts(b, "]}");
}

static void js_log(struct strbuf *b, const struct record *r, uint64_t observed, bool comma,
		   struct strbuf *tmp)
{
	uint32_t i;

	if (comma)
		sb_putc(b, ',');
	sb_printf(b, "{\"timeUnixNano\":\"%" PRIu64 "\",\"observedTimeUnixNano\":\"%" PRIu64 "\"",
		  r->time_ns, observed);
	sb_printf(b, ",\"severityNumber\":%d,\"severityText\":\"%s\"", otlp_severity_number(r),
		  severity_name(record_severity_field(r)));
	if (r->type_name) {
		sb_puts(b, ",\"eventName\":");
		sb_json_str(b, r->type_name);
	}
	otlp_body(r, tmp);
	sb_puts(b, ",\"body\":{\"stringValue\":");
	sb_json_str(b, sb_cstr(tmp));
	sb_puts(b, "},\"attributes\":[");
	js_kv_str(b, "event.name", r->type_name ? r->type_name : "", false);
	for (i = 0; i < r->nf; i++)
		if (!otlp_skip_attr(r->f[i].key) && strcmp(r->f[i].key, "type"))
			js_kv_field(b, &r->f[i]);
	sb_puts(b, "]}");
}

static void encode_json(struct record *const *recs, size_t n, const size_t *first,
			const size_t *grp, size_t ng, uint64_t observed, struct strbuf *out)
{
	struct strbuf tmp = STRBUF_INIT;
	size_t g, i;
	bool c;

	sb_puts(out, "{\"resourceLogs\":[");
	for (g = 0; g < ng; g++) {
		sb_puts(out, g ? ",{" : "{");
		js_resource(out, recs[first[g]]);
		sb_puts(out, ",\"scopeLogs\":[{\"scope\":{\"name\":\"proctor\",\"version\":");
		sb_json_str(out, PROCTOR_VERSION);
		sb_puts(out, "},\"logRecords\":[");
		for (i = 0, c = false; i < n; i++)
			if (grp[i] == g) {
				js_log(out, recs[i], observed, c, &tmp);
				c = true;
			}
		sb_puts(out, "]}]}");
	}
	sb_puts(out, "]}");
	sb_free(&tmp);
}

int otlp_encode(struct record *const *recs, size_t n, enum otlp_encoding enc, uint64_t observed_ns,
		struct strbuf *out)
{
	size_t first[MAX_RESOURCES], *grp = calloc(n ? n : 1, sizeof(size_t)), ng;
	int rc = 0;

	if (!grp)
		return -1;
	sb_reset(out);
	ng = group(recs, n, first, grp);
	if (enc == OTLP_JSON)
		encode_json(recs, n, first, grp, ng, observed_ns, out);
	else
		rc = otlp_encode_pb(recs, n, first, grp, ng, observed_ns, out);
	free(grp);
	return rc || (!out->buf && n) ? -1 : 0;
}

static int64_t json_rejected(const char *s, size_t len, char *msg, size_t msglen)
{
	char buf[4096];
	const char *p, *e;

	snprintf(buf, sizeof(buf), "%.*s", (int)(len < sizeof(buf) - 1 ? len : sizeof(buf) - 1), s);
	if ((e = strstr(buf, "\"errorMessage\"")) && (e = strchr(e + 14, '"'))) {
		const char *end = strchr(e + 1, '"');
		snprintf(msg, msglen, "%.*s", end ? (int)(end - e - 1) : 0, e + 1);
	}
	if (!(p = strstr(buf, "\"rejectedLogRecords\"")))
		return 0;
	p += 20;
	while (*p == ' ' || *p == ':' || *p == '"')
		p++;
	return strtoll(p, NULL, 10);
}

int64_t otlp_partial_rejected(const void *body, size_t len, enum otlp_encoding enc, char *msg,
			      size_t msglen)
{
	if (msglen)
		msg[0] = 0;
	if (enc == OTLP_JSON)
		return json_rejected(body, len, msg, msglen);
	return otlp_partial_rejected_pb(body, len, msg, msglen);
}
