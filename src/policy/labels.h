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
#define POLICY_LABEL_FILE_RULES	   8 /* rules with if: {label} and deny: {open|write: GLOB} */

/* Whether this build enforces r with label tracking: a declassify of a
 * program (its first argv element, then "**"), or a rule `if: {label}`,
 * `deny: connect`, `deny: exec`, `deny: {exec: {path: GLOB}}` or `deny:
 * {open|write: GLOB}`, without
 * `unless`. */
bool policy_label_enforced(const struct policy_rule *r);
/* A rule `if: {label}` with `deny: {open: GLOB...}` or `{write: GLOB...}`,
 * or a bare `deny: open` / `deny: write` (every regular file), without
 * `unless`: decided by the fanotify engine from the opener's label
 * bits in the kernel (src/enforce/fan_rules.c). */
bool policy_label_file_rule(const struct policy_rule *r);
/* A rule `if: {label}` with `deny: {exec: {argv: [...]}}`, without `unless`:
 * an exec rule bit (policy_exec_rule_bit) that the exec-kill hook keeps only
 * for a process holding the label (src/enforce/exec_rules.c). */
bool policy_label_argv_rule(const struct policy_rule *r);
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
