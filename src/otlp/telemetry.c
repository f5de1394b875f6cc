/* telemetry.c: OTLP ExportLogsServiceRequest / ExportMetricsServiceRequest
 * bodies (protobuf through protobuf-c, JSON through jansson) -> tele_items.
 * One item per log record (Claude Code's claude_code.api_request,
 * tool_result, tool_decision; Codex's codex.*) or per number data point; the
 * attribute table below is the one definition of what is kept. */
#include "otlp/telemetry.h"
#include "otlp/telemetry_int.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"

typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;
typedef Opentelemetry__Proto__Common__V1__KeyValue KeyValue;

/* The agents' attribute -> the record field (docs/EVENTS-llm.md). Claude
 * Code's names first, then Codex's. Kinds: 's' string, 'i' integer (from a
 * number or a numeric string), 'b' boolean, 'n' a number kept as its text. */
static const struct {
	const char *attr, *field;
	char kind;
} keep[] = {
	{"model", "gen_ai.request.model", 's'},
	{"input_tokens", "gen_ai.usage.input_tokens", 'i'},
	{"input_token_count", "gen_ai.usage.input_tokens", 'i'},
	{"output_tokens", "gen_ai.usage.output_tokens", 'i'},
	{"output_token_count", "gen_ai.usage.output_tokens", 'i'},
	{"cache_read_tokens", "gen_ai.usage.cache_read.input_tokens", 'i'},
	{"cached_token_count", "gen_ai.usage.cache_read.input_tokens", 'i'},
	{"cache_creation_tokens", "gen_ai.usage.cache_creation.input_tokens", 'i'},
	{"reasoning_token_count", "gen_ai.usage.reasoning.output_tokens", 'i'},
	{"cost_usd", "agent.telemetry.cost_usd", 'n'},
	{"duration_ms", "agent.telemetry.duration_ms", 'i'},
	{"tool_name", "gen_ai.tool.name", 's'},
	{"call_id", "gen_ai.tool.call.id", 's'},
	{"tool_use_id", "gen_ai.tool.call.id", 's'},
	{"decision", "agent.telemetry.decision", 's'},
	{"source", "agent.telemetry.decision_source", 's'},
	{"decision_source", "agent.telemetry.decision_source", 's'},
	{"success", "agent.telemetry.success", 'b'},
	{"error", "error.message", 's'},
	{"error.message", "error.message", 's'},
	{"status_code", "http.response.status_code", 'i'},
	{"http.response.status_code", "http.response.status_code", 'i'},
	{"session.id", "agent.telemetry.session_id", 's'},
	{"conversation.id", "agent.telemetry.session_id", 's'},
	{"tool_parameters", "agent.telemetry.tool_arguments", 's'},
	{"arguments", "agent.telemetry.tool_arguments", 's'},
	{"prompt_length", "agent.telemetry.prompt_length", 'i'},
	{"event.kind", "agent.telemetry.kind", 's'},
	{"type", "agent.telemetry.metric.type", 's'},
	{"app.version", "agent.telemetry.version", 's'},
};

void tele_list_init(struct tele_list *l)
{
	l->head = NULL;
	l->tail = &l->head;
	l->n = 0;
}

void tele_item_free(struct tele_item *it)
{
	unsigned i;

	if (!it)
		return;
	for (i = 0; i < it->nf; i++)
		free(it->f[i].s);
	free(it->event);
	free(it->service);
	free(it);
}

void tele_list_free(struct tele_list *l)
{
	struct tele_item *it, *next;

	for (it = l->head; it; it = next) {
		next = it->next;
		tele_item_free(it);
	}
	tele_list_init(l);
}

const struct tele_field *tele_get(const struct tele_item *it, const char *key)
{
	unsigned i;

	for (i = 0; i < it->nf; i++)
		if (!strcmp(it->f[i].key, key))
			return &it->f[i];
	return NULL;
}

static char *dupn(const char *s, size_t n)
{
	char *p;

	if (n > TELE_MAX_VALUE)
		n = TELE_MAX_VALUE;
	if ((p = malloc(n + 1))) {
		memcpy(p, s, n);
		p[n] = 0;
		if (strlen(p) < n) /* an embedded NUL ends the text */
			p[strlen(p)] = 0;
	}
	return p;
}

bool tele_to_int(const struct aval *v, int64_t *out)
{
	char buf[32], *end;

	if (v->t == 'i')
		*out = v->i;
	else if (v->t == 'd' && isfinite(v->d) && fabs(v->d) < 9e18)
		*out = (int64_t)llround(v->d);
	else if (v->t == 's' && v->slen && v->slen < sizeof(buf)) {
		memcpy(buf, v->s, v->slen);
		buf[v->slen] = 0;
		errno = 0;
		*out = strtoll(buf, &end, 10);
		if (errno || *end)
			return false;
	} else
		return false;
	return true;
}

/* The value as text: strings as sent, numbers printed. */
char *tele_to_text(const struct aval *v)
{
	char buf[48];

	switch (v->t) {
	case 's': return dupn(v->s, v->slen);
	case 'i': snprintf(buf, sizeof(buf), "%" PRId64, v->i); break;
	case 'd': snprintf(buf, sizeof(buf), "%.10g", v->d); break;
	case 'b': snprintf(buf, sizeof(buf), "%s", v->b ? "true" : "false"); break;
	default: return NULL;
	}
	return dupn(buf, strlen(buf));
}

/* Keep one attribute if the table names it (a later duplicate is ignored). */
int tele_add_attr(struct tele_item *it, const char *key, size_t klen, const struct aval *v)
{
	struct tele_field *f;
	size_t k;

	for (k = 0; k < sizeof(keep) / sizeof(keep[0]); k++)
		if (strlen(keep[k].attr) == klen && !memcmp(keep[k].attr, key, klen))
			break;
	if (k == sizeof(keep) / sizeof(keep[0]) || tele_get(it, keep[k].field) ||
	    it->nf == TELE_FIELDS || v->t == 'o') {
		it->ignored++;
		return 0;
	}
	f = &it->f[it->nf];
	f->key = keep[k].field;
	if (keep[k].kind == 'i') {
		if (!tele_to_int(v, &f->i)) {
			it->ignored++;
			return 0;
		}
		f->kind = TF_INT;
	} else if (keep[k].kind == 'b') {
		if (v->t == 'b')
			f->i = v->b;
		else if (v->t == 's' && v->slen == 4 && !memcmp(v->s, "true", 4))
			f->i = 1;
		else if (v->t == 's' && v->slen == 5 && !memcmp(v->s, "false", 5))
			f->i = 0;
		else {
			it->ignored++;
			return 0;
		}
		f->kind = TF_BOOL;
	} else {
		f->kind = TF_STR;
		if (!(f->s = tele_to_text(v)))
			return -1;
	}
	it->nf++;
	return 0;
}

/* "claude_code.api_request": a dotted identifier, as Claude Code's log
 * bodies and Codex's event.name are. */
static bool event_like(const char *s, size_t n)
{
	size_t i;
	bool dot = false;

	if (!n || n > 96)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.')
			dot = true;
		else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return dot;
}

struct tele_item *tele_item_new(enum tele_signal sig, const char *service)
{
	struct tele_item *it = calloc(1, sizeof(*it));

	if (!it)
		return NULL;
	it->signal = sig;
	if (!(it->service = strdup(service ? service : ""))) {
		free(it);
		return NULL;
	}
	return it;
}

/* Name a log record: its event_name, else a dotted body, else event.name. */
int tele_name_log(struct tele_item *it, const char *event_name, const struct aval *body,
		  const char *attr_name, size_t attr_len)
{
	if (event_name && *event_name)
		it->event = dupn(event_name, strlen(event_name));
	else if (body && body->t == 's' && event_like(body->s, body->slen))
		it->event = dupn(body->s, body->slen);
	else if (attr_name)
		it->event = dupn(attr_name, attr_len);
	else
		it->event = strdup("log");
	return it->event ? 0 : -1;
}

/* ---- protobuf ---- */

static void pb_val(const AnyValue *a, struct aval *v)
{
	memset(v, 0, sizeof(*v));
	v->t = 'o';
	if (!a)
		return;
	switch (a->value_case) {
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
		v->t = 's';
		v->s = a->string_value ? a->string_value : "";
		v->slen = strlen(v->s);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
		v->t = 'i';
		v->i = a->int_value;
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
		v->t = 'd';
		v->d = a->double_value;
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
		v->t = 'b';
		v->b = a->bool_value;
		break;
	default: break;
	}
}

static const char *pb_service(const Opentelemetry__Proto__Resource__V1__Resource *r)
{
	size_t i;

	for (i = 0; r && i < r->n_attributes; i++)
		if (r->attributes[i]->key && !strcmp(r->attributes[i]->key, "service.name") &&
		    r->attributes[i]->value &&
		    r->attributes[i]->value->value_case ==
			    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE)
			return r->attributes[i]->value->string_value;
	return "";
}

static int pb_attrs(struct tele_item *it, KeyValue **kv, size_t n)
{
	struct aval v;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!kv[i]->key)
			continue;
		pb_val(kv[i]->value, &v);
		if (tele_add_attr(it, kv[i]->key, strlen(kv[i]->key), &v))
			return -1;
	}
	return 0;
}

void tele_push(struct tele_list *l, struct tele_item *it)
{
	*l->tail = it;
	l->tail = &it->next;
	l->n++;
}

static int pb_log(const Opentelemetry__Proto__Logs__V1__LogRecord *lr, const char *service,
		  struct tele_list *l)
{
	struct tele_item *it = tele_item_new(TELE_LOGS, service);
	struct aval body;
	const char *en = NULL;
	size_t i;

	if (!it)
		return -1;
	pb_val(lr->body, &body);
	for (i = 0; i < lr->n_attributes; i++)
		if (lr->attributes[i]->key && !strcmp(lr->attributes[i]->key, "event.name") &&
		    lr->attributes[i]->value &&
		    lr->attributes[i]->value->value_case ==
			    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE)
			en = lr->attributes[i]->value->string_value;
	it->time_ns = lr->time_unix_nano ? lr->time_unix_nano : lr->observed_time_unix_nano;
	if (tele_name_log(it, lr->event_name, &body, en, en ? strlen(en) : 0) ||
	    pb_attrs(it, lr->attributes, lr->n_attributes)) {
		tele_item_free(it);
		return -1;
	}
	tele_push(l, it);
	return 0;
}

static int pb_logs(const void *body, size_t len, struct tele_list *l, char *err, size_t errlen)
{
	Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest *req;
	size_t a, b, c, total = 0;
	int rc = 0;

	req = opentelemetry__proto__collector__logs__v1__export_logs_service_request__unpack(
		NULL, len, body);
	if (!req) {
		snprintf(err, errlen, "not an ExportLogsServiceRequest (protobuf)");
		return -1;
	}
	for (a = 0; a < req->n_resource_logs; a++)
		for (b = 0; b < req->resource_logs[a]->n_scope_logs; b++)
			total += req->resource_logs[a]->scope_logs[b]->n_log_records;
	if (total > TELE_MAX_ITEMS) {
		snprintf(err, errlen, "%zu log records in one request (at most %d)", total,
			 TELE_MAX_ITEMS);
		rc = -1;
	}
	for (a = 0; !rc && a < req->n_resource_logs; a++) {
		const char *svc = pb_service(req->resource_logs[a]->resource);
		for (b = 0; !rc && b < req->resource_logs[a]->n_scope_logs; b++) {
			Opentelemetry__Proto__Logs__V1__ScopeLogs *sl =
				req->resource_logs[a]->scope_logs[b];
			for (c = 0; !rc && c < sl->n_log_records; c++)
				if (pb_log(sl->log_records[c], svc, l)) {
					snprintf(err, errlen, "out of memory");
					rc = -1;
				}
		}
	}
	opentelemetry__proto__collector__logs__v1__export_logs_service_request__free_unpacked(req,
											      NULL);
	return rc;
}

static int pb_point(const Opentelemetry__Proto__Metrics__V1__Metric *m,
		    const Opentelemetry__Proto__Metrics__V1__NumberDataPoint *dp,
		    const char *service, struct tele_list *l)
{
	struct tele_item *it = tele_item_new(TELE_METRICS, service);
	struct aval v = {.t = 'o'};

	if (!it)
		return -1;
	it->time_ns = dp->time_unix_nano;
	if (dp->value_case == OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT)
		v = (struct aval){.t = 'i', .i = dp->as_int};
	else if (dp->value_case ==
		 OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE)
		v = (struct aval){.t = 'd', .d = dp->as_double};
	if (v.t != 'o' && tele_to_int(&v, &it->value)) {
		char *s = tele_to_text(&v);
		it->has_value = true;
		snprintf(it->value_str, sizeof(it->value_str), "%s", s ? s : "");
		free(s);
	}
	if (!(it->event = dupn(m->name ? m->name : "", m->name ? strlen(m->name) : 0)) ||
	    pb_attrs(it, dp->attributes, dp->n_attributes)) {
		tele_item_free(it);
		return -1;
	}
	tele_push(l, it);
	return 0;
}

/* A metric's number data points (gauge, sum); other kinds are not kept. */
static int pb_metric(const Opentelemetry__Proto__Metrics__V1__Metric *m, const char *svc,
		     struct tele_list *l, size_t *total)
{
	Opentelemetry__Proto__Metrics__V1__NumberDataPoint **dps = NULL;
	size_t n = 0, i;

	if (m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM && m->sum) {
		dps = m->sum->data_points;
		n = m->sum->n_data_points;
	} else if (m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE &&
		   m->gauge) {
		dps = m->gauge->data_points;
		n = m->gauge->n_data_points;
	}
	for (i = 0; i < n; i++) {
		if (++*total > TELE_MAX_ITEMS)
			return 1;
		if (pb_point(m, dps[i], svc, l))
			return -1;
	}
	return 0;
}

static int pb_metrics(const void *body, size_t len, struct tele_list *l, char *err, size_t errlen)
{
	Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req;
	size_t a, b, c, total = 0;
	int rc = 0;

	req = opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(
		NULL, len, body);
	if (!req) {
		snprintf(err, errlen, "not an ExportMetricsServiceRequest (protobuf)");
		return -1;
	}
	for (a = 0; !rc && a < req->n_resource_metrics; a++) {
		Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rm = req->resource_metrics[a];
		const char *svc = pb_service(rm->resource);
		for (b = 0; !rc && b < rm->n_scope_metrics; b++)
			for (c = 0; !rc && c < rm->scope_metrics[b]->n_metrics; c++)
				rc = pb_metric(rm->scope_metrics[b]->metrics[c], svc, l, &total);
	}
	if (rc > 0)
		snprintf(err, errlen, "more than %d data points in one request", TELE_MAX_ITEMS);
	else if (rc < 0)
		snprintf(err, errlen, "out of memory");
	opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(
		req, NULL);
	return rc ? -1 : 0;
}

int tele_parse(enum tele_signal sig, enum tele_format fmt, const void *body, size_t len,
	       struct tele_list *l, char *err, size_t errlen)
{
	struct tele_list got;
	int rc;

	tele_list_init(&got);
	if (fmt == TELE_JSON)
		rc = tele_json_parse(sig, body, len, &got, err, errlen);
	else if (sig == TELE_LOGS)
		rc = pb_logs(body, len, &got, err, errlen);
	else
		rc = pb_metrics(body, len, &got, err, errlen);
	if (rc) {
		tele_list_free(&got);
		return -1;
	}
	if (got.head) {
		*l->tail = got.head;
		l->tail = got.tail;
		l->n += got.n;
	}
	return 0;
}
