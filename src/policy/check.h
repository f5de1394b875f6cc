/* check.h: checks over a parsed policy that no single entry shows: rules
 * that conflict (and which one wins, deterministically), and rules that
 * would block proctor's own binary or the agent's (warnings). */
#ifndef PROCTOR_POLICY_CHECK_H
#define PROCTOR_POLICY_CHECK_H
#include "policy/policy.h"

/* A binary that must stay runnable: what it is ("proctor's own binary") and
 * its resolved path. */
struct policy_target {
	const char *what;
	const char *path;
};

/* kind: "conflict" or "warning"; line/col: the rule that loses or blocks. */
typedef void (*policy_note_fn)(void *ctx, int line, int col, const char *kind, const char *msg);

/* Report every conflict and self-block; returns how many. */
int policy_check(const struct policy *p, const struct policy_target *targets, int ntargets,
		 policy_note_fn note, void *ctx);

/* Does the rule's argv pattern match argv (exe: the resolved executable)? */
bool policy_argv_match(const struct policy *p, const struct policy_argv *a, const char *exe,
		       const char *const *argv, int argc);

#endif
