/* telemetry_json.c: OTLP/JSON request bodies (lowerCamelCase keys, int64
 * as strings or numbers) of agent telemetry -> tele_items, with jansson. A
 * member of the wrong type is malformed (its path in the message). */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/telemetry_int.h"

struct jctx {
	struct tele_list *l;
	char *err;
	size_t errlen;
	size_t total;
};

static int bad(struct jctx *c, const char *path, const char *what)
{
	snprintf(c->err, c->errlen, "%s: %s", path, what);
	return -1;
}

/* obj[key] as an array: 0 with *out (NULL when absent), or -1. */
static int arr(struct jctx *c, json_t *obj, const char *key, const char *path, json_t **out)
{
	*out = json_object_get(obj, key);
	if (*out && !json_is_array(*out))
		return bad(c, path, "not an array");
	return 0;
}

static int obj_at(struct jctx *c, json_t *a, size_t i, const char *path, json_t **out)
{
	*out = json_array_get(a, i);
	if (!json_is_object(*out))
		return bad(c, path, "not an object");
	return 0;
}

/* An int64 sent as a string or a number. */
static uint64_t u64(json_t *v)
{
	if (json_is_integer(v))
		return (uint64_t)json_integer_value(v);
	if (json_is_string(v))
		return strtoull(json_string_value(v), NULL, 10);
	return 0;
}

static void jval(json_t *any, struct aval *v)
{
	json_t *x;

	memset(v, 0, sizeof(*v));
	v->t = 'o';
	if (!json_is_object(any))
		return;
	if (json_is_string(x = json_object_get(any, "stringValue"))) {
		v->t = 's';
		v->s = json_string_value(x);
		v->slen = json_string_length(x);
	} else if ((x = json_object_get(any, "intValue"))) {
		struct aval s = {.t = 's'};
		if (json_is_integer(x)) {
			v->t = 'i';
			v->i = json_integer_value(x);
		} else if (json_is_string(x)) {
			s.s = json_string_value(x);
			s.slen = json_string_length(x);
			if (tele_to_int(&s, &v->i))
				v->t = 'i';
		}
	} else if (json_is_number(x = json_object_get(any, "doubleValue"))) {
		v->t = 'd';
		v->d = json_number_value(x);
	} else if (json_is_boolean(x = json_object_get(any, "boolValue"))) {
		v->t = 'b';
		v->b = json_is_true(x);
	}
}

static const char *jservice(json_t *res)
{
	json_t *attrs = json_object_get(res, "attributes"), *kv;
	size_t i;

	json_array_foreach(attrs, i, kv)
	{
		json_t *v = json_object_get(json_object_get(kv, "value"), "stringValue");
		const char *k = json_string_value(json_object_get(kv, "key"));
		if (k && !strcmp(k, "service.name") && json_is_string(v))
			return json_string_value(v);
	}
	return "";
}

static int jattrs(struct jctx *c, struct tele_item *it, json_t *o, const char *path,
		  const char **event_attr)
{
	json_t *attrs, *kv, *k;
	struct aval v;
	size_t i;

	if (arr(c, o, "attributes", path, &attrs))
		return -1;
	json_array_foreach(attrs, i, kv)
	{
		if (!json_is_object(kv) || !json_is_string(k = json_object_get(kv, "key")))
			return bad(c, path, "an attribute without a string key");
		jval(json_object_get(kv, "value"), &v);
		if (event_attr && !strcmp(json_string_value(k), "event.name") && v.t == 's')
			*event_attr = v.s;
		if (tele_add_attr(it, json_string_value(k), json_string_length(k), &v))
			return bad(c, path, "out of memory");
	}
	return 0;
}

static int jlog(struct jctx *c, json_t *lr, const char *svc)
{
	struct tele_item *it;
	const char *en = NULL, *event_name;
	struct aval body;
	json_t *t;

	if (++c->total > TELE_MAX_ITEMS)
		return bad(c, "resourceLogs", "too many log records in one request");
	if (!(it = tele_item_new(TELE_LOGS, svc)))
		return bad(c, "logRecords", "out of memory");
	jval(json_object_get(lr, "body"), &body);
	it->time_ns = u64(json_object_get(lr, "timeUnixNano"));
	if (!it->time_ns)
		it->time_ns = u64(json_object_get(lr, "observedTimeUnixNano"));
	if (jattrs(c, it, lr, "logRecords[].attributes", &en))
		goto fail;
	t = json_object_get(lr, "eventName");
	event_name = json_is_string(t) ? json_string_value(t) : NULL;
	if (tele_name_log(it, event_name, &body, en, en ? strlen(en) : 0)) {
		bad(c, "logRecords", "out of memory");
		goto fail;
	}
	tele_push(c->l, it);
	return 0;
fail:
	tele_item_free(it);
	return -1;
}

static int jlogs(struct jctx *c, json_t *root)
{
	json_t *rls, *rl, *sls, *sl, *lrs, *lr;
	size_t a, b, i;

	if (arr(c, root, "resourceLogs", "resourceLogs", &rls))
		return -1;
	for (a = 0; rls && a < json_array_size(rls); a++) {
		if (obj_at(c, rls, a, "resourceLogs[]", &rl) ||
		    arr(c, rl, "scopeLogs", "resourceLogs[].scopeLogs", &sls))
			return -1;
		for (b = 0; sls && b < json_array_size(sls); b++) {
			if (obj_at(c, sls, b, "scopeLogs[]", &sl) ||
			    arr(c, sl, "logRecords", "scopeLogs[].logRecords", &lrs))
				return -1;
			for (i = 0; lrs && i < json_array_size(lrs); i++)
				if (obj_at(c, lrs, i, "logRecords[]", &lr) ||
				    jlog(c, lr, jservice(json_object_get(rl, "resource"))))
					return -1;
		}
	}
	return 0;
}

static int jpoint(struct jctx *c, json_t *dp, const char *name, const char *svc)
{
	struct tele_item *it;
	struct aval v = {.t = 'o'};
	json_t *x;

	if (++c->total > TELE_MAX_ITEMS)
		return bad(c, "resourceMetrics", "too many data points in one request");
	if (!(it = tele_item_new(TELE_METRICS, svc)) || !(it->event = strdup(name))) {
		tele_item_free(it);
		return bad(c, "dataPoints", "out of memory");
	}
	it->time_ns = u64(json_object_get(dp, "timeUnixNano"));
	if ((x = json_object_get(dp, "asInt"))) {
		v.t = 'i';
		v.i = (int64_t)u64(x);
		if (json_is_integer(x))
			v.i = json_integer_value(x);
	} else if (json_is_number(x = json_object_get(dp, "asDouble"))) {
		v.t = 'd';
		v.d = json_number_value(x);
	}
	if (v.t != 'o' && tele_to_int(&v, &it->value)) {
		char *s = tele_to_text(&v);
		it->has_value = true;
		snprintf(it->value_str, sizeof(it->value_str), "%s", s ? s : "");
		free(s);
	}
	if (jattrs(c, it, dp, "dataPoints[].attributes", NULL)) {
		tele_item_free(it);
		return -1;
	}
	tele_push(c->l, it);
	return 0;
}

static int jmetric(struct jctx *c, json_t *m, const char *svc)
{
	json_t *name = json_object_get(m, "name"), *data, *dps, *dp;
	size_t i;

	if (!json_is_string(name))
		return bad(c, "metrics[]", "a metric without a string name");
	data = json_object_get(m, "sum");
	if (!data)
		data = json_object_get(m, "gauge");
	if (!data)
		return 0; /* histograms and summaries are not kept */
	if (!json_is_object(data) || arr(c, data, "dataPoints", "metrics[].dataPoints", &dps))
		return bad(c, "metrics[]", "a sum or gauge that is not an object");
	for (i = 0; dps && i < json_array_size(dps); i++)
		if (obj_at(c, dps, i, "dataPoints[]", &dp) ||
		    jpoint(c, dp, json_string_value(name), svc))
			return -1;
	return 0;
}

static int jmetrics(struct jctx *c, json_t *root)
{
	json_t *rms, *rm, *sms, *sm, *ms, *m;
	size_t a, b, i;

	if (arr(c, root, "resourceMetrics", "resourceMetrics", &rms))
		return -1;
	for (a = 0; rms && a < json_array_size(rms); a++) {
		if (obj_at(c, rms, a, "resourceMetrics[]", &rm) ||
		    arr(c, rm, "scopeMetrics", "resourceMetrics[].scopeMetrics", &sms))
			return -1;
		for (b = 0; sms && b < json_array_size(sms); b++) {
			if (obj_at(c, sms, b, "scopeMetrics[]", &sm) ||
			    arr(c, sm, "metrics", "scopeMetrics[].metrics", &ms))
				return -1;
			for (i = 0; ms && i < json_array_size(ms); i++)
				if (obj_at(c, ms, i, "metrics[]", &m) ||
				    jmetric(c, m, jservice(json_object_get(rm, "resource"))))
					return -1;
		}
	}
	return 0;
}

int tele_json_parse(enum tele_signal sig, const void *body, size_t len, struct tele_list *l,
		    char *err, size_t errlen)
{
	struct jctx c = {.l = l, .err = err, .errlen = errlen};
	json_error_t je;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	int rc;

	if (!root) {
		snprintf(err, errlen, "not JSON: %s (at byte %d)", je.text, je.position);
		return -1;
	}
	if (!json_is_object(root))
		rc = bad(&c, "body", "not a JSON object");
	else
		rc = sig == TELE_LOGS ? jlogs(&c, root) : jmetrics(&c, root);
	json_decref(root);
	return rc;
}
