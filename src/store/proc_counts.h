/* proc_counts.h: per-process counters of a session, kept by the writer in
 * the same transaction as the events they count, so that `proctor tree`,
 * `proctor report` and the API's tree need no scan of the events:
 *   proc_counts(sid, pid, type): events, opens (file.open counts an
 *     aggregated record's file.open_count), failed (event.outcome failure),
 *     sensitive (opens of a credential path, model/paths.h), redacted
 *     (records holding a [REDACTED:RULE] marker);
 *   proc_sensitive(sid, pid, path): reads of each credential path and the
 *     seq of the first;
 *   proc_peers(sid, pid, dest): net.connect records by destination (the
 *     name, else the peer address, ':' and the port) and the seq of the first.
 * One definition of each counter: proc_counts_classify, used by the writer
 * and by the rebuild of a store made before the tables (docs/STORE.md). */
#ifndef PROCTOR_STORE_PROC_COUNTS_H
#define PROCTOR_STORE_PROC_COUNTS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store/store.h"

struct proc_counts;

/* Create the tables; a store that had events but not the tables is counted
 * from its events at once (the caller's transaction). */
int proc_counts_ensure(sqlite3 *db, char *err, size_t errlen);
/* Count every event of the store again (after a migration re-encoded them). */
int proc_counts_rebuild(sqlite3 *db, char *err, size_t errlen);

/* The writer's pending counts of the open batch. */
struct proc_counts *proc_counts_open(sqlite3 *db);
void proc_counts_close(struct proc_counts *pc);
/* Count one record (type, path may be NULL, json the full record). */
int proc_counts_add(struct proc_counts *pc, int64_t sid, int64_t pid, int64_t seq, const char *type,
		    const char *path, const char *json, size_t json_len);
/* Write the pending counts (before the batch's COMMIT). */
int proc_counts_flush(struct proc_counts *pc);
/* Drop the pending counts (the batch rolled back). */
void proc_counts_forget(struct proc_counts *pc);

/* Whether st holds the tables (stores made before them do not: readers
 * then aggregate the events). */
bool proc_counts_present(struct store *st);

/* The `files:` and `SENSITIVE READ:` notes of `proctor tree`, per pid. */
int proc_counts_tree_notes(struct store *st, const char *session,
			   int (*fn)(void *ctx, int64_t pid, const char *note), void *ctx);
/* The `net:` notes from the connects, for a session without net.flow. */
int proc_counts_peer_notes(struct store *st, const char *session,
			   int (*fn)(void *ctx, int64_t pid, const char *note), void *ctx);
/* Events by type, and those holding a redaction marker by type. */
int proc_counts_by_type(struct store *st, const char *session, bool redacted,
			int (*fn)(void *ctx, const char *type, int64_t n), void *ctx);
/* Credential reads by pid and path, in the order of the first read. */
int proc_counts_sensitive(struct store *st, const char *session,
			  int (*fn)(void *ctx, int64_t pid, const char *path, int64_t n),
			  void *ctx);

#endif
