/* redact_builtin.h: the built-in secret rules (redact_builtin.c). */
#ifndef PROCTOR_REDACT_BUILTIN_H
#define PROCTOR_REDACT_BUILTIN_H
#include <stdbool.h>
#include <stddef.h>

#define REDACT_BUILTIN_HINTS 8

struct redact_builtin {
	const char *name, *re; /* PCRE2 */
	int group;	       /* capture group replaced, 0 = the match */
	bool icase;
	const char *hints[REDACT_BUILTIN_HINTS]; /* lower case; see redact_rule_spec.keywords */
};

extern const struct redact_builtin redact_builtins[];
extern const size_t redact_nbuiltins;

/* argv flags whose *next* element is a secret ("--password hunter2"). */
extern const char redact_secret_flag_re[];

#endif
