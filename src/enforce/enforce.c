/* enforce.c: a session's rules into their mechanisms (enforce.h): exec
 * rules into the policy family's maps, write_only_under into a Landlock
 * ruleset, files.deny into a fanotify engine. */
#include "enforce/enforce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enforce/exec_rules.h"
#include "enforce/fan_rules.h"
#include "enforce/labels.h"
#include "enforce/temporal.h"
#include "probe/maps.h"

int enforce_init(struct enforce *e, char *err, size_t errlen)
{
	if (dfa_table_init(&e->dfa)) {
		snprintf(err, errlen, "out of memory for the policy's DFA table");
		return -1;
	}
	return 0;
}

void enforce_destroy(struct enforce *e)
{
	size_t i;

	for (i = 0; i < PR_MAX_SESSIONS; i++) {
		fan_stop(e->s[i].fan);
		landlock_plan_free(&e->s[i].landlock);
		e->s[i] = (struct enforce_session){0};
	}
	dfa_table_free(&e->dfa);
}

static int add_exec(struct enforce *e, struct probe *pr, uint64_t session_key,
		    const struct policy *p, char *err, size_t errlen)
{
	struct exec_rules *x = calloc(1, sizeof(*x));
	struct pr_temporal_policy tp;
	uint32_t first = e->dfa.n;
	bool temporal = false;
	int i, rc = -1;

	if (!x) {
		snprintf(err, errlen, "out of memory compiling the exec rules");
		return -1;
	}
	if (exec_rules_compile(p, &e->dfa, x, err, errlen))
		goto out;
	if (temporal_compile(p, &e->dfa, &tp, &temporal, err, errlen)) {
		e->dfa.n = first;
		goto out;
	}
	rc = 0;
	if (!x->nbits)
		goto out;
	rc = probe_policy_write_dfa(pr, first, e->dfa.n - first, &e->dfa.states[first]);
	for (i = 0; !rc && i < x->ninodes; i++)
		rc = probe_policy_add_inode(pr, session_key, x->inodes[i].ino, x->inodes[i].dev,
					    x->inodes[i].bits);
	if (!rc && temporal) /* before the exec rules: no moment of an unconditional deny */
		rc = probe_policy_set_temporal(pr, session_key, &tp);
	if (!rc)
		rc = probe_policy_set_exec(pr, session_key, &x->kpol);
	if (rc) {
		snprintf(err, errlen, "loading the exec rules into the kernel: %s", strerror(-rc));
		probe_policy_forget(pr, session_key);
		e->dfa.n = first;
		rc = -1;
	}
out:
	free(x);
	return rc;
}

struct enforce_session *enforce_session(struct enforce *e, uint64_t session_key)
{
	size_t i;

	for (i = 0; session_key && i < PR_MAX_SESSIONS; i++)
		if (e->s[i].key == session_key)
			return &e->s[i];
	return NULL;
}

int enforce_landlock_fd(struct enforce *e, uint64_t session_key)
{
	struct enforce_session *s = enforce_session(e, session_key);

	return s ? s->landlock.ruleset_fd : -1;
}

bool enforce_wants_mntns(struct enforce *e, uint64_t session_key)
{
	struct enforce_session *s = enforce_session(e, session_key);

	return s && fan_needs_mounts(s->fan);
}

int enforce_attach_child(struct enforce *e, uint64_t session_key, uint32_t pid, char *err,
			 size_t errlen)
{
	struct enforce_session *s = enforce_session(e, session_key);

	if (!s || !fan_needs_mounts(s->fan))
		return 0;
	return fan_mark_mounts(s->fan, pid, err, errlen);
}

/* The fanotify engine's view of the kernel's label and temporal bits (its
 * decider thread). */
static uint16_t labels_of(void *ctx, uint32_t tgid)
{
	const struct enforce_labels_ctx *c = ctx;

	return probe_label_of(c->pr, c->session_key, tgid);
}

static uint64_t satisfied_of(void *ctx)
{
	const struct enforce_labels_ctx *c = ctx;

	return probe_policy_temporal_satisfied(c->pr, c->session_key);
}

int enforce_add_session(struct enforce *e, struct probe *pr, uint64_t session_key,
			const char *cg_abs, const struct policy *p, char *err, size_t errlen)
{
	struct enforce_session *s = NULL;
	size_t i;

	for (i = 0; !s && i < PR_MAX_SESSIONS; i++)
		if (!e->s[i].key)
			s = &e->s[i];
	if (!s) {
		snprintf(err, errlen, "too many sessions with a policy (at most %d)",
			 PR_MAX_SESSIONS);
		return -1;
	}
	if (fan_rules_need_mounts(p) && !e->launcher_attaches) {
		snprintf(err, errlen, "%s", ENFORCE_NEEDS_LAUNCHER);
		return -1;
	}
	if (landlock_plan(p, &s->landlock, err, errlen))
		return -1;
	s->label_ctx = (struct enforce_labels_ctx){pr, session_key};
	s->kernel = (struct fan_kernel){labels_of, satisfied_of, &s->label_ctx};
	if (fan_wanted(p) && !(s->fan = fan_start(p, cg_abs, &s->kernel, err, errlen))) {
		landlock_plan_free(&s->landlock);
		return -1;
	}
	if (add_exec(e, pr, session_key, p, err, errlen) ||
	    labels_add_session(&e->dfa, pr, session_key, p, err, errlen)) {
		probe_policy_forget(pr, session_key);
		fan_stop(s->fan);
		landlock_plan_free(&s->landlock);
		*s = (struct enforce_session){0};
		return -1;
	}
	s->key = session_key;
	s->p = p;
	return 0;
}

void enforce_remove_session(struct enforce *e, struct probe *pr, uint64_t session_key)
{
	struct enforce_session *s = enforce_session(e, session_key);

	probe_policy_forget(pr, session_key);
	labels_remove_session(pr, session_key);
	if (!s)
		return;
	fan_stop(s->fan);
	landlock_plan_free(&s->landlock);
	*s = (struct enforce_session){0};
}
