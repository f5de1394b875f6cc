/* common.h: what the v2 section parsers share: globs and argv patterns into
 * the policy's glob pool, a new rule with the limits checked, the common
 * rule keys (name, reason, effect, mode), and generated names. */
#ifndef PROCTOR_POLICY_COMMON_H
#define PROCTOR_POLICY_COMMON_H
#include "policy/policy.h"
#include "util/yaml.h"

/* One glob (a scalar) into the pool; its index, or -1 with the error set. */
int policy_parse_glob(struct policy_ctx *c, yaml_node_t *n, bool path);
/* A glob or a list of globs, contiguous in the pool. */
int policy_parse_globs(struct policy_ctx *c, yaml_node_t *n, const char *key,
		       struct policy_globs *out);
/* An argv pattern: a list of globs, "**" only last. */
int policy_parse_argv(struct policy_ctx *c, yaml_node_t *n, struct policy_argv *out);
/* {argv: [...]} or {path: GLOB}: what exec and succeeded name. */
int policy_parse_program(struct policy_ctx *c, yaml_node_t *n, const char *key,
			 struct policy_object *o);
/* `mode: enforce | audit` */
int policy_parse_mode(struct policy_ctx *c, yaml_node_t *v, int *mode);
/* A new rule of kind at node n, with the section's mode; NULL past the limit. */
struct policy_rule *policy_new_rule(struct policy_ctx *c, yaml_node_t *n,
				    enum policy_rule_kind kind, int mode);
/* name, reason, effect, mode: 1 if key is one of them (parsed), 0 if not, -1 on error. */
int policy_common_key(struct policy_ctx *c, struct policy_rule *r, const char *key, yaml_node_t *v);
/* Fill the name and reason a rule did not give. */
void policy_default_name(const struct policy *p, struct policy_rule *r);

/* "a,b,c" of the texts of a glob run (argv: space-separated). */
void policy_globs_text(const struct policy *p, struct policy_globs g, const char *sep, char *out,
		       size_t len);
/* An argv pattern "git push * --force*", or the path globs joined. */
void policy_object_text(const struct policy *p, const struct policy_object *o, char *out,
			size_t len);
const char *policy_effect_name(enum policy_effect e);
const char *policy_op_name(enum policy_op op);
void policy_access_text(unsigned access, char *out, size_t len);

#endif
