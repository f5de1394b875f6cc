/* glob.h: policy path and argv globs: "*" within one path component, "**"
 * across components (a trailing "/" "**" is the directory and everything
 * below it, a leading "**" "/" any depth), "?" one character; "~" and "${workspace}" expanded when
 * the glob is compiled. A glob that can never match a kernel-resolved path is an error, with the
 * reason. */
#ifndef PROCTOR_POLICY_GLOB_H
#define PROCTOR_POLICY_GLOB_H
#include <stdbool.h>
#include <stddef.h>

struct policy_env;

/* Expand text into out (outlen bytes). For a path glob, also check that it
 * can match a resolved absolute path. 0, or -1 with why set. */
int glob_compile(const char *text, bool path, const struct policy_env *env, char *out,
		 size_t outlen, char *why, size_t whylen);
/* The literal directory an expanded path glob starts with (/a/b of
 * /a/b/STAR.key; a literal path's directory) into out: 0, or -1 when a
 * wildcard comes first (no directory short of the root bounds it). */
int glob_literal_dir(const char *glob, char *out, size_t outlen);
/* True if the glob has no wildcard. */
bool glob_is_literal(const char *glob);
/* Match an expanded path glob against a resolved path, or an argv glob
 * against one argument ("*" then crosses '/'). */
bool glob_match(const char *glob, const char *s, bool path);

/* The glob as an NFA, for compiling sets of globs into one DFA
 * (src/enforce/dfa.c): glob_tokenize fills t (POLICY_GLOB_MAX tokens) and
 * returns their count n; a state is at[n + 1], in[n + 1]; it accepts when
 * at[n]. glob_nfa_step returns false when the next state is dead. Path
 * globs ending in slash-globstar match the directory itself too: the DFA
 * compiler adds the glob without them as a second NFA. */
struct glob_token {
	int t;
	char c;
};
size_t glob_tokenize(const char *glob, struct glob_token *t, bool path);
void glob_nfa_start(const struct glob_token *t, size_t n, bool *at, bool *in);
bool glob_nfa_step(const struct glob_token *t, size_t n, const bool *at, const bool *in, char c,
		   bool *nat, bool *nin);

#endif
