/* session_json.h: the one JSON object of a session row, printed by
 * `proctor sessions --json` and served by the API (docs/CLI.md, docs/API.md). */
#ifndef PROCTOR_STORE_SESSION_JSON_H
#define PROCTOR_STORE_SESSION_JSON_H
#include "store/store.h"
#include "util/strbuf.h"

/* What the API adds to the CLI's object: "status" (live or ended). */
#define SESSION_JSON_STATUS 0x1

/* Appends the object (no newline) to sb. */
void session_row_json(struct strbuf *sb, const struct store_session_row *r, unsigned flags);

#endif
