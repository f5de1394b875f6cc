/* redact.h: the Redact stage. Secrets in string fields (argv, command lines,
 * environment-style strings, URLs, headers) are replaced by
 * "[REDACTED:RULE]" and the record gains `redaction.rules`, the names of the
 * rules that fired. Built-in rules cover cloud/VCS/chat tokens, bearer tokens,
 * JWTs, private-key blocks, URL credentials and password=-style pairs; users
 * add POSIX extended regexes (from the config file). */
#ifndef PROCTOR_REDACT_H
#define PROCTOR_REDACT_H
#include <stdbool.h>
#include <stddef.h>

#include "model/record.h"
#include "util/strbuf.h"

struct redactor;

struct redactor *redactor_new(bool builtin_rules);
void redactor_free(struct redactor *rd);
/* Add a rule; group = capture group to replace (0 = whole match). Returns 0
 * or -1 with err set (bad regex, too many rules). */
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
