/* redact.h: the Redact stage. Secrets in string fields (argv, command lines,
 * environment-style strings, URLs, headers) are replaced by
 * "[REDACTED:RULE]" and the record gains `redaction.rules`, the names of the
 * rules that fired. process.command_line is rebuilt from the redacted
 * process.command_args, so quoting never hides a secret. Rules are PCRE2
 * regexes: the built-in set (redact_builtin.c), rules from the pipeline
 * config, and gitleaks rule files (redact_rules.c). */
#ifndef PROCTOR_REDACT_H
#define PROCTOR_REDACT_H
#include <stdbool.h>
#include <stddef.h>

#include "model/record.h"
#include "util/strbuf.h"

struct redactor;

/* What an allowlist regex is matched against (gitleaks `regexTarget`). */
enum redact_target { REDACT_TARGET_SECRET, REDACT_TARGET_MATCH, REDACT_TARGET_LINE };

/* A finding is kept (not redacted) when its allowlist says so: any regex
 * matches the target, or the secret contains a stopword (case-insensitive);
 * with `all`, every kind of check given must hold (gitleaks "AND"). */
struct redact_allow {
	const char *const *regexes;
	size_t nregexes;
	const char *const *stopwords;
	size_t nstopwords;
	enum redact_target target;
	bool all;
};

/* group: the capture group replaced; 0 = the whole match;
 * REDACT_FIRST_GROUP = the first non-empty group, else the match (gitleaks
 * without secretGroup). keywords: the rule only runs on strings holding one
 * of them (case-insensitive); none = always. entropy: minimum Shannon
 * entropy (bits per byte) of the secret, 0 = none. */
#define REDACT_FIRST_GROUP (-1)
struct redact_rule_spec {
	const char *name, *regex;
	int group;
	bool icase;
	const char *const *keywords;
	size_t nkeywords;
	double entropy;
	const struct redact_allow *allow;
	size_t nallow;
};

struct redactor *redactor_new(bool builtin_rules);
void redactor_free(struct redactor *rd);
/* Add a rule. Returns 0 or -1 with err set (bad regex, bad group). */
int redactor_add_rule(struct redactor *rd, const struct redact_rule_spec *spec, char *err,
		      size_t errlen);
/* A rule without keywords from the config file (group: as above, >= 0). */
int redactor_add(struct redactor *rd, const char *name, const char *regex, int group, char *err,
		 size_t errlen);
size_t redactor_count(const struct redactor *rd);

/* Redact one string into out (reset first). Returns the number of
 * replacements; fired rule names are added to names[] (deduplicated, up to
 * *nnames < max). */
int redact_string(const struct redactor *rd, const char *in, struct strbuf *out, const char **names,
		  size_t *nnames, size_t max);
/* Redact every string field of a record in place. Returns replacements. */
int redact_record(const struct redactor *rd, struct record *r);
/* Redact a NULL-terminated argv into a newly malloc'd NULL-terminated copy
 * (free with redact_argv_free). Also handles "--password VALUE" pairs. */
char **redact_argv(const struct redactor *rd, char *const *argv);
void redact_argv_free(char **argv);

#endif
