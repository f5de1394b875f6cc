/* temporal.h: which rules[] entries are temporal rules this build enforces
 * ("tests before commit": deny an exec unless a matching process exited 0
 * after the last matching write, open or exec; docs/POLICY.md), and how
 * they are numbered for the kernel. */
#ifndef PROCTOR_POLICY_TEMPORAL_H
#define PROCTOR_POLICY_TEMPORAL_H
#include <stdbool.h>

#include "policy/policy.h"

/* A rules[] entry with deny {exec: {argv|path}} or {write|open: GLOB...},
 * unless succeeded {argv} and after nothing, {write|open: GLOB...},
 * {exec: {path: GLOB}} or {exec: {argv: [...]}}, no except, and an optional
 * if {label} (then it holds only for a process with the label): enforced by the exec-kill hook
 * (an exec) or the fanotify engine (a write or open) with the kernel's
 * per-session satisfied bit (src/enforce/temporal.c). Each has an exec rule
 * bit (policy_exec_rule_bit) naming its satisfied bit; a write or open
 * rule's bit matches no exec. */
bool policy_rule_temporal(const struct policy_rule *r);
/* A temporal rule denying a write or an open (the fanotify engine's). */
bool policy_rule_temporal_file(const struct policy_rule *r);
/* How many rules of p are temporal. */
int policy_temporal_count(const struct policy *p);
/* The kernel bit of the succeeded pattern of temporal rule k (0-based, in
 * file order): numbered after every exec rule bit (policy_exec_rule_bit). */
int policy_temporal_watch_bit(const struct policy *p, int k);
/* The kernel bit of temporal rule k's after {exec: {argv}} pattern (an exec
 * that resets it), numbered after every succeeded bit; -1: it has none. */
int policy_temporal_after_bit(const struct policy *p, int k);

#endif
