/* labels.h: a session's information-flow labels in the kernel
 * (bpf/policy/labels.bpf.c, docs/POLICY.md "labels"): the labels' source
 * globs and the declassifying programs compiled into DFAs on the shared
 * state table, the connect label rules and their except destinations, and
 * the inodes of the source files that exist at the start (so a hard link
 * to one is the same file). */
#ifndef PROCTOR_ENFORCE_LABELS_H
#define PROCTOR_ENFORCE_LABELS_H
#include <stddef.h>
#include <stdint.h>

#include "enforce/dfa.h"
#include "policy/policy.h"

struct probe;

/* Load p's labels for the session (nothing when p has none). 0, or -1
 * with err; nothing stays loaded then. */
int labels_add_session(struct dfa_table *t, struct probe *pr, uint64_t session_key,
		       const struct policy *p, char *err, size_t errlen);
void labels_remove_session(struct probe *pr, uint64_t session_key);

#endif
