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
/* True if the glob has no wildcard. */
bool glob_is_literal(const char *glob);
/* Match an expanded path glob against a resolved path, or an argv glob
 * against one argument ("*" then crosses '/'). */
bool glob_match(const char *glob, const char *s, bool path);

#endif
