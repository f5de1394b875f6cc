/* rows.h: inserting schema v2 events rows: the record's JSON encoded
 * (store/compact.h), its process context stored once (a cache of the
 * contexts rows this connection wrote) and its session as a number. The
 * writer and `proctor db migrate` both insert through it. */
#ifndef PROCTOR_STORE_ROWS_H
#define PROCTOR_STORE_ROWS_H
#include <stdint.h>

#include <sqlite3.h>

#include "store/writer.h"

struct event_rows;

struct event_rows *event_rows_open(sqlite3 *db);
void event_rows_close(struct event_rows *r);
/* session's number in session_ids (inserted when new); -1 on failure. */
int64_t event_rows_sid(struct event_rows *r, const char *session);
/* Insert e as row id (0: the next one) of session sid with its chain seq and
 * digest (CHAIN_ROW_DIGEST_LEN bytes). */
int event_rows_add(struct event_rows *r, int64_t id, int64_t sid, const struct store_event *e,
		   int64_t seq, const uint8_t *digest);
/* The transaction rolled back: forget the contexts rows it wrote. */
void event_rows_forget(struct event_rows *r);

#endif
