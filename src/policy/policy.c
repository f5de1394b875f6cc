/* policy.c: loading the policy file: strict YAML (util/yaml.h) -> document,
 * top-level mapping, dispatch by section name to the section parsers. */
#include "policy/policy.h"
#include "policy/labels.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "policy/glob.h"
#include "policy/temporal.h"
#include "util/util.h"
#include "util/yaml.h"

struct section {
	const char *name;
	int (*parse)(struct policy_ctx *c, yaml_node_t *n, struct policy *p);
};

static int parse_egress_section(struct policy_ctx *c, yaml_node_t *n, struct policy *p)
{
	p->egress.present = true;
	return egress_parse(c, n, &p->egress);
}

/* labels first: the other sections refer to labels by name */
static const struct section sections[] = {
	{"labels", labels_parse}, {"egress", parse_egress_section}, {"files", files_parse},
	{"exec", exec_parse},	  {"rules", rules_parse},
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

static const struct section *find_section(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sections); i++)
		if (!strcmp(name, sections[i].name))
			return &sections[i];
	return NULL;
}

/* Each section in the order of the table (labels first), wherever it is in
 * the file; unknown sections are refused before any is parsed. */
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
	if (!find_section(ydoc_scalar(k)))
		return policy_error(c, k,
				    "unknown section '%s' (known: egress, files, exec, labels, "
				    "rules)",
				    ydoc_scalar(k));
	for (i = 0; i < ARRAY_SIZE(sections); i++)
		YDOC_FOR_PAIRS(c->y, root, k, v)
	if (!strcmp(ydoc_scalar(k), sections[i].name) && sections[i].parse(c, v, p))
		return -1;
	return rules_finish(c, p);
}

void policy_default_env(struct policy_env *env)
{
	const char *sudo = getenv("SUDO_USER"), *home = getenv("HOME");
	struct passwd *pw = sudo && *sudo ? getpwnam(sudo) : getpwuid(getuid());

	snprintf(env->home, sizeof(env->home), "%s",
		 pw && pw->pw_dir ? pw->pw_dir
		 : home		  ? home
				  : "/");
	if (!getcwd(env->workspace, sizeof(env->workspace)))
		snprintf(env->workspace, sizeof(env->workspace), "/");
}

/* All or nothing: an error leaves *p empty, never half-filled. */
static int load_doc(struct ydoc *y, const char *name, const struct policy_env *env,
		    struct policy *p)
{
	struct policy_ctx c = {.y = y, .p = p};
	int rc;

	memset(p, 0, sizeof(*p));
	snprintf(p->file, sizeof(p->file), "%s", name);
	p->env = *env;
	rc = dispatch(&c, p);
	ydoc_free(y);
	if (rc) {
		memset(p, 0, sizeof(*p));
		snprintf(p->file, sizeof(p->file), "%s", name);
	}
	return rc;
}

int policy_load_env(const char *name, const char *text, size_t len, const struct policy_env *env,
		    struct policy *p, char *err, size_t errlen)
{
	struct ydoc y;

	memset(p, 0, sizeof(*p));
	if (ydoc_load(&y, name, text, len, err, errlen))
		return -1;
	return load_doc(&y, name, env, p);
}

int policy_load_string(const char *name, const char *text, size_t len, struct policy *p, char *err,
		       size_t errlen)
{
	struct policy_env env;

	policy_default_env(&env);
	return policy_load_env(name, text, len, &env, p, err, errlen);
}

int policy_load_file(const char *path, struct policy *p, char *err, size_t errlen)
{
	struct policy_env env;
	struct ydoc y;

	memset(p, 0, sizeof(*p));
	if (ydoc_load_file(&y, path, err, errlen))
		return -1;
	policy_default_env(&env);
	return load_doc(&y, path, &env, p);
}

const char *policy_unenforced_sections(const struct policy *p, char *buf, size_t len)
{
	char why[256];

	/* labels are enforced (src/enforce/labels.c), rules as policy/labels.h says */
	snprintf(buf, len, "%s",
		 p->has_rules && policy_label_unenforced(p, why, sizeof(why)) ? ", rules" : "");
	return buf[0] ? buf + 2 : NULL;
}

int policy_load_enforceable(const char *path, struct policy *p, char *err, size_t errlen)
{
	const struct policy_rule *r;
	char buf[64], why[256];
	const char *names;

	if (policy_load_file(path, p, err, errlen))
		return -1;
	if (!(names = policy_unenforced_sections(p, buf, sizeof(buf))))
		return 0;
	if ((r = policy_label_unenforced(p, why, sizeof(why))))
		snprintf(err, errlen,
			 "%s:%d:%d: rule '%s': this build parses but does not enforce it yet (%s), "
			 "so it will not run with it (nothing may claim to block what it cannot "
			 "block); `proctor policy check %s` shows the mechanism each rule will "
			 "get; see docs/POLICY.md",
			 path, r->line, r->col, r->name, why, path);
	else
		snprintf(err, errlen,
			 "%s: this build parses but does not enforce the %s section%s yet, so it "
			 "will "
			 "not run with them (nothing may claim to block what it cannot block); "
			 "`proctor "
			 "policy check %s` shows the mechanism each rule will get; see "
			 "docs/POLICY.md",
			 path, names, strchr(names, ',') ? "s" : "", path);
	memset(p, 0, sizeof(*p));
	return -1;
}

int policy_files_gaps(const struct policy *p, void (*note)(void *ctx, const char *msg), void *ctx)
{
	const unsigned ops = POLICY_CREATE | POLICY_DELETE | POLICY_RENAME | POLICY_METADATA;
	char msg[2048];
	int i, n = 0;

	for (i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];
		if (r->kind != RULE_FILE_DENY || !(r->access & ops))
			continue;
		snprintf(msg, sizeof(msg),
			 "%s:%d: %s: %s of a matching file are not enforced by this build (they "
			 "need seccomp_unotify); %s",
			 p->file, r->line, r->name,
			 (r->access & ops) == ops ? "create, delete, rename and metadata changes"
						  : "some of create, delete, rename and metadata",
			 (r->access & ~ops) ? "its opens are (fanotify)" : "nothing of it is");
		note(ctx, msg);
		n++;
	}
	return n;
}

bool policy_rule_unbounded(const struct policy *p, const struct policy_rule *r)
{
	char dir[POLICY_GLOB_MAX];
	int j;

	if (r->kind != RULE_FILE_DENY && r->kind != RULE_CONDITIONAL)
		return false;
	if (r->kind == RULE_CONDITIONAL && r->object.op != OP_OPEN && r->object.op != OP_WRITE)
		return false;
	if (!r->object.paths.n)
		return true;
	for (j = 0; j < r->object.paths.n; j++)
		if (glob_literal_dir(p->globs[r->object.paths.first + j].expanded, dir,
				     sizeof(dir)))
			return true;
	return false;
}
