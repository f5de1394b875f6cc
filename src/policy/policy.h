/* policy.h: the policy file (`proctor run --policy FILE`, `proctor policy
 * check FILE`). One YAML file, one top-level mapping whose keys are sections;
 * each section has its own parser: egress (v1, enforced), files, exec, labels
 * and rules (v2: parsed and checked). Unknown sections and keys are errors. Every error
 * is reported as "FILE:LINE:COL: reason" before anything runs. */
#ifndef PROCTOR_POLICY_H
#define PROCTOR_POLICY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proctor/abi_net.h"

#define POLICY_MAX_RULES PR_EGRESS_RULES
#define POLICY_RULE_NAME 320

struct egress_rule {
	int action;	  /* PR_RULE_ALLOW / PR_RULE_DENY */
	int kind;	  /* PR_RULE_CIDR / PR_RULE_DOMAIN */
	char domain[256]; /* lower case, without the "*." of a wildcard */
	bool wildcard;	  /* "*.name": names strictly below name */
	uint8_t net[16];  /* 16-byte form (IPv4 mapped), masked */
	int prefix;	  /* bits of the 16-byte form */
	bool v4;
	int nports; /* 0 = any */
	uint16_t port_lo[PR_RULE_PORTS], port_hi[PR_RULE_PORTS];
	int transport;		     /* PR_TRANSPORT_* bits, 0 = any */
	int line;		     /* in the policy file; 0 = implicit */
	bool resolver;		     /* an implicit rule for a DNS resolver */
	char name[POLICY_RULE_NAME]; /* policy.rule in events */
};

struct egress_policy {
	bool present; /* the file has an egress section */
	bool default_deny;
	int mode;      /* PR_MODE_ENFORCE / PR_MODE_AUDIT */
	bool raw_deny; /* raw/packet sockets; default: follows default */
	bool resolvers_set;
	int line; /* of the section */
	int nrules;
	struct egress_rule rules[POLICY_MAX_RULES];
};

/* ---- v2 sections: files, exec, labels, rules (../shared/spec/policy.md) ---- */

/* Limits (docs/POLICY.md), enforced by the parser with a clear message. */
#define POLICY_MAX_V2_RULES 128 /* files, exec and rules entries, in all */
#define POLICY_MAX_GLOBS    256 /* path globs and argv elements, in all */
#define POLICY_MAX_LABELS   16
#define POLICY_GLOB_MAX	    512 /* bytes of one glob, after ~ and ${workspace} */
#define POLICY_MAX_ARGV	    16	/* elements of one argv pattern */
#define POLICY_REASON	    512

enum policy_effect { POLICY_BLOCK, POLICY_KILL, POLICY_NOTIFY };

/* files: access kinds */
#define POLICY_READ	  (1u << 0)
#define POLICY_WRITE	  (1u << 1)
#define POLICY_EXEC	  (1u << 2)
#define POLICY_CREATE	  (1u << 3)
#define POLICY_DELETE	  (1u << 4)
#define POLICY_RENAME	  (1u << 5)
#define POLICY_METADATA	  (1u << 6)
#define POLICY_ACCESS_ALL 0x7fu

enum policy_rule_kind {
	RULE_FILE_DENY,	       /* files.deny[]: one path glob, access kinds */
	RULE_WRITE_ONLY_UNDER, /* files.write_only_under: path globs */
	RULE_EXEC_DENY,	       /* exec.deny[]: a path glob or an argv pattern */
	RULE_EXEC_ALLOW_ONLY,  /* exec.allow_only: path globs */
	RULE_DECLASSIFY,       /* a label, an argv pattern */
	RULE_CONDITIONAL,      /* rules[]: if / deny / except / unless */
};

/* What a rule denies (rules[].deny: connect, exec, write, open). */
enum policy_op { OP_NONE, OP_CONNECT, OP_EXEC, OP_WRITE, OP_OPEN };

/* A glob as written and as it will be matched ("~" and "${workspace}"
 * replaced). Path globs are absolute or start with "**". */
struct policy_glob {
	char text[POLICY_GLOB_MAX];
	char expanded[POLICY_GLOB_MAX];
	bool literal; /* no wildcard: one path (or one argument) */
	int line, col;
};

/* A run of globs in policy.globs. */
struct policy_globs {
	int first, n;
};

/* argv: one glob per element; a trailing "**" element matches any rest. An
 * empty pattern (n == 0) is absent. A first element with a '/' matches the
 * executable's path, one without matches the program's basename. */
struct policy_argv {
	struct policy_globs elem;
	bool rest;
};

/* An object a condition or a deny names: a path or an argv pattern. */
struct policy_object {
	enum policy_op op;
	struct policy_globs paths; /* OP_WRITE, OP_OPEN, OP_EXEC by path */
	struct policy_argv argv;   /* OP_EXEC by argv */
};

struct policy_rule {
	enum policy_rule_kind kind;
	char name[POLICY_RULE_NAME];
	char reason[POLICY_REASON];
	bool named; /* the name is the user's, not generated */
	enum policy_effect effect;
	int mode; /* PR_MODE_ENFORCE / PR_MODE_AUDIT */
	int line, col;
	unsigned access;	     /* RULE_FILE_DENY */
	struct policy_object object; /* what it denies; declassify: the program */
	int label;		     /* if: {label}, declassify: index in labels, or -1 */
	int except_first, nexcept;   /* except: rules in policy.except */
	bool has_unless;	     /* unless: succeeded, after */
	struct policy_argv succeeded;
	struct policy_object after; /* op OP_NONE: one success ever is enough */
};

struct policy_label {
	char name[64];
	struct policy_globs sources;
	int line, col;
};

/* Where "~" and "${workspace}" point (the session's user and directory). */
struct policy_env {
	char home[1024];
	char workspace[1024];
};

struct policy {
	char file[1024];
	struct egress_policy egress;
	bool has_files, has_exec, has_labels, has_rules; /* v2 sections present */
	int nrules;
	struct policy_rule rules[POLICY_MAX_V2_RULES];
	int nlabels;
	struct policy_label labels[POLICY_MAX_LABELS];
	int nglobs;
	struct policy_glob globs[POLICY_MAX_GLOBS];
	struct egress_policy except; /* the rules of every `except:` */
	struct policy_env env;
};

/* Load FILE; "~" and "${workspace}" as for the calling user in the current
 * directory (policy_default_env). 0, or -1 with "FILE:LINE:COL: reason". */
int policy_load_file(const char *path, struct policy *p, char *err, size_t errlen);
/* Parse text; name is used in error messages. */
int policy_load_string(const char *name, const char *text, size_t len, struct policy *p, char *err,
		       size_t errlen);
/* The same with an explicit environment. */
int policy_load_env(const char *name, const char *text, size_t len, const struct policy_env *env,
		    struct policy *p, char *err, size_t errlen);
/* Home of $SUDO_USER (else of the caller), and the current directory. */
void policy_default_env(struct policy_env *env);
/* For `proctor run`: load FILE and refuse (-1, err) a policy with sections
 * this build does not enforce yet (labels, rules), naming them;
 * egress, exec and files are enforced (files: policy_files_gaps). */
int policy_load_enforceable(const char *path, struct policy *p, char *err, size_t errlen);
/* files.deny rules this build enforces only in part (their create, delete,
 * rename and metadata access): a message each to note; returns how many. */
int policy_files_gaps(const struct policy *p, void (*note)(void *ctx, const char *msg), void *ctx);
/* A files.deny, label or temporal file rule that no literal directory
 * bounds: a bare `deny: open` or `deny: write` (every regular file), or a
 * glob whose first wildcard comes before any directory (**STAR/.env). Such
 * rules are decided on the session's own mounts (docs/POLICY.md "Rules no
 * directory bounds"). */
bool policy_rule_unbounded(const struct policy *p, const struct policy_rule *r);
/* The sections of p this build parses but does not enforce, ", "-joined in
 * buf, or NULL when it enforces all of them. */
const char *policy_unenforced_sections(const struct policy *p, char *buf, size_t len);

/* The exec rules (exec.deny, exec.allow_only) are numbered in file order:
 * the kernel's rule bits (src/enforce/exec_rules.c) and the decoder's
 * policy.rule. The bit of rule index rule (-1: not an exec rule), and the
 * rule index of a bit (-1: none). */
int policy_exec_rule_bit(const struct policy *p, int rule);
int policy_exec_rule(const struct policy *p, int bit);

/* Name of a rule for events: an index or a PR_RULE_* code. */
const char *policy_rule_name(const struct egress_policy *e, int rule);

/* Section parsers (policy.c dispatches to them). A section parser gets the
 * loaded document and its section node. */
struct ydoc;
struct yaml_node_s;
struct policy_ctx {
	struct ydoc *y;
	struct policy *p;
};
/* "FILE:LINE:COL: reason" at node n; returns -1. */
int policy_error(struct policy_ctx *c, const struct yaml_node_s *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int egress_parse(struct policy_ctx *c, struct yaml_node_s *n, struct egress_policy *e);
/* One egress rule (domain/cidr, ports, transport) appended to e. */
int egress_parse_rule(struct policy_ctx *c, struct yaml_node_s *n, int action,
		      struct egress_policy *e);
/* v2 sections (files.c, exec.c, rules.c) and what they share (common.c). */
int files_parse(struct policy_ctx *c, struct yaml_node_s *n, struct policy *p);
int exec_parse(struct policy_ctx *c, struct yaml_node_s *n, struct policy *p);
int labels_parse(struct policy_ctx *c, struct yaml_node_s *n, struct policy *p);
int rules_parse(struct policy_ctx *c, struct yaml_node_s *n, struct policy *p);
/* After every section: resolve label names, name rules, check names are unique. */
int rules_finish(struct policy_ctx *c, struct policy *p);

/* Helpers shared with tests and the loader. */
int egress_parse_cidr(const char *s, uint8_t net[16], int *prefix, bool *v4);
bool egress_valid_domain(const char *s);
/* Add an implicit allow rule for DNS (UDP and TCP port 53) to addr. */
int egress_add_resolver(struct egress_policy *e, const char *addr);
/* FNV-1a 64 over s taken from its last byte to its first (abi_net.h). */
uint64_t egress_domain_hash(const char *s);

#endif
