/* config.c: the pipeline configuration file (YAML, libyaml document API):
 * batching, rate limit, redaction rules, spool defaults, and sinks with
 * their filters. Untrusted input, loaded strictly (util/yaml.h: one document,
 * no duplicate keys, bounded nesting): every error is "FILE:LINE:COL: reason".
 *
 *   batch:      {interval: 100ms, size: 4096}
 *   rate_limit: {events_per_second: 5000, burst: 10000}
 *   redaction:  {builtin: true, rules: [{name: corp, regex: 'corp_[a-z0-9]{8}', group: 0}]}
 *   spool:      {dir: /var/lib/proctor/spool, max_bytes: 256MiB, drain: 5s}
 *   sinks:
 *     - url: syslog+udp://127.0.0.1:514
 *       include: {types: ["security.*"], agents: [], projects: [], paths: [], severity: warning}
 *       exclude: {types: ["file.read"]}
 */
#include "pipeline/config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/enrich.h"
#include "pipeline/filter.h"
#include "pipeline/redact.h"
#include "pipeline/redact_rules.h"
#include "sinks/netsink.h"
#include "sinks/spool.h"
#include "util/util.h"
#include "util/yaml.h"

struct cfg {
	struct ydoc y;
	struct pipeline *p;
};

static int fail(struct cfg *c, yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct cfg *c, yaml_node_t *n, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ydoc_error(&c->y, n, "%s", msg);
}

static yaml_node_t *node(struct cfg *c, int id)
{
	return ydoc_node(&c->y, id);
}

#define scalar ydoc_scalar

static int want(struct cfg *c, yaml_node_t *n, yaml_node_type_t t, const char *what)
{
	static const char *const names[] = {"nothing", "a value", "a list", "a mapping"};
	if (!n || n->type != t)
		return fail(c, n, "%s must be %s", what, names[t]);
	return 0;
}

static int get_str(struct cfg *c, yaml_node_t *v, const char *key, const char **out)
{
	if (!(*out = scalar(v)))
		return fail(c, v, "'%s' must be a value", key);
	return 0;
}

static int get_u64(struct cfg *c, yaml_node_t *v, const char *key, uint64_t *out)
{
	const char *s = scalar(v);
	if (!s || parse_u64(s, out))
		return fail(c, v, "'%s' must be a non-negative integer", key);
	return 0;
}

static int get_dur(struct cfg *c, yaml_node_t *v, const char *key, uint64_t *out)
{
	const char *s = scalar(v);
	if (!s || parse_duration_ns(s, out))
		return fail(c, v, "'%s' must be a duration such as 100ms or 5s", key);
	return 0;
}

static int get_bool(struct cfg *c, yaml_node_t *v, const char *key, bool *out)
{
	const char *s = scalar(v);
	if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on")))
		return *out = true, 0;
	if (s && (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off")))
		return *out = false, 0;
	return fail(c, v, "'%s' must be true or false", key);
}

#define FOR_PAIRS(c, map, k, v)                                                                    \
	for (yaml_node_pair_t *pair_ = (map)->data.mapping.pairs.start;                            \
	     pair_ < (map)->data.mapping.pairs.top &&                                              \
	     ((k) = scalar(node(c, pair_->key)), (v) = node(c, pair_->value), 1);                  \
	     pair_++)

static int section_batch(struct cfg *c, yaml_node_t *m)
{
	uint64_t size = 0, interval = 0;
	const char *k;
	yaml_node_t *v;

	if (want(c, m, YAML_MAPPING_NODE, "batch"))
		return -1;
	FOR_PAIRS(c, m, k, v)
	{
		if (k && !strcmp(k, "interval")) {
			if (get_dur(c, v, k, &interval) || !interval)
				return fail(c, v, "'interval' must be a positive duration");
		} else if (k && !strcmp(k, "size")) {
			if (get_u64(c, v, k, &size) || size < 1 || size > 1000000)
				return fail(c, v, "'size' must be between 1 and 1000000");
		} else {
			return fail(c, v, "unknown key '%s' in batch", k ? k : "?");
		}
	}
	if (pipeline_set_batch(c->p, (size_t)size, interval))
		return fail(c, m, "out of memory");
	return 0;
}

static int section_rate(struct cfg *c, yaml_node_t *m)
{
	uint64_t rate = 0, burst = 0;
	const char *k;
	yaml_node_t *v;

	if (want(c, m, YAML_MAPPING_NODE, "rate_limit"))
		return -1;
	FOR_PAIRS(c, m, k, v)
	{
		if (k && !strcmp(k, "events_per_second")) {
			if (get_u64(c, v, k, &rate))
				return -1;
		} else if (k && !strcmp(k, "burst")) {
			if (get_u64(c, v, k, &burst))
				return -1;
		} else {
			return fail(c, v, "unknown key '%s' in rate_limit", k ? k : "?");
		}
	}
	pipeline_set_rate_limit(c->p, (double)rate, (double)burst);
	return 0;
}

static int redaction_rule(struct cfg *c, struct redactor *rd, yaml_node_t *m)
{
	const char *name = NULL, *regex = NULL, *k;
	uint64_t group = 0;
	yaml_node_t *v;
	char err[256];

	if (want(c, m, YAML_MAPPING_NODE, "a redaction rule"))
		return -1;
	FOR_PAIRS(c, m, k, v)
	{
		if (k && !strcmp(k, "name")) {
			if (get_str(c, v, k, &name))
				return -1;
		} else if (k && !strcmp(k, "regex")) {
			if (get_str(c, v, k, &regex))
				return -1;
		} else if (k && !strcmp(k, "group")) {
			if (get_u64(c, v, k, &group) || group > 9)
				return fail(c, v, "'group' must be 0..9");
		} else {
			return fail(c, v, "unknown key '%s' in a redaction rule", k ? k : "?");
		}
	}
	if (!name || !*name || !regex || !*regex)
		return fail(c, m, "a redaction rule needs 'name' and 'regex'");
	if (redactor_add(rd, name, regex, (int)group, err, sizeof(err)))
		return fail(c, m, "%s", err);
	return 0;
}

static int section_redaction(struct cfg *c, yaml_node_t *m)
{
	bool builtin = true;
	yaml_node_t *rules = NULL, *v, *file_node = NULL;
	struct redactor *rd;
	const char *k, *file = NULL;
	yaml_node_item_t *it;
	char err[512];

	if (want(c, m, YAML_MAPPING_NODE, "redaction"))
		return -1;
	FOR_PAIRS(c, m, k, v)
	{
		if (k && !strcmp(k, "builtin")) {
			if (get_bool(c, v, k, &builtin))
				return -1;
		} else if (k && !strcmp(k, "rules")) {
			if (want(c, v, YAML_SEQUENCE_NODE, "rules"))
				return -1;
			rules = v;
		} else if (k && !strcmp(k, "rules_file")) {
			if (get_str(c, v, k, &file))
				return -1;
			file_node = v;
		} else {
			return fail(c, v, "unknown key '%s' in redaction", k ? k : "?");
		}
	}
	if (!(rd = redactor_new(builtin)))
		return fail(c, m, "out of memory");
	for (it = rules ? rules->data.sequence.items.start : NULL;
	     rules && it < rules->data.sequence.items.top; it++) {
		if (redaction_rule(c, rd, node(c, *it))) {
			redactor_free(rd);
			return -1;
		}
	}
	if (file && redact_rules_load(rd, file, err, sizeof(err)) < 0) {
		redactor_free(rd);
		return fail(c, file_node, "%s", err);
	}
	redactor_free(c->p->redactor);
	c->p->redactor = rd;
	return 0;
}

static int section_spool(struct cfg *c, yaml_node_t *m)
{
	const char *k, *s;
	yaml_node_t *v;
	uint64_t d;

	if (want(c, m, YAML_MAPPING_NODE, "spool"))
		return -1;
	FOR_PAIRS(c, m, k, v)
	{
		if (k && !strcmp(k, "dir")) {
			if (get_str(c, v, k, &s))
				return -1;
			if (strlen(s) >= sizeof(netsink_defaults.spool_dir))
				return fail(c, v, "spool dir too long");
			snprintf(netsink_defaults.spool_dir, sizeof(netsink_defaults.spool_dir),
				 "%s", s);
		} else if (k && !strcmp(k, "max_bytes")) {
			if (!(s = scalar(v)) || parse_size(s, &netsink_defaults.spool_max_bytes) ||
			    !netsink_defaults.spool_max_bytes)
				return fail(c, v, "'max_bytes' must be a size such as 256MiB");
		} else if (k && !strcmp(k, "drain")) {
			if (get_dur(c, v, k, &d))
				return -1;
			netsink_defaults.drain_ms = d / 1000000;
		} else {
			return fail(c, v, "unknown key '%s' in spool", k ? k : "?");
		}
	}
	return 0;
}

static int filter_set(struct cfg *c, yaml_node_t *m, struct sink_filter *f, bool include)
{
	struct filter_set *fs = include ? &f->include : &f->exclude;
	const char *k;
	yaml_node_t *v;

	if (want(c, m, YAML_MAPPING_NODE, include ? "include" : "exclude"))
		return -1;
	FOR_PAIRS(c, m, k, v)
	{
		int which = k ? filter_list_parse(k) : -1;
		yaml_node_item_t *it;
		if (k && !strcmp(k, "severity") && include) {
			const char *s = scalar(v);
			int sev = s ? severity_parse(s) : -1;
			if (sev < 0)
				return fail(c, v,
					    "'severity' must be one of debug, info, notice, "
					    "warning, error, critical");
			f->min_severity = sev;
			continue;
		}
		if (which < 0)
			return fail(c, v, "unknown key '%s' (types, agents, projects, paths%s)",
				    k ? k : "?", include ? ", severity" : "");
		if (scalar(v)) {
			if (filter_add(fs, which, scalar(v)))
				return fail(c, v, "out of memory");
			continue;
		}
		if (want(c, v, YAML_SEQUENCE_NODE, k))
			return -1;
		for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
			const char *g = scalar(node(c, *it));
			if (!g)
				return fail(c, node(c, *it), "'%s' entries must be values", k);
			if (filter_add(fs, which, g))
				return fail(c, v, "out of memory");
		}
	}
	return 0;
}

static int one_sink(struct cfg *c, yaml_node_t *m)
{
	const char *url = NULL, *k;
	yaml_node_t *v, *inc = NULL, *exc = NULL;
	struct sink_filter *f = NULL;
	char err[512];

	if (want(c, m, YAML_MAPPING_NODE, "a sink"))
		return -1;
	FOR_PAIRS(c, m, k, v)
	{
		if (k && !strcmp(k, "url")) {
			if (get_str(c, v, k, &url))
				return -1;
		} else if (k && !strcmp(k, "include")) {
			inc = v;
		} else if (k && !strcmp(k, "exclude")) {
			exc = v;
		} else {
			return fail(c, v, "unknown key '%s' in a sink (url, include, exclude)",
				    k ? k : "?");
		}
	}
	if (!url)
		return fail(c, m, "a sink needs 'url'");
	if ((inc || exc) && !(f = filter_new()))
		return fail(c, m, "out of memory");
	if ((inc && filter_set(c, inc, f, true)) || (exc && filter_set(c, exc, f, false))) {
		filter_free(f);
		return -1;
	}
	if (pipeline_add_sink(c->p, url, err, sizeof(err))) {
		filter_free(f);
		return fail(c, m, "%s", err);
	}
	pipeline_set_sink_filter(c->p, c->p->nsinks - 1, f);
	return 0;
}

static int section_sinks(struct cfg *c, yaml_node_t *s)
{
	yaml_node_item_t *it;

	if (want(c, s, YAML_SEQUENCE_NODE, "sinks"))
		return -1;
	for (it = s->data.sequence.items.start; it < s->data.sequence.items.top; it++)
		if (one_sink(c, node(c, *it)))
			return -1;
	return 0;
}

static yaml_node_t *lookup(struct cfg *c, yaml_node_t *root, const char *key)
{
	const char *k;
	yaml_node_t *v;
	FOR_PAIRS(c, root, k, v)
	if (k && !strcmp(k, key))
		return v;
	return NULL;
}

static int check_keys(struct cfg *c, yaml_node_t *root)
{
	static const char *const known[] = {"batch", "rate_limit", "redaction", "spool", "sinks"};
	const char *k;
	yaml_node_t *v;
	size_t i;

	FOR_PAIRS(c, root, k, v)
	{
		bool ok = false;
		(void)v;
		for (i = 0; k && i < ARRAY_SIZE(known); i++)
			ok |= !strcmp(k, known[i]);
		if (!ok)
			return fail(
				c, node(c, pair_->key),
				"unknown section '%s' (batch, rate_limit, redaction, spool, sinks)",
				k ? k : "?");
	}
	return 0;
}

static int load(struct cfg *c)
{
	yaml_node_t *root = ydoc_root(&c->y), *v;

	if (!root)
		return 0; /* empty file */
	if (want(c, root, YAML_MAPPING_NODE, "the configuration") || check_keys(c, root))
		return -1;
	/* Order matters: spool defaults before sinks open. */
	if ((v = lookup(c, root, "spool")) && section_spool(c, v))
		return -1;
	if ((v = lookup(c, root, "batch")) && section_batch(c, v))
		return -1;
	if ((v = lookup(c, root, "rate_limit")) && section_rate(c, v))
		return -1;
	if ((v = lookup(c, root, "redaction")) && section_redaction(c, v))
		return -1;
	if ((v = lookup(c, root, "sinks")) && section_sinks(c, v))
		return -1;
	return 0;
}

int pipeline_load_config(struct pipeline *p, const char *path, char *err, size_t errlen)
{
	struct cfg c = {.p = p};
	int rc;

	if (ydoc_load_file(&c.y, path, err, errlen))
		return -1;
	rc = load(&c);
	ydoc_free(&c.y);
	return rc;
}
