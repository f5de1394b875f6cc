/* enforce.c: loading a session's compiled exec rules into the policy
 * family's maps (enforce.h). */
#include "enforce/enforce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enforce/exec_rules.h"
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
	dfa_table_free(&e->dfa);
}

int enforce_add_session(struct enforce *e, struct probe *pr, uint64_t session_key,
			const struct policy *p, char *err, size_t errlen)
{
	struct exec_rules *x = calloc(1, sizeof(*x));
	uint32_t first = e->dfa.n;
	int i, rc = -1;

	if (!x) {
		snprintf(err, errlen, "out of memory compiling the exec rules");
		return -1;
	}
	if (exec_rules_compile(p, &e->dfa, x, err, errlen))
		goto out;
	rc = 0;
	if (!x->nbits)
		goto out;
	rc = probe_policy_write_dfa(pr, first, e->dfa.n - first, &e->dfa.states[first]);
	for (i = 0; !rc && i < x->ninodes; i++)
		rc = probe_policy_add_inode(pr, session_key, x->inodes[i].ino, x->inodes[i].dev,
					    x->inodes[i].bits);
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

void enforce_remove_session(struct enforce *e, struct probe *pr, uint64_t session_key)
{
	(void)e;
	probe_policy_forget(pr, session_key);
}
