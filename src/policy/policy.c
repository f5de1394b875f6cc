/* policy.c: loading the policy file: YAML -> document, top-level mapping,
 * dispatch by section name to the section parsers. */
#include "policy/policy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

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

int policy_error(struct policy_ctx *c, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%d: %s", c->file, line, msg);
	return -1;
}

static int dispatch(struct policy_ctx *c, struct policy *p)
{
	yaml_node_t *root = yaml_document_get_root_node(c->doc), *k;
	yaml_node_pair_t *pair;
	bool seen[sizeof(sections) / sizeof(sections[0])] = {0};
	size_t i;

	if (!root)
		return policy_error(c, 1, "the policy is empty");
	if (root->type != YAML_MAPPING_NODE)
		return policy_error(c, (int)root->start_mark.line + 1,
				    "the policy must be a mapping of sections (e.g. 'egress:')");
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(c->doc, pair->key);
		if (!k || k->type != YAML_SCALAR_NODE)
			return policy_error(c, k ? (int)k->start_mark.line + 1 : 1,
					    "a section name must be a plain word");
		for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
			if (!strcmp((const char *)k->data.scalar.value, sections[i].name))
				break;
		if (i == sizeof(sections) / sizeof(sections[0]))
			return policy_error(c, (int)k->start_mark.line + 1,
					    "unknown section '%s' (known: egress)",
					    (const char *)k->data.scalar.value);
		if (seen[i])
			return policy_error(c, (int)k->start_mark.line + 1,
					    "section '%s' appears twice", sections[i].name);
		seen[i] = true;
		if (sections[i].parse(c, pair->value, p))
			return -1;
	}
	return 0;
}

int policy_load_string(const char *name, const char *text, size_t len, struct policy *p, char *err,
		       size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct policy_ctx c = {.file = name, .doc = &doc, .err = err, .errlen = errlen};
	int rc;

	memset(p, 0, sizeof(*p));
	snprintf(p->file, sizeof(p->file), "%s", name);
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s:%zu: %s%s%s", name, parser.problem_mark.line + 1,
			 parser.problem ? parser.problem : "invalid YAML",
			 parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return -1;
	}
	rc = dispatch(&c, p);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

int policy_load_file(const char *path, struct policy *p, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	static char buf[1 << 20];
	size_t n;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	if (ferror(f) || n == sizeof(buf)) {
		snprintf(err, errlen, "%s: %s", path,
			 ferror(f) ? strerror(errno) : "larger than 1 MiB");
		fclose(f);
		return -1;
	}
	fclose(f);
	return policy_load_string(path, buf, n, p, err, errlen);
}
