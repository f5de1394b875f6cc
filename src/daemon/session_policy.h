/* session_policy.h: the per-run policy (`proctor run --policy`) of a daemon
 * session. The run client validates the file and sends its text with the
 * environment it was written for (home, workspace); the daemon parses it
 * again and installs it through the same src/app calls as a standalone run:
 * egress (cgroup programs, bypass endpoint), the exec rules (kernel kill at
 * exec) and files.deny (fanotify, decided here); files.write_only_under is
 * Landlock, applied by the client in its child before exec. The policy is
 * kept in the session's state file, so a restarted daemon installs it again
 * before it thaws the session (a policy session is frozen while no daemon
 * enforces it). */
#ifndef PROCTOR_DAEMON_SESSION_POLICY_H
#define PROCTOR_DAEMON_SESSION_POLICY_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "egress/session.h"
#include "policy/policy.h"

struct app;
struct session;

struct session_policy {
	json_t *req; /* {"name","text","home","workspace","egress_mode","flow_idle_ns"} */
	struct policy policy;
	struct egress_session eg;
	bool egress_added;
	bool policy_added;
	uint64_t finish_until_ns; /* open TCP flows: their close, up to 200 ms */
};

/* The policy object of a session.begin request ("policy"), NULL: none.
 * Parse and install it for session s (cgroup cg_abs), before anything of
 * the session runs; -1 with err, nothing left installed. */
struct session_policy *session_policy_install(struct app *a, struct session *s, const char *cg_abs,
					      json_t *obj, char *err, size_t errlen);
/* Egress sweeps and the bypass endpoint: from the daemon's loop. */
void session_policy_tick(struct session_policy *sp);
/* Whether the session's end should wait (open TCP flows, up to 200 ms). */
bool session_policy_wait(struct session_policy *sp);
/* Before app_end_session: the final sweep, the egress summary (malloc'd
 * text for the client, "" when none), egress detached. */
char *session_policy_finish(struct app *a, struct session_policy *sp);
/* After app_end_session (or on a failed begin: undoes the install). */
void session_policy_free(struct app *a, struct session *s, struct session_policy *sp);

#endif
