/* labels.h: which `labels:` and `rules:` entries this build enforces with
 * the kernel's label tracking (src/enforce/labels.c, bpf/policy/labels.bpf.c),
 * and how their kernel indices map back to the policy's rules. */
#ifndef PROCTOR_POLICY_LABELS_H
#define PROCTOR_POLICY_LABELS_H
#include <stdbool.h>
#include <stddef.h>

#include "policy/policy.h"

#define POLICY_LABEL_CONNECT_RULES 8 /* rules with if: {label} and deny: connect */
#define POLICY_LABEL_EXCEPTS	   8 /* their except destinations, in all */
#define POLICY_LABEL_EXEC_RULES	   8 /* rules with if: {label} and deny: exec */

/* Whether this build enforces r with label tracking: a declassify of a
 * program (its first argv element, then "**"), or a rule `if: {label}`,
 * `deny: connect`, `deny: exec` or `deny: {exec: {path: GLOB}}`, without
 * `unless`. */
bool policy_label_enforced(const struct policy_rule *r);
/* The index in p->rules of the k-th connect label rule (the kernel's rule
 * k, PR_RULE_LABEL - k in flows), or -1. */
int policy_label_connect_rule(const struct policy *p, int k);
/* The same for the k-th exec label rule (pr_label_policy.exec[k]). */
int policy_label_exec_rule(const struct policy *p, int k);
/* The first `rules:` entry this build does not enforce (NULL: none); why
 * says what it would need. */
const struct policy_rule *policy_label_unenforced(const struct policy *p, char *why, size_t len);
/* The names of the labels in bits into names[] (*n of them); the first. */
const char *policy_label_names(const struct policy *p, unsigned bits, const char **names, int *n);

#endif
