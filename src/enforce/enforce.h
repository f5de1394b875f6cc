/* enforce.h: the policy's files and exec rules, per session. The exec rules
 * by the exec-kill hook (exec_rules.h, bpf/policy/exec.bpf.c): one DFA table
 * serves every session; a session's states are written before its rules, so
 * the hook never sees a half-loaded policy. files.write_only_under by
 * Landlock (landlock.h: the launcher applies the ruleset in its child), and
 * files.deny by fanotify permission events (fanotify.h). The caller
 * (src/app) owns the probe and turns decisions into records. */
#ifndef PROCTOR_ENFORCE_H
#define PROCTOR_ENFORCE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enforce/dfa.h"
#include "enforce/fanotify.h"
#include "enforce/landlock.h"
#include "proctor/abi.h"
#include "policy/policy.h"

struct probe;

struct enforce_labels_ctx {
	struct probe *pr;
	uint64_t session_key;
};

struct enforce_session {
	uint64_t key;			     /* 0: a free slot */
	struct enforce_labels_ctx label_ctx; /* for the fanotify engine's conditional rules */
	struct fan_kernel kernel;
	const struct policy *p;
	struct landlock_plan landlock;
	struct fan *fan;
};

struct enforce {
	struct dfa_table dfa;
	/* The launcher puts its child into a new mount namespace and calls
	 * enforce_attach_child (proctor run standalone): without it a policy
	 * that needs the session's mounts marked is refused. */
	bool launcher_attaches;
	struct enforce_session s[PR_MAX_SESSIONS];
};

#define ENFORCE_NEEDS_LAUNCHER                                                                     \
	"a rule with a bare deny: open/write or a glob with a leading wildcard (**/x) is "         \
	"decided on the session's own mounts, which only proctor run --standalone makes "          \
	"(docs/POLICY.md)"

int enforce_init(struct enforce *e, char *err, size_t errlen);
void enforce_destroy(struct enforce *e);
/* Compile and load p's exec rules, plan its Landlock ruleset and start its
 * fanotify engine, for a session (cgroup cg_abs) before anything of it runs.
 * 0 (also when p has none), or -1 with err; nothing stays loaded then. */
int enforce_add_session(struct enforce *e, struct probe *pr, uint64_t session_key,
			const char *cg_abs, const struct policy *p, char *err, size_t errlen);
void enforce_remove_session(struct enforce *e, struct probe *pr, uint64_t session_key);
/* The session's state, or NULL. */
struct enforce_session *enforce_session(struct enforce *e, uint64_t session_key);
/* The Landlock ruleset the launcher's child applies before exec (-1: none). */
int enforce_landlock_fd(struct enforce *e, uint64_t session_key);
/* Whether the session's launcher must put its child into a new mount
 * namespace (unshare CLONE_NEWNS, before it drops privileges) and call
 * enforce_attach_child before the command runs (fanotify.h,
 * fan_needs_mounts). */
bool enforce_wants_mntns(struct enforce *e, uint64_t session_key);
/* Mark the mounts of the launcher's child pid (in its own mount namespace,
 * stopped before exec). 0 (also when nothing is needed), or -1 with err. */
int enforce_attach_child(struct enforce *e, uint64_t session_key, uint32_t pid, char *err,
			 size_t errlen);

#endif
