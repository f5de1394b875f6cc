/* redact_rules.h: gitleaks rule files (TOML) as redaction rules. The subset
 * read, and everything refused, is documented in redact_rules.c and
 * docs/SINKS.md ("Rule files"). */
#ifndef PROCTOR_REDACT_RULES_H
#define PROCTOR_REDACT_RULES_H
#include <stddef.h>

#include "pipeline/redact.h"

#define REDACT_RULES_MAX_BYTES (4u << 20)

/* Add the rules of the gitleaks file at path to rd. Returns how many, or
 * -1 with err set to "FILE:LINE: reason". */
int redact_rules_load(struct redactor *rd, const char *path, char *err, size_t errlen);
/* The same from a buffer (name is used in messages); for tests and fuzzing. */
int redact_rules_parse(struct redactor *rd, const char *name, const char *buf, size_t len,
		       char *err, size_t errlen);

#endif
