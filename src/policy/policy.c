/* policy.c: loading the policy file: strict YAML (util/yaml.h) -> document,
 * top-level mapping, dispatch by section name to the section parsers. */
#include "policy/policy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "util/util.h"
#include "util/yaml.h"

struct section {
	const char *name;
	int (*parse)(struct policy_ctx *c, int node, struct policy *p);
};

static int parse_egress_section(struct policy_ctx *c, int node, struct policy *p)
{
	p->egress.present = true;
	return egress_parse(c, node, &p->egress);
}

/* The roadmap adds file, exec, syscall and label sections here. */
static const struct section sections[] = {
	{"egress", parse_egress_section},
};

int policy_error(struct policy_ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ydoc_error(c->y, n, "%s", msg);
}

static int dispatch(struct policy_ctx *c, struct policy *p)
{
	yaml_node_t *root = ydoc_root(c->y), *k, *v;
	size_t i;

	if (!root)
		return policy_error(c, NULL, "the policy is empty");
	if (root->type != YAML_MAPPING_NODE)
		return policy_error(c, root,
				    "the policy must be a mapping of sections (e.g. 'egress:')");
	YDOC_FOR_PAIRS(c->y, root, k, v)
	{
		const char *name = ydoc_scalar(k);
		(void)v;
		for (i = 0; i < ARRAY_SIZE(sections); i++)
			if (!strcmp(name, sections[i].name))
				break;
		if (i == ARRAY_SIZE(sections))
			return policy_error(c, k, "unknown section '%s' (known: egress)", name);
		if (sections[i].parse(c, pair_->value, p))
			return -1;
	}
	return 0;
}

/* All or nothing: an error leaves *p empty, never half-filled. */
static int load_doc(struct ydoc *y, const char *name, struct policy *p)
{
	struct policy_ctx c = {.y = y};
	int rc;

	memset(p, 0, sizeof(*p));
	snprintf(p->file, sizeof(p->file), "%s", name);
	rc = dispatch(&c, p);
	ydoc_free(y);
	if (rc) {
		memset(p, 0, sizeof(*p));
		snprintf(p->file, sizeof(p->file), "%s", name);
	}
	return rc;
}

int policy_load_string(const char *name, const char *text, size_t len, struct policy *p, char *err,
		       size_t errlen)
{
	struct ydoc y;

	memset(p, 0, sizeof(*p));
	if (ydoc_load(&y, name, text, len, err, errlen))
		return -1;
	return load_doc(&y, name, p);
}

int policy_load_file(const char *path, struct policy *p, char *err, size_t errlen)
{
	struct ydoc y;

	memset(p, 0, sizeof(*p));
	if (ydoc_load_file(&y, path, err, errlen))
		return -1;
	return load_doc(&y, path, p);
}
