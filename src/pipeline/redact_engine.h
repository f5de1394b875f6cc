/* redact_engine.h: what redact_record.c uses of the engine (redact.c). */
#ifndef PROCTOR_REDACT_ENGINE_H
#define PROCTOR_REDACT_ENGINE_H
#include <stdbool.h>
#include <stddef.h>

#include "pipeline/redact.h"

#define MARKER "[REDACTED:"

/* false when no rule's hint can occur in s: the string needs no work. */
bool redact_may_hint(const struct redactor *rd, const char *s);
/* redact_string for a string that passed redact_may_hint. */
int redact_hinted(const struct redactor *rd, const char *in, struct strbuf *out, const char **names,
		  size_t *nnames, size_t max);
/* s is a flag whose next argv element is a secret ("--password"). */
bool redact_is_secret_flag(const struct redactor *rd, const char *s);
/* Add name to names[] unless there or full. */
void redact_note_name(const char *name, const char **names, size_t *nnames, size_t max);

#endif
