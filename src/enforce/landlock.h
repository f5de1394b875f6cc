/* landlock.h: files.write_only_under as a Landlock domain (ABI 1+, write
 * rights only) for a session proctor launches. The ruleset is built in the
 * parent before the command is forked; the child restricts itself just
 * before exec, so the domain is inherited by everything it runs and cannot
 * be undone. A denied write fails with EACCES; landlock_denial maps the
 * kernel's failed-open / failed-metadata record back to the rule. */
#ifndef PROCTOR_ENFORCE_LANDLOCK_H
#define PROCTOR_ENFORCE_LANDLOCK_H
#include <stdbool.h>
#include <stddef.h>

#include "policy/policy.h"

#define LANDLOCK_MAX_TREES 64

struct landlock_plan {
	int ruleset_fd; /* -1: nothing to restrict */
	int rule;	/* index of the write_only_under rule in the policy, or -1 */
	bool audit;	/* mode audit or effect notify: nothing restricted, writes judged */
	int ntrees;
	char trees[LANDLOCK_MAX_TREES][POLICY_GLOB_MAX]; /* "/ws" (a tree) or a file */
};

/* Plan p's write_only_under. 0 (lp->rule -1 when p has none), or -1 with err:
 * a glob Landlock cannot express (only "DIR" slash-globstar trees and literal paths),
 * a path that does not exist, or a kernel without Landlock. */
int landlock_plan(const struct policy *p, struct landlock_plan *lp, char *err, size_t errlen);
void landlock_plan_free(struct landlock_plan *lp);
/* In the child, after dropping privileges, before exec: no_new_privs and
 * landlock_restrict_self. Async-signal-safe. 0, or -errno. */
int landlock_apply(int ruleset_fd);
/* True if path (kernel-resolved, absolute) is outside every allowed tree: a
 * write to it is what the rule denies. */
bool landlock_outside(const struct landlock_plan *lp, const char *path);

#endif
