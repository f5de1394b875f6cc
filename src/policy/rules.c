/* rules.c: the `labels:` and `rules:` sections (../shared/spec/policy.md):
 *
 *   labels:
 *     NAME:
 *       sources: [GLOB, ...]                 reading (or mapping) one labels the reader
 *       declassify: {exec: [GLOB, ..., "**"]}  what that program writes is not labelled
 *   rules:
 *     - if: {label: NAME}                    optional
 *       deny: connect | exec | write | open  or {exec: {argv|path}}, {write: GLOB}, {open: GLOB}
 *       except: [EGRESS RULE, ...]           deny: connect only
 *       unless: {succeeded: {argv|path}, after: {write: GLOB} | {open: GLOB} | {exec: ...}}
 *       name, reason, effect, mode
 *     - declassify: {label: NAME, exec: [GLOB, ..., "**"]}   (name, reason)
 */
#include <ctype.h>
#include <string.h>

#include "policy/common.h"

static int find_label(const struct policy *p, const char *name)
{
	int i;

	for (i = 0; i < p->nlabels; i++)
		if (!strcmp(p->labels[i].name, name))
			return i;
	return -1;
}

static bool valid_label_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= sizeof(((struct policy_label *)0)->name))
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_' &&
		    *s != '-')
			return false;
	return true;
}

/* {label: NAME} or a label implied by where it is written (implied >= 0). */
static int parse_label_ref(struct policy_ctx *c, yaml_node_t *v, int *label)
{
	const char *s = ydoc_scalar(v);

	if (!s || (*label = find_label(c->p, s)) < 0)
		return policy_error(c, v, "unknown label '%s' (define it under 'labels:')",
				    s ? s : "?");
	return 0;
}

/* declassify: {label: NAME, exec: [...]}; inside a label, label may be left out. */
static int parse_declassify(struct policy_ctx *c, yaml_node_t *n, struct policy_rule *r,
			    int implied)
{
	yaml_node_t *k, *v;
	bool has_exec = false;

	if (n->type != YAML_MAPPING_NODE)
		return policy_error(c, n,
				    "'declassify' must be {label: NAME, exec: [PROGRAM, "
				    "...]}");
	r->label = implied;
	r->object.op = OP_EXEC;
	YDOC_FOR_PAIRS(c->y, n, k, v)
	{
		const char *key = ydoc_scalar(k);
		if (!strcmp(key, "label")) {
			int l;
			if (parse_label_ref(c, v, &l))
				return -1;
			if (implied >= 0 && l != implied)
				return policy_error(c, v,
						    "'declassify' under label '%s' names "
						    "another label",
						    c->p->labels[implied].name);
			r->label = l;
		} else if (!strcmp(key, "exec")) {
			if (policy_parse_argv(c, v, &r->object.argv))
				return -1;
			has_exec = true;
		} else {
			return policy_error(c, k,
					    "unknown key '%s' in declassify (known: label, "
					    "exec)",
					    key);
		}
	}
	if (r->label < 0)
		return policy_error(c, n, "'declassify' needs 'label'");
	if (!has_exec)
		return policy_error(c, n,
				    "'declassify' needs 'exec': the program whose writes "
				    "are not labelled");
	return 0;
}

static int parse_label(struct policy_ctx *c, yaml_node_t *k, yaml_node_t *n)
{
	struct policy *p = c->p;
	const char *name = ydoc_scalar(k);
	struct policy_label *l;
	yaml_node_t *kk, *v, *declassify = NULL;
	bool has_sources = false;

	if (!valid_label_name(name))
		return policy_error(c, k,
				    "label name '%s': lower-case letters, digits, '_' and "
				    "'-', at most 63",
				    name);
	if (p->nlabels >= POLICY_MAX_LABELS)
		return policy_error(c, k, "too many labels (at most %d)", POLICY_MAX_LABELS);
	if (n->type != YAML_MAPPING_NODE)
		return policy_error(c, n, "label '%s' must be a mapping with 'sources'", name);
	l = &p->labels[p->nlabels++];
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->line = ydoc_line(k);
	l->col = ydoc_col(k);
	YDOC_FOR_PAIRS(c->y, n, kk, v)
	{
		const char *key = ydoc_scalar(kk);
		if (!strcmp(key, "sources")) {
			if (policy_parse_globs(c, v, "sources", &l->sources))
				return -1;
			has_sources = true;
		} else if (!strcmp(key, "declassify")) {
			declassify = v;
		} else {
			return policy_error(c, kk,
					    "unknown key '%s' in label '%s' (known: sources, "
					    "declassify)",
					    key, name);
		}
	}
	if (!has_sources)
		return policy_error(c, n, "label '%s' needs 'sources'", name);
	if (declassify) {
		struct policy_rule *r =
			policy_new_rule(c, declassify, RULE_DECLASSIFY, PR_MODE_ENFORCE);
		if (!r || parse_declassify(c, declassify, r, p->nlabels - 1))
			return -1;
		policy_default_name(p, r);
	}
	return 0;
}

int labels_parse(struct policy_ctx *c, yaml_node_t *n, struct policy *p)
{
	yaml_node_t *k, *v;

	if (n->type != YAML_MAPPING_NODE)
		return policy_error(c, n,
				    "'labels' must be a mapping of label names, e.g. "
				    "'secret: {sources: [...]}'");
	p->has_labels = true;
	YDOC_FOR_PAIRS(c->y, n, k, v)
	if (parse_label(c, k, v))
		return -1;
	return 0;
}

static enum policy_op op_by_name(const char *s)
{
	static const char *const names[] = {"connect", "exec", "write", "open"};
	size_t i;

	for (i = 0; s && i < 4; i++)
		if (!strcmp(s, names[i]))
			return (enum policy_op)(i + 1);
	return OP_NONE;
}

/* {exec: {argv|path}}, {write: GLOB}, {open: GLOB}; connect only as a word. */
static int parse_object(struct policy_ctx *c, yaml_node_t *n, const char *what,
			struct policy_object *o)
{
	yaml_node_t *k, *v;
	const char *key;

	if (n->type == YAML_SCALAR_NODE && (o->op = op_by_name(ydoc_scalar(n))))
		return 0;
	if (n->type != YAML_MAPPING_NODE ||
	    n->data.mapping.pairs.top - n->data.mapping.pairs.start != 1)
		return policy_error(
			c, n,
			"'%s' must be connect, exec, write or open, or one of "
			"{exec: {argv: [...]}}, {exec: {path: GLOB}}, {write: GLOB}, {open: "
			"GLOB}",
			what);
	YDOC_FOR_PAIRS(c->y, n, k, v)
	{
		key = ydoc_scalar(k);
		o->op = op_by_name(key);
		if (o->op == OP_EXEC)
			return policy_parse_program(c, v, "exec", o);
		if (o->op == OP_WRITE || o->op == OP_OPEN)
			return policy_parse_globs(c, v, key, &o->paths);
		if (o->op == OP_CONNECT)
			return policy_error(c, k,
					    "'%s' takes plain 'connect'; name the allowed "
					    "destinations in 'except' (egress rule syntax)",
					    what);
		return policy_error(c, k, "unknown '%s' key '%s' (known: exec, write, open)", what,
				    key);
	}
	return 0;
}

static int parse_if(struct policy_ctx *c, yaml_node_t *n, struct policy_rule *r)
{
	yaml_node_t *k, *v;

	if (n->type != YAML_MAPPING_NODE)
		return policy_error(c, n, "'if' must be {label: NAME}");
	YDOC_FOR_PAIRS(c->y, n, k, v)
	{
		if (strcmp(ydoc_scalar(k), "label"))
			return policy_error(c, k, "unknown key '%s' in 'if' (known: label)",
					    ydoc_scalar(k));
		if (parse_label_ref(c, v, &r->label))
			return -1;
	}
	if (r->label < 0)
		return policy_error(c, n, "'if' needs 'label'");
	return 0;
}

static int parse_except(struct policy_ctx *c, yaml_node_t *n, struct policy_rule *r)
{
	struct egress_policy *e = &c->p->except;
	yaml_node_t *v;

	if (n->type != YAML_SEQUENCE_NODE)
		return policy_error(c, n,
				    "'except' must be a list of egress rules, e.g. "
				    "[{domain: api.anthropic.com, ports: [443]}]");
	r->except_first = e->nrules;
	YDOC_FOR_ITEMS(c->y, n, v)
	if (egress_parse_rule(c, v, PR_RULE_ALLOW, e))
		return -1;
	r->nexcept = e->nrules - r->except_first;
	return 0;
}

static int parse_unless(struct policy_ctx *c, yaml_node_t *n, struct policy_rule *r)
{
	yaml_node_t *k, *v;
	bool succeeded = false;

	if (n->type != YAML_MAPPING_NODE)
		return policy_error(c, n, "'unless' must be {succeeded: ..., after: ...}");
	r->has_unless = true;
	YDOC_FOR_PAIRS(c->y, n, k, v)
	{
		const char *key = ydoc_scalar(k);
		if (!strcmp(key, "succeeded")) {
			struct policy_object o = {0};
			if (policy_parse_program(c, v, "succeeded", &o))
				return -1;
			if (!o.argv.elem.n)
				return policy_error(c, v, "'succeeded' takes {argv: [...]}");
			r->succeeded = o.argv;
			succeeded = true;
		} else if (!strcmp(key, "after")) {
			if (parse_object(c, v, "after", &r->after))
				return -1;
			if (r->after.op == OP_CONNECT)
				return policy_error(c, v, "'after' takes write, open or exec");
		} else {
			return policy_error(c, k,
					    "unknown key '%s' in 'unless' (known: succeeded, "
					    "after)",
					    key);
		}
	}
	if (!succeeded)
		return policy_error(c, n, "'unless' needs 'succeeded'");
	return 0;
}

static int parse_rule_key(struct policy_ctx *c, struct policy_rule *r, yaml_node_t *k,
			  yaml_node_t *v, yaml_node_t **except)
{
	const char *key = ydoc_scalar(k);
	int rc = policy_common_key(c, r, key, v);

	if (rc)
		return rc < 0 ? -1 : 0;
	if (!strcmp(key, "if"))
		return parse_if(c, v, r);
	if (!strcmp(key, "deny"))
		return parse_object(c, v, "deny", &r->object);
	if (!strcmp(key, "unless"))
		return parse_unless(c, v, r);
	if (!strcmp(key, "except"))
		return *except = v, 0;
	return policy_error(c, k,
			    "unknown rule key '%s' (known: name, reason, effect, mode, if, "
			    "deny, except, unless, declassify)",
			    key);
}

static int parse_rule(struct policy_ctx *c, yaml_node_t *n)
{
	struct policy_rule *r;
	yaml_node_t *k, *v, *except = NULL, *declassify = NULL;

	if (n->type != YAML_MAPPING_NODE)
		return policy_error(c, n, "a rule is a mapping with 'deny' (or 'declassify')");
	YDOC_FOR_PAIRS(c->y, n, k, v)
	if (!strcmp(ydoc_scalar(k), "declassify"))
		declassify = v;
	if (!(r = policy_new_rule(c, n, declassify ? RULE_DECLASSIFY : RULE_CONDITIONAL,
				  PR_MODE_ENFORCE)))
		return -1;
	if (declassify) {
		YDOC_FOR_PAIRS(c->y, n, k, v)
		{
			const char *key = ydoc_scalar(k);
			if (!strcmp(key, "declassify"))
				continue;
			if (strcmp(key, "name") && strcmp(key, "reason"))
				return policy_error(c, k,
						    "a declassify rule takes only 'name' and "
						    "'reason' besides 'declassify', not '%s'",
						    key);
			if (policy_common_key(c, r, key, v) < 0)
				return -1;
		}
		if (parse_declassify(c, declassify, r, -1))
			return -1;
		policy_default_name(c->p, r);
		return 0;
	}
	YDOC_FOR_PAIRS(c->y, n, k, v)
	if (parse_rule_key(c, r, k, v, &except))
		return -1;
	if (r->object.op == OP_NONE)
		return policy_error(c, n, "a rule needs 'deny' (connect, exec, write or open)");
	if (except && r->object.op != OP_CONNECT)
		return policy_error(c, except, "'except' applies to 'deny: connect' only");
	if (except && parse_except(c, except, r))
		return -1;
	policy_default_name(c->p, r);
	return 0;
}

int rules_parse(struct policy_ctx *c, yaml_node_t *n, struct policy *p)
{
	yaml_node_t *v;

	if (n->type != YAML_SEQUENCE_NODE)
		return policy_error(c, n, "'rules' must be a list of rules");
	p->has_rules = true;
	YDOC_FOR_ITEMS(c->y, n, v)
	if (parse_rule(c, v))
		return -1;
	return 0;
}

/* Rule names are reported in records and fed back to the agent: one name,
 * one rule. */
int rules_finish(struct policy_ctx *c, struct policy *p)
{
	int i, j;

	for (i = 0; i < p->nrules; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(p->rules[i].name, p->rules[j].name))
				return ydoc_error_at(c->y, p->rules[i].line, p->rules[i].col,
						     "rule name '%s' is already used at line %d; "
						     "give each rule its own 'name'",
						     p->rules[i].name, p->rules[j].line);
	return 0;
}
