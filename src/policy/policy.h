/* policy.h: the policy file (`proctor run --policy FILE`). One YAML file,
 * one top-level mapping whose keys are sections; each section has its own
 * parser (today: egress). Unknown sections and keys are errors. Every error
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
	int nrules;
	struct egress_rule rules[POLICY_MAX_RULES];
};

struct policy {
	char file[1024];
	struct egress_policy egress;
};

int policy_load_file(const char *path, struct policy *p, char *err, size_t errlen);
/* Parse text; name is used in error messages. */
int policy_load_string(const char *name, const char *text, size_t len, struct policy *p, char *err,
		       size_t errlen);

/* Name of a rule for events: an index or a PR_RULE_* code. */
const char *policy_rule_name(const struct egress_policy *e, int rule);

/* Section parsers (policy.c dispatches to them). A section parser gets the
 * loaded document and its section node. */
struct ydoc;
struct yaml_node_s;
struct policy_ctx {
	struct ydoc *y;
};
/* "FILE:LINE:COL: reason" at node n; returns -1. */
int policy_error(struct policy_ctx *c, const struct yaml_node_s *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int egress_parse(struct policy_ctx *c, int node, struct egress_policy *e);

/* Helpers shared with tests and the loader. */
int egress_parse_cidr(const char *s, uint8_t net[16], int *prefix, bool *v4);
bool egress_valid_domain(const char *s);
/* Add an implicit allow rule for DNS (UDP and TCP port 53) to addr. */
int egress_add_resolver(struct egress_policy *e, const char *addr);
/* FNV-1a 64 over s taken from its last byte to its first (abi_net.h). */
uint64_t egress_domain_hash(const char *s);

#endif
