/* files.c: the `files:` section (../shared/spec/policy.md):
 *
 *   files:
 *     mode: enforce | audit             (enforce)
 *     deny:
 *       - path: GLOB                    (required)
 *         access: [read, write, exec, create, delete, rename, metadata]  (all)
 *         name, reason, effect, mode
 *     write_only_under: [GLOB, ...]     any other write, create, delete, rename is denied
 */
#include <string.h>

#include "policy/common.h"
#include "util/util.h"

static const char *const access_names[] = {"read",   "write",  "exec",	  "create",
					   "delete", "rename", "metadata"};

static int parse_access_one(struct policy_ctx *c, yaml_node_t *v, unsigned *access)
{
	const char *s = ydoc_scalar(v);
	size_t i;

	for (i = 0; s && i < ARRAY_SIZE(access_names); i++) {
		if (strcmp(s, access_names[i]))
			continue;
		if (*access & (1u << i))
			return policy_error(c, v, "access '%s' is listed twice", s);
		*access |= 1u << i;
		return 0;
	}
	return policy_error(c, v,
			    "unknown access '%s' (known: read, write, exec, create, delete, "
			    "rename, metadata)",
			    s ? s : "?");
}

static int parse_access(struct policy_ctx *c, yaml_node_t *n, unsigned *access)
{
	yaml_node_t *v;

	*access = 0;
	if (n->type == YAML_SCALAR_NODE)
		return parse_access_one(c, n, access);
	if (n->type != YAML_SEQUENCE_NODE)
		return policy_error(c, n, "'access' must be a list, e.g. [read, write]");
	YDOC_FOR_ITEMS(c->y, n, v)
	if (parse_access_one(c, v, access))
		return -1;
	if (!*access)
		return policy_error(c, n, "'access' is empty (leave it out for all)");
	return 0;
}

static int parse_deny_item(struct policy_ctx *c, yaml_node_t *n, int mode)
{
	struct policy_rule *r;
	yaml_node_t *k, *v;
	bool has_path = false;

	if (n->type != YAML_MAPPING_NODE)
		return policy_error(c, n,
				    "a files.deny entry is a mapping with 'path' (and "
				    "optional 'access', 'name', 'reason', 'effect', 'mode')");
	if (!(r = policy_new_rule(c, n, RULE_FILE_DENY, mode)))
		return -1;
	r->access = POLICY_ACCESS_ALL;
	r->object.op = OP_OPEN;
	YDOC_FOR_PAIRS(c->y, n, k, v)
	{
		const char *key = ydoc_scalar(k);
		int rc = policy_common_key(c, r, key, v);
		if (rc < 0)
			return -1;
		if (rc)
			continue;
		if (!strcmp(key, "path")) {
			if (policy_parse_glob(c, v, true) < 0)
				return -1;
			r->object.paths = (struct policy_globs){c->p->nglobs - 1, 1};
			has_path = true;
		} else if (!strcmp(key, "access")) {
			if (parse_access(c, v, &r->access))
				return -1;
		} else {
			return policy_error(c, k,
					    "unknown key '%s' in files.deny (known: path, access, "
					    "name, reason, effect, mode)",
					    key);
		}
	}
	if (!has_path)
		return policy_error(c, n, "a files.deny entry needs 'path'");
	policy_default_name(c->p, r);
	return 0;
}

static int parse_deny(struct policy_ctx *c, yaml_node_t *n, int mode)
{
	yaml_node_t *v;

	if (n->type != YAML_SEQUENCE_NODE)
		return policy_error(c, n, "'deny' must be a list of entries with 'path'");
	YDOC_FOR_ITEMS(c->y, n, v)
	if (parse_deny_item(c, v, mode))
		return -1;
	return 0;
}

static int parse_write_only_under(struct policy_ctx *c, yaml_node_t *n, int mode)
{
	struct policy_rule *r = policy_new_rule(c, n, RULE_WRITE_ONLY_UNDER, mode);

	if (!r)
		return -1;
	r->access = POLICY_WRITE | POLICY_CREATE | POLICY_DELETE | POLICY_RENAME;
	r->object.op = OP_WRITE;
	if (policy_parse_globs(c, n, "write_only_under", &r->object.paths))
		return -1;
	policy_default_name(c->p, r);
	return 0;
}

int files_parse(struct policy_ctx *c, yaml_node_t *n, struct policy *p)
{
	yaml_node_t *k, *v, *deny = NULL, *under = NULL;
	int mode = PR_MODE_ENFORCE;

	if (n->type != YAML_MAPPING_NODE)
		return policy_error(c, n,
				    "'files' must be a mapping (deny, write_only_under, mode)");
	p->has_files = true;
	YDOC_FOR_PAIRS(c->y, n, k, v)
	{
		const char *key = ydoc_scalar(k);
		if (!strcmp(key, "mode")) {
			if (policy_parse_mode(c, v, &mode))
				return -1;
		} else if (!strcmp(key, "deny")) {
			deny = v;
		} else if (!strcmp(key, "write_only_under")) {
			under = v;
		} else {
			return policy_error(c, k,
					    "unknown key '%s' in files (known: deny, "
					    "write_only_under, mode)",
					    key);
		}
	}
	if (deny && parse_deny(c, deny, mode))
		return -1;
	return under ? parse_write_only_under(c, under, mode) : 0;
}
