/* mechanisms.h: which kernel mechanisms this host offers for enforcing a
 * policy (probed at run time, nothing assumed), and the best one for each
 * rule (issue 12 §2). This build enforces egress (cgroup sock_addr), the
 * exec section (exec_kill) and the files section (Landlock, fanotify); the
 * answer for every other rule says it is not enforced yet. */
#ifndef PROCTOR_POLICY_MECHANISMS_H
#define PROCTOR_POLICY_MECHANISMS_H
#include <stdbool.h>

#include "policy/policy.h"

struct host_mechanism {
	bool present;
	char detail[192]; /* "ABI 7", or why it is absent */
};

enum mechanism {
	MECH_CGROUP_SOCK_ADDR,
	MECH_EXEC_KILL,
	MECH_FANOTIFY,
	MECH_LANDLOCK,
	MECH_SECCOMP_UNOTIFY,
	MECH_BPF_LSM,
	MECH_COUNT
};

struct host_mechanisms {
	struct host_mechanism m[MECH_COUNT];
	int landlock_abi;
};

/* Probe this host. Needs root for fanotify and BPF-LSM (else: absent, why).
 * $PROCTOR_MECHANISMS_OFF (comma-separated names) marks mechanisms absent,
 * so tests can show what a host without them gets; it never adds one. */
void mechanisms_probe(struct host_mechanisms *h);
const char *mechanism_name(enum mechanism m);

/* The plan for one rule on this host. */
struct rule_plan {
	char mechanism[128]; /* "fanotify", "fanotify+seccomp_unotify", "notify" */
	bool notify_only;    /* nothing here can block it */
	char why[384];	     /* for notify_only */
	bool enforced;	     /* by this build (egress, exec, files) */
};

void mechanisms_plan_rule(const struct host_mechanisms *h, const struct policy *p,
			  const struct policy_rule *r, struct rule_plan *out);
/* An egress rule: cgroup sock_addr, enforced by this build. */
void mechanisms_plan_egress(const struct host_mechanisms *h, struct rule_plan *out);
/* Label tracking (sources, propagation): kernel state, tp_btf. */
void mechanisms_plan_label(const struct host_mechanisms *h, struct rule_plan *out);

#endif
