/* dfa.h: compiling a set of policy globs, each with a rule bit, into one
 * DFA appended to the kernel's state table (struct pr_dfa_state,
 * abi_policy.h): the exec-kill hook then matches a string with one table
 * load per byte, whatever the number of rules. State 0 is the dead state. */
#ifndef PROCTOR_ENFORCE_DFA_H
#define PROCTOR_ENFORCE_DFA_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proctor/abi_policy.h"

struct dfa_table {
	struct pr_dfa_state *states; /* [0]: dead */
	uint32_t n, cap;	     /* cap: PR_DFA_STATES */
};

struct dfa_glob {
	const char *glob; /* expanded */
	bool path;	  /* path glob ('*' stops at '/') or argv glob */
	uint64_t bit;
};

/* 0, or -ENOMEM. */
int dfa_table_init(struct dfa_table *t);
void dfa_table_free(struct dfa_table *t);
/* Append the DFA of globs; *start is its start state (PR_DFA_NO_STATE
 * when n == 0). 0, or -1 with err when the table would overflow (nothing
 * is appended then). */
int dfa_compile(struct dfa_table *t, const struct dfa_glob *g, size_t n, uint32_t *start, char *err,
		size_t errlen);
/* The bits accepted after running s from start; basename: restart at each
 * '/', as the hook does for argument 0 and the executable. */
uint64_t dfa_run(const struct dfa_table *t, uint32_t start, const char *s, bool basename);

#endif
