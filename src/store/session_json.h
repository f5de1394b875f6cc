/* session_json.h: the one JSON object of a session row, printed by
 * `proctor sessions --json` and served by the API (docs/CLI.md, docs/API.md). */
#ifndef PROCTOR_STORE_SESSION_JSON_H
#define PROCTOR_STORE_SESSION_JSON_H
#include "store/store.h"
#include "util/strbuf.h"

/* "status": live, ended or crashed (its recorder died: r->crashed) */
#define SESSION_JSON_STATUS 0x1
/* `proctor sessions` says running where the API says live */
#define SESSION_JSON_RUNNING 0x2

/* Appends the object (no newline) to sb. */
void session_row_json(struct strbuf *sb, const struct store_session_row *r, unsigned flags);

#endif
