/* otlp_pb.c: the OTLP sink's protobuf side, on protobuf-c's generated
 * messages (build/proto/ from proto/): records -> ExportLogsServiceRequest,
 * and the ExportLogsServiceResponse's partial success. The messages of one
 * batch live in an arena freed after packing. */
#include "sinks/otlp_pb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/severity.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"

typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;
typedef Opentelemetry__Proto__Common__V1__ArrayValue ArrayValue;
typedef Opentelemetry__Proto__Common__V1__KeyValue KeyValue;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope Scope;
typedef Opentelemetry__Proto__Resource__V1__Resource Resource;
typedef Opentelemetry__Proto__Logs__V1__LogRecord LogRecord;
typedef Opentelemetry__Proto__Logs__V1__ScopeLogs ScopeLogs;
typedef Opentelemetry__Proto__Logs__V1__ResourceLogs ResourceLogs;
typedef Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest Request;
typedef Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceResponse Response;

#define CHUNK (64 * 1024)

struct chunk {
	struct chunk *next;
	size_t used, cap;
	_Alignas(16) char mem[];
};

struct pb_arena {
	struct chunk *head;
	bool failed;
};

static void *alloc(struct pb_arena *a, size_t n)
{
	struct chunk *c = a->head;

	n = (n + 15) & ~(size_t)15;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > CHUNK ? n : CHUNK;
		if (!(c = malloc(sizeof(*c) + cap))) {
			a->failed = true;
			return NULL;
		}
		c->next = a->head;
		c->used = 0;
		c->cap = cap;
		a->head = c;
	}
	c->used += n;
	return memset(c->mem + c->used - n, 0, n);
}

static void arena_free(struct pb_arena *a)
{
	struct chunk *c, *next;

	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}

/* The builders return NULL only when the arena failed (checked once, at
 * the end); protobuf-c's char * fields point into the records. */
static AnyValue *any_str(struct pb_arena *a, const char *s)
{
	AnyValue *v = alloc(a, sizeof(*v));

	if (!v)
		return NULL;
	opentelemetry__proto__common__v1__any_value__init(v);
	v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	v->string_value = (char *)(s ? s : "");
	return v;
}

static KeyValue *kv(struct pb_arena *a, const char *k, AnyValue *v)
{
	KeyValue *p = alloc(a, sizeof(*p));

	if (!p)
		return NULL;
	opentelemetry__proto__common__v1__key_value__init(p);
	p->key = (char *)k;
	p->value = v;
	return p;
}

static AnyValue *any_strv(struct pb_arena *a, const struct field *f)
{
	AnyValue *v = alloc(a, sizeof(*v));
	ArrayValue *arr = alloc(a, sizeof(*arr));
	AnyValue **vals = alloc(a, sizeof(*vals) * (f->sv.n ? f->sv.n : 1));
	uint32_t j;

	if (!v || !arr || !vals)
		return NULL;
	opentelemetry__proto__common__v1__any_value__init(v);
	opentelemetry__proto__common__v1__array_value__init(arr);
	for (j = 0; j < f->sv.n; j++)
		if (!(vals[j] = any_str(a, f->sv.v[j])))
			return NULL;
	arr->n_values = f->sv.n;
	arr->values = vals;
	v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE;
	v->array_value = arr;
	return v;
}

static AnyValue *any_field(struct pb_arena *a, const struct field *f)
{
	AnyValue *v;

	if (f->kind == FIELD_STR)
		return any_str(a, f->s);
	if (f->kind == FIELD_STRV)
		return any_strv(a, f);
	if (!(v = alloc(a, sizeof(*v))))
		return NULL;
	opentelemetry__proto__common__v1__any_value__init(v);
	if (f->kind == FIELD_BOOL) {
		v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
		v->bool_value = f->b;
	} else if (f->kind == FIELD_DOUBLE) {
		v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
		v->double_value = f->d;
	} else {
		v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
		v->int_value = f->i;
	}
	return v;
}

static Resource *resource(struct pb_arena *a, const struct record *r)
{
	static const char *const map[][2] = {{"host.name", "host.name"},
					     {"session", "proctor.session"},
					     {"agent", "proctor.agent"},
					     {"project", "proctor.project"},
					     {"container.id", "container.id"}};
	Resource *res = alloc(a, sizeof(*res));
	KeyValue **attrs = alloc(a, sizeof(*attrs) * 7);
	const char *s;
	size_t i, n = 0;

	if (!res || !attrs)
		return NULL;
	opentelemetry__proto__resource__v1__resource__init(res);
	attrs[n++] = kv(a, "service.name", any_str(a, "proctor"));
	attrs[n++] = kv(a, "service.version", any_str(a, PROCTOR_VERSION));
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if ((s = record_get_str(r, map[i][0])))
			attrs[n++] = kv(a, map[i][1], any_str(a, s));
	res->n_attributes = n;
	res->attributes = attrs;
	return res;
}

static LogRecord *log_record(struct pb_arena *a, const struct record *r, uint64_t observed,
			     struct strbuf *tmp)
{
	LogRecord *lr = alloc(a, sizeof(*lr));
	KeyValue **attrs = alloc(a, sizeof(*attrs) * (r->nf + 1));
	char *body;
	uint32_t i;
	size_t n = 0;

	if (!lr || !attrs)
		return NULL;
	opentelemetry__proto__logs__v1__log_record__init(lr);
	lr->time_unix_nano = r->time_ns;
	lr->observed_time_unix_nano = observed;
	lr->severity_number = otlp_severity_number(r);
	lr->severity_text = (char *)severity_name(record_severity_field(r));
	otlp_body(r, tmp);
	if (!(body = alloc(a, tmp->len + 1)))
		return NULL;
	memcpy(body, sb_cstr(tmp), tmp->len + 1);
	lr->body = any_str(a, body);
	attrs[n++] = kv(a, "event.name", any_str(a, r->type_name));
	for (i = 0; i < r->nf; i++)
		if (!otlp_skip_attr(r->f[i].key) && strcmp(r->f[i].key, "type"))
			attrs[n++] = kv(a, r->f[i].key, any_field(a, &r->f[i]));
	lr->n_attributes = n;
	lr->attributes = attrs;
	if (r->type_name)
		lr->event_name = (char *)r->type_name;
	return lr;
}

/* One ResourceLogs per group g, its records in order. */
static ResourceLogs *resource_logs(struct pb_arena *a, struct record *const *recs, size_t n,
				   const size_t *grp, size_t g, size_t first, uint64_t observed,
				   Scope *scope, struct strbuf *tmp)
{
	ResourceLogs *rl = alloc(a, sizeof(*rl));
	ScopeLogs *sl = alloc(a, sizeof(*sl));
	ScopeLogs **sls = alloc(a, sizeof(*sls));
	LogRecord **lrs;
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += grp[i] == g;
	if (!rl || !sl || !sls || !(lrs = alloc(a, sizeof(*lrs) * k)))
		return NULL;
	opentelemetry__proto__logs__v1__resource_logs__init(rl);
	opentelemetry__proto__logs__v1__scope_logs__init(sl);
	for (i = 0, k = 0; i < n; i++)
		if (grp[i] == g)
			lrs[k++] = log_record(a, recs[i], observed, tmp);
	sl->scope = scope;
	sl->n_log_records = k;
	sl->log_records = lrs;
	sls[0] = sl;
	rl->resource = resource(a, recs[first]);
	rl->n_scope_logs = 1;
	rl->scope_logs = sls;
	return rl;
}

int otlp_encode_pb(struct record *const *recs, size_t n, const size_t *first, const size_t *grp,
		   size_t ng, uint64_t observed, struct strbuf *out)
{
	struct pb_arena a = {0};
	struct strbuf tmp = STRBUF_INIT;
	Request req = OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_SERVICE_REQUEST__INIT;
	Scope scope = OPENTELEMETRY__PROTO__COMMON__V1__INSTRUMENTATION_SCOPE__INIT;
	ResourceLogs **rls = alloc(&a, sizeof(*rls) * (ng ? ng : 1));
	size_t g, len;
	int rc = -1;

	scope.name = (char *)"proctor";
	scope.version = (char *)PROCTOR_VERSION;
	for (g = 0; rls && g < ng; g++)
		rls[g] = resource_logs(&a, recs, n, grp, g, first[g], observed, &scope, &tmp);
	req.n_resource_logs = ng;
	req.resource_logs = rls;
	if (a.failed)
		goto out;
	len = opentelemetry__proto__collector__logs__v1__export_logs_service_request__get_packed_size(
		&req);
	if (sb_grow(out, len + 1))
		goto out;
	out->len = opentelemetry__proto__collector__logs__v1__export_logs_service_request__pack(
		&req, (uint8_t *)out->buf);
	out->buf[out->len] = 0;
	rc = 0;
out:
	sb_free(&tmp);
	arena_free(&a);
	return rc;
}

int64_t otlp_partial_rejected_pb(const void *body, size_t len, char *msg, size_t msglen)
{
	Response *rep;
	int64_t rejected = 0;

	if (!len ||
	    !(rep = opentelemetry__proto__collector__logs__v1__export_logs_service_response__unpack(
		      NULL, len, body)))
		return 0;
	if (rep->partial_success) {
		rejected = rep->partial_success->rejected_log_records;
		if (msglen && rep->partial_success->error_message)
			snprintf(msg, msglen, "%s", rep->partial_success->error_message);
	}
	opentelemetry__proto__collector__logs__v1__export_logs_service_response__free_unpacked(
		rep, NULL);
	return rejected < 0 ? 0 : rejected;
}
