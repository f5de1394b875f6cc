/* common.c: the pieces every v2 section parser uses (common.h): the glob
 * pool, argv patterns, programs, the common rule keys, generated names. */
#include "policy/common.h"

#include <stdio.h>
#include <string.h>

#include "policy/glob.h"
#include "util/util.h"

int policy_parse_glob(struct policy_ctx *c, yaml_node_t *n, bool path)
{
	struct policy *p = c->p;
	const char *s = ydoc_scalar(n);
	struct policy_glob *g;
	char why[640];

	if (!s)
		return policy_error(c, n, "a %s must be a quoted string, not a list or mapping",
				    path ? "path glob" : "argv element");
	if (strlen(s) >= POLICY_GLOB_MAX)
		return policy_error(c, n, "glob is longer than %d bytes", POLICY_GLOB_MAX - 1);
	if (p->nglobs >= POLICY_MAX_GLOBS)
		return policy_error(c, n,
				    "too many globs (at most %d path globs and argv elements "
				    "in all)",
				    POLICY_MAX_GLOBS);
	g = &p->globs[p->nglobs];
	if (glob_compile(s, path, &p->env, g->expanded, sizeof(g->expanded), why, sizeof(why)))
		return policy_error(c, n, "%s", why);
	snprintf(g->text, sizeof(g->text), "%s", s);
	g->literal = glob_is_literal(g->expanded);
	g->line = ydoc_line(n);
	g->col = ydoc_col(n);
	return p->nglobs++;
}

int policy_parse_globs(struct policy_ctx *c, yaml_node_t *n, const char *key,
		       struct policy_globs *out)
{
	yaml_node_t *v;

	out->first = c->p->nglobs;
	out->n = 0;
	if (n->type == YAML_SCALAR_NODE)
		return policy_parse_glob(c, n, true) < 0 ? -1 : (out->n = 1, 0);
	if (n->type != YAML_SEQUENCE_NODE)
		return policy_error(c, n, "'%s' must be a path glob or a list of them", key);
	YDOC_FOR_ITEMS(c->y, n, v)
	{
		if (policy_parse_glob(c, v, true) < 0)
			return -1;
		out->n++;
	}
	if (!out->n)
		return policy_error(c, n, "'%s' is empty", key);
	return 0;
}

int policy_parse_argv(struct policy_ctx *c, yaml_node_t *n, struct policy_argv *out)
{
	yaml_node_t *v;
	int i = 0, count;

	if (n->type != YAML_SEQUENCE_NODE)
		return policy_error(c, n,
				    "'argv' must be a list, one glob per element, e.g. "
				    "[\"git\", \"push\", \"**\"]");
	count = (int)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (!count)
		return policy_error(c, n, "'argv' is empty: it needs at least the program");
	if (count > POLICY_MAX_ARGV)
		return policy_error(c, n, "'argv' has %d elements (at most %d)", count,
				    POLICY_MAX_ARGV);
	out->elem.first = c->p->nglobs;
	out->elem.n = 0;
	out->rest = false;
	YDOC_FOR_ITEMS(c->y, n, v)
	{
		const char *s = ydoc_scalar(v);
		bool last = ++i == count;
		if (s && !strcmp(s, "**") && !last)
			return policy_error(c, v,
					    "'**' as an argv element matches the rest, so it "
					    "must be the last element");
		if (s && !strcmp(s, "**") && i == 1)
			return policy_error(c, v, "argv needs the program first, not '**'");
		if (s && !strcmp(s, "**")) {
			out->rest = true;
			break;
		}
		if (policy_parse_glob(c, v, false) < 0)
			return -1;
		out->elem.n++;
	}
	return 0;
}

int policy_parse_program(struct policy_ctx *c, yaml_node_t *n, const char *key,
			 struct policy_object *o)
{
	yaml_node_t *k, *v;
	int found = 0;

	if (n->type != YAML_MAPPING_NODE)
		return policy_error(c, n, "'%s' must be {argv: [...]} or {path: GLOB}", key);
	o->op = OP_EXEC;
	YDOC_FOR_PAIRS(c->y, n, k, v)
	{
		const char *kk = ydoc_scalar(k);
		if (strcmp(kk, "argv") && strcmp(kk, "path"))
			return policy_error(c, k, "unknown key '%s' in '%s' (known: argv, path)",
					    kk, key);
		if (found++)
			return policy_error(c, k, "'%s' has exactly one of 'argv' or 'path'", key);
		if (!strcmp(kk, "argv") ? policy_parse_argv(c, v, &o->argv)
					: policy_parse_globs(c, v, "path", &o->paths))
			return -1;
	}
	if (!found)
		return policy_error(c, n, "'%s' needs 'argv' or 'path'", key);
	return 0;
}

int policy_parse_mode(struct policy_ctx *c, yaml_node_t *v, int *mode)
{
	const char *s = ydoc_scalar(v);

	if (s && !strcmp(s, "enforce"))
		*mode = PR_MODE_ENFORCE;
	else if (s && !strcmp(s, "audit"))
		*mode = PR_MODE_AUDIT;
	else
		return policy_error(c, v, "mode must be 'enforce' or 'audit'");
	return 0;
}

struct policy_rule *policy_new_rule(struct policy_ctx *c, yaml_node_t *n,
				    enum policy_rule_kind kind, int mode)
{
	struct policy *p = c->p;
	struct policy_rule *r;

	if (p->nrules >= POLICY_MAX_V2_RULES) {
		policy_error(c, n, "too many rules (at most %d in files, exec and rules)",
			     POLICY_MAX_V2_RULES);
		return NULL;
	}
	r = &p->rules[p->nrules++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->mode = mode;
	r->effect = POLICY_BLOCK;
	r->label = -1;
	r->line = ydoc_line(n);
	r->col = ydoc_col(n);
	return r;
}

static int parse_text(struct policy_ctx *c, yaml_node_t *v, const char *key, char *out, size_t len)
{
	const char *s = ydoc_scalar(v);

	if (!s || !*s)
		return policy_error(c, v, "'%s' must be a non-empty string", key);
	if (strlen(s) >= len)
		return policy_error(c, v, "'%s' is longer than %zu bytes", key, len - 1);
	snprintf(out, len, "%s", s);
	return 0;
}

int policy_common_key(struct policy_ctx *c, struct policy_rule *r, const char *key, yaml_node_t *v)
{
	const char *s = ydoc_scalar(v);

	if (!strcmp(key, "name")) {
		r->named = true;
		return parse_text(c, v, key, r->name, sizeof(r->name)) ? -1 : 1;
	}
	if (!strcmp(key, "reason"))
		return parse_text(c, v, key, r->reason, sizeof(r->reason)) ? -1 : 1;
	if (!strcmp(key, "mode"))
		return policy_parse_mode(c, v, &r->mode) ? -1 : 1;
	if (strcmp(key, "effect"))
		return 0;
	if (s && !strcmp(s, "block"))
		r->effect = POLICY_BLOCK;
	else if (s && !strcmp(s, "kill"))
		r->effect = POLICY_KILL;
	else if (s && !strcmp(s, "notify"))
		r->effect = POLICY_NOTIFY;
	else
		return policy_error(c, v, "effect must be 'block', 'kill' or 'notify'");
	return 1;
}

void policy_globs_text(const struct policy *p, struct policy_globs g, const char *sep, char *out,
		       size_t len)
{
	size_t n = 0;
	int i;

	out[0] = 0;
	for (i = 0; i < g.n && n < len; i++)
		n += (size_t)snprintf(out + n, len - n, "%s%s", i ? sep : "",
				      p->globs[g.first + i].text);
}

static void argv_text(const struct policy *p, const struct policy_argv *a, char *out, size_t len)
{
	size_t n;

	policy_globs_text(p, a->elem, " ", out, len);
	n = strlen(out);
	if (a->rest && n + 4 < len)
		snprintf(out + n, len - n, " **");
}

void policy_object_text(const struct policy *p, const struct policy_object *o, char *out,
			size_t len)
{
	if (o->argv.elem.n)
		argv_text(p, &o->argv, out, len);
	else if (o->paths.n)
		policy_globs_text(p, o->paths, ", ", out, len);
	else
		snprintf(out, len, "anything");
}

const char *policy_effect_name(enum policy_effect e)
{
	return e == POLICY_KILL ? "kill" : e == POLICY_NOTIFY ? "notify" : "block";
}

const char *policy_op_name(enum policy_op op)
{
	static const char *const names[] = {"", "connect", "exec", "write", "open"};
	return names[op];
}

void policy_access_text(unsigned access, char *out, size_t len)
{
	static const char *const names[] = {"read",   "write",	"exec",	   "create",
					    "delete", "rename", "metadata"};
	size_t i, n = 0;

	out[0] = 0;
	if (access == POLICY_ACCESS_ALL) {
		snprintf(out, len, "all");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(names) && n < len; i++)
		if (access & (1u << i))
			n += (size_t)snprintf(out + n, len - n, "%s%s", n ? "," : "", names[i]);
}

static void default_rule_name(const struct policy *p, const struct policy_rule *r, const char *obj,
			      char *name, size_t len)
{
	const char *label = r->label >= 0 ? p->labels[r->label].name : NULL;

	switch (r->kind) {
	case RULE_FILE_DENY: snprintf(name, len, "files.deny %s", obj); break;
	case RULE_WRITE_ONLY_UNDER: snprintf(name, len, "files.write_only_under"); break;
	case RULE_EXEC_DENY: snprintf(name, len, "exec.deny %s", obj); break;
	case RULE_EXEC_ALLOW_ONLY: snprintf(name, len, "exec.allow_only"); break;
	case RULE_DECLASSIFY: snprintf(name, len, "declassify %s by %s", label, obj); break;
	case RULE_CONDITIONAL:
		snprintf(name, len, "deny %s %s%s%s%s", policy_op_name(r->object.op), obj,
			 label ? " if " : "", label ? label : "", r->has_unless ? " unless" : "");
		break;
	}
}

static void default_reason(const struct policy *p, const struct policy_rule *r, const char *obj,
			   char *reason, size_t len)
{
	const char *label = r->label >= 0 ? p->labels[r->label].name : NULL;
	char access[96];

	switch (r->kind) {
	case RULE_FILE_DENY:
		policy_access_text(r->access, access, sizeof(access));
		snprintf(reason, len, "%s access to %s is denied",
			 r->access == POLICY_ACCESS_ALL ? "any" : access, obj);
		break;
	case RULE_WRITE_ONLY_UNDER:
		snprintf(reason, len, "writes outside %s are denied", obj);
		break;
	case RULE_EXEC_DENY: snprintf(reason, len, "running '%s' is denied", obj); break;
	case RULE_EXEC_ALLOW_ONLY:
		snprintf(reason, len, "only programs under %s may run", obj);
		break;
	case RULE_DECLASSIFY:
		snprintf(reason, len, "what '%s' writes does not carry the label %s", obj, label);
		break;
	case RULE_CONDITIONAL:
		if (label) /* "a process labelled secret may not connect" */
			snprintf(reason, len, "a process labelled %s may not %s %s", label,
				 policy_op_name(r->object.op), obj);
		else
			snprintf(reason, len, "%s %s is denied%s", policy_op_name(r->object.op),
				 obj, r->has_unless ? " until its condition is met" : "");
		break;
	}
}

void policy_default_name(const struct policy *p, struct policy_rule *r)
{
	char obj[POLICY_RULE_NAME];

	if (r->kind == RULE_WRITE_ONLY_UNDER || r->kind == RULE_EXEC_ALLOW_ONLY)
		policy_globs_text(p, r->object.paths, ", ", obj, sizeof(obj));
	else
		policy_object_text(p, &r->object, obj, sizeof(obj));
	if (r->kind == RULE_FILE_DENY && r->access != POLICY_ACCESS_ALL) {
		char access[96], with[POLICY_RULE_NAME + 100];
		policy_access_text(r->access, access, sizeof(access));
		snprintf(with, sizeof(with), "%s %s", obj, access);
		if (!r->named)
			default_rule_name(p, r, with, r->name, sizeof(r->name));
	} else if (!r->named) {
		default_rule_name(p, r, obj, r->name, sizeof(r->name));
	}
	if (!r->reason[0])
		default_reason(p, r, obj, r->reason, sizeof(r->reason));
}
