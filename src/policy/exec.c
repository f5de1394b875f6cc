/* exec.c: the `exec:` section (../shared/spec/policy.md):
 *
 *   exec:
 *     mode: enforce | audit          (enforce)
 *     deny:
 *       - argv: [GLOB, ..., "**"]    one glob per element; a trailing "**" is any rest
 *       - path: GLOB                 the executable as the kernel resolved it
 *         name, reason, effect, mode
 *     allow_only: [GLOB, ...]        any other executable is denied
 */
#include <string.h>

#include "policy/common.h"
#include "policy/labels.h"
#include "policy/temporal.h"

static int parse_deny_item(struct policy_ctx *c, yaml_node_t *n, int mode)
{
	struct policy_rule *r;
	yaml_node_t *k, *v;
	int targets = 0;

	if (n->type != YAML_MAPPING_NODE)
		return policy_error(c, n,
				    "an exec.deny entry is a mapping with 'argv' or 'path' "
				    "(and optional 'name', 'reason', 'effect', 'mode')");
	if (!(r = policy_new_rule(c, n, RULE_EXEC_DENY, mode)))
		return -1;
	r->object.op = OP_EXEC;
	YDOC_FOR_PAIRS(c->y, n, k, v)
	{
		const char *key = ydoc_scalar(k);
		int rc = policy_common_key(c, r, key, v);
		if (rc < 0)
			return -1;
		if (rc)
			continue;
		if (strcmp(key, "argv") && strcmp(key, "path"))
			return policy_error(
				c, k,
				"unknown key '%s' in exec.deny (known: argv, path, name, "
				"reason, effect, mode)",
				key);
		if (targets++)
			return policy_error(c, k,
					    "an exec.deny entry has exactly one of 'argv' or "
					    "'path'");
		if (!strcmp(key, "argv") ? policy_parse_argv(c, v, &r->object.argv)
					 : policy_parse_globs(c, v, "path", &r->object.paths))
			return -1;
	}
	if (!targets)
		return policy_error(c, n, "an exec.deny entry needs 'argv' or 'path'");
	policy_default_name(c->p, r);
	return 0;
}

int exec_parse(struct policy_ctx *c, yaml_node_t *n, struct policy *p)
{
	yaml_node_t *k, *v, *deny = NULL, *allow = NULL;
	int mode = PR_MODE_ENFORCE;

	if (n->type != YAML_MAPPING_NODE)
		return policy_error(c, n, "'exec' must be a mapping (deny, allow_only, mode)");
	p->has_exec = true;
	YDOC_FOR_PAIRS(c->y, n, k, v)
	{
		const char *key = ydoc_scalar(k);
		if (!strcmp(key, "mode")) {
			if (policy_parse_mode(c, v, &mode))
				return -1;
		} else if (!strcmp(key, "deny")) {
			deny = v;
		} else if (!strcmp(key, "allow_only")) {
			allow = v;
		} else {
			return policy_error(
				c, k, "unknown key '%s' in exec (known: deny, allow_only, mode)",
				key);
		}
	}
	if (deny && deny->type != YAML_SEQUENCE_NODE)
		return policy_error(c, deny,
				    "'deny' must be a list of entries with 'argv' or "
				    "'path'");
	if (deny)
		YDOC_FOR_ITEMS(c->y, deny, v)
	if (parse_deny_item(c, v, mode))
		return -1;
	if (allow) {
		struct policy_rule *r = policy_new_rule(c, allow, RULE_EXEC_ALLOW_ONLY, mode);
		if (!r)
			return -1;
		r->object.op = OP_EXEC;
		if (policy_parse_globs(c, allow, "allow_only", &r->object.paths))
			return -1;
		policy_default_name(p, r);
	}
	return 0;
}

static bool is_exec_rule(const struct policy_rule *r)
{
	return r->kind == RULE_EXEC_DENY || r->kind == RULE_EXEC_ALLOW_ONLY ||
	       policy_rule_temporal(r) || /* its deny; the succeeded bit comes after all */
	       policy_label_argv_rule(r); /* a bit the process's labels turn on */
}

int policy_exec_rule_bit(const struct policy *p, int rule)
{
	int i, bit = 0;

	if (rule < 0 || rule >= p->nrules || !is_exec_rule(&p->rules[rule]))
		return -1;
	for (i = 0; i < rule; i++)
		bit += is_exec_rule(&p->rules[i]);
	return bit;
}

int policy_exec_rule(const struct policy *p, int bit)
{
	int i;

	for (i = 0; i < p->nrules; i++)
		if (is_exec_rule(&p->rules[i]) && bit-- == 0)
			return i;
	return -1;
}
