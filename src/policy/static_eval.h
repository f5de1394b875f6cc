/* static_eval.h: the policy evaluated before a tool runs, on what an agent
 * says it will do (`proctor hook`): a shell command line split into simple
 * commands (quotes, escapes, ; && || | & newlines, redirections), each
 * command's argv checked against the exec rules and each redirection target
 * against the files rules, and a file path checked for read or write. Only
 * enforced block/kill rules deny. This is advice that saves the agent a
 * retry: the kernel decides again when the command really runs. */
#ifndef PROCTOR_POLICY_STATIC_EVAL_H
#define PROCTOR_POLICY_STATIC_EVAL_H
#include <stdbool.h>
#include <stddef.h>

#include "policy/policy.h"

#define SE_MAX_WORDS 64	   /* words of one simple command that are looked at */
#define SE_MAX_LINE  65536 /* bytes of a command line that are parsed */

struct se_verdict {
	int rule;	 /* the denying rule's index, or -1: nothing denies */
	char what[4160]; /* what was attempted: "git push origin --force", "write /x" */
};

/* A shell command line run in cwd (absolute; PATH: the search path for
 * program names). -1 with why for input it cannot parse (an unterminated
 * quote): the caller fails closed or open as its mode says. */
int se_eval_shell(const struct policy *p, const char *line, size_t len, const char *cwd,
		  const char *path, struct se_verdict *v, char *why, size_t whylen);
/* A file the tool reads (write false) or writes (write true). */
void se_eval_file(const struct policy *p, const char *file, const char *cwd, bool write,
		  struct se_verdict *v);

/* A Codex apply_patch body: every file it adds, updates, deletes or moves
 * to is a write. -1 with why when it names no file. */
int se_eval_patch(const struct policy *p, const char *patch, size_t len, const char *cwd,
		  struct se_verdict *v, char *why, size_t whylen);

#endif
