/* enforce.h: the policy's files and exec rules in the kernel, per session.
 * Today: the exec rules, by the exec-kill hook (exec_rules.h,
 * bpf/policy/exec.bpf.c). One DFA table serves every session; a session's
 * states are written before its rules, so the hook never sees a half-loaded
 * policy. The caller (src/app) owns the probe. */
#ifndef PROCTOR_ENFORCE_H
#define PROCTOR_ENFORCE_H
#include <stddef.h>
#include <stdint.h>

#include "enforce/dfa.h"
#include "policy/policy.h"

struct probe;

struct enforce {
	struct dfa_table dfa;
};

int enforce_init(struct enforce *e, char *err, size_t errlen);
void enforce_destroy(struct enforce *e);
/* Compile and load p's exec rules for a session before anything of it runs.
 * 0 (also when p has none), or -1 with err; nothing stays loaded then. */
int enforce_add_session(struct enforce *e, struct probe *pr, uint64_t session_key,
			const struct policy *p, char *err, size_t errlen);
void enforce_remove_session(struct enforce *e, struct probe *pr, uint64_t session_key);

#endif
