/* maint.c: `proctor db migrate` and `proctor db prune` (see maint.h): the v1
 * events table re-encoded into schema v2's rows in one transaction, and
 * whole ended sessions' records removed with the range recorded and signed. */
#include "store/maint.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/chain.h"
#include "store/hostkey.h"
#include "store/proc_counts.h"
#include "store/rows.h"
#include "util/util.h"

/* The file's size with its WAL (what the store takes on disk). */
static int64_t disk_bytes(const char *path)
{
	char wal[4200];
	struct stat sb;
	int64_t n = 0;

	if (!stat(path, &sb))
		n += sb.st_size;
	snprintf(wal, sizeof(wal), "%s-wal", path);
	if (!stat(wal, &sb))
		n += sb.st_size;
	return n;
}

static int64_t count(struct store *st, const char *sql)
{
	sqlite3_stmt *q;
	int64_t n = -1;

	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

static int fail_sql(struct store *st, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", st->path, sqlite3_errmsg(st->db));
	return -1;
}

/* Every events_v1 row, in id order, into event_rows (same id, seq, digest). */
static int copy_v1_rows(struct store *st, int64_t *events, char *err, size_t errlen)
{
	struct event_rows *rows = event_rows_open(st->db);
	sqlite3_stmt *q = NULL;
	char last[256] = "";
	int64_t sid = -1;
	int rc = -1;

	if (!rows ||
	    sqlite3_prepare_v2(st->db,
			       "SELECT id, session, time_ns, type, pid, path, summary, data,"
			       " seq, digest FROM events_v1 ORDER BY id",
			       -1, &q, NULL) != SQLITE_OK)
		goto out;
	*events = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *ses = (const char *)sqlite3_column_text(q, 1);
		struct store_event e = {
			.session = ses,
			.time_ns = sqlite3_column_int64(q, 2),
			.type = (const char *)sqlite3_column_text(q, 3),
			.pid = sqlite3_column_int64(q, 4),
			.path = (const char *)sqlite3_column_text(q, 5),
			.summary = (const char *)sqlite3_column_text(q, 6),
			.json = (const char *)sqlite3_column_text(q, 7),
			.json_len = (size_t)sqlite3_column_bytes(q, 7),
		};
		const void *digest = sqlite3_column_blob(q, 9);

		if (!ses || !e.json || !e.type)
			goto out;
		if (strcmp(ses, last)) {
			snprintf(last, sizeof(last), "%s", ses);
			if ((sid = event_rows_sid(rows, ses)) < 0)
				goto out;
		}
		if (sqlite3_column_bytes(q, 9) != CHAIN_ROW_DIGEST_LEN)
			digest = NULL;
		if (event_rows_add(rows, sqlite3_column_int64(q, 0), sid, &e,
				   sqlite3_column_int64(q, 8), digest))
			goto out;
		(*events)++;
	}
	rc = 0;
out:
	if (rc)
		fail_sql(st, err, errlen);
	sqlite3_finalize(q);
	event_rows_close(rows);
	return rc;
}

int store_migrate(const char *path, struct store_migrate_result *res, char *err, size_t errlen)
{
	struct store st;

	memset(res, 0, sizeof(*res));
	res->bytes_before = disk_bytes(path);
	if (store_open_existing(&st, path, err, errlen))
		return -1;
	res->from_version = st.version;
	if (st.version == STORE_SCHEMA_VERSION) {
		res->bytes_after = res->bytes_before;
		res->events = count(&st, "SELECT count(*) FROM event_rows");
		res->sessions = count(&st, "SELECT count(*) FROM sessions");
		store_close(&st);
		return 0;
	}
	if (store_exec(&st, "BEGIN IMMEDIATE", err, errlen))
		goto fail;
	if (store_upgrade_v1_columns(&st, err, errlen) ||
	    store_exec(&st,
		       "ALTER TABLE events RENAME TO events_v1;"
		       "DROP INDEX IF EXISTS events_session_time;"
		       "DROP INDEX IF EXISTS events_session_type;"
		       "DROP INDEX IF EXISTS events_session_pid;",
		       err, errlen) ||
	    store_create_v2_schema(&st, err, errlen) ||
	    copy_v1_rows(&st, &res->events, err, errlen) ||
	    proc_counts_ensure(st.db, err, errlen) ||
	    store_exec(&st,
		       "DROP TABLE events_v1;"
		       "UPDATE meta SET value='2' WHERE key='schema_version';",
		       err, errlen)) {
		sqlite3_exec(st.db, "ROLLBACK", NULL, NULL, NULL);
		goto fail;
	}
	res->sessions = count(&st, "SELECT count(*) FROM sessions");
	if (store_exec(&st, "COMMIT", err, errlen))
		goto fail;
	/* the v1 pages are free now: give them back */
	if (store_exec(&st, "VACUUM; PRAGMA wal_checkpoint(TRUNCATE);", err, errlen))
		goto fail;
	store_close(&st);
	res->bytes_after = disk_bytes(path);
	return 0;
fail:
	store_close(&st);
	return -1;
}

size_t store_prune_msg(char *buf, size_t len, const char *session, int64_t last, int64_t time_ns)
{
	int n = snprintf(buf, len, "proctor-prune 1\n%s\n%" PRId64 "\n%" PRId64 "\n", session, last,
			 time_ns);
	return n < 0 ? 0 : (size_t)n >= len ? len - 1 : (size_t)n;
}

/* Prune one session's records: all of them (it has ended, and its final
 * checkpoint signs its last record). */
static int prune_session(struct store *st, EVP_PKEY *key, const char *session, int64_t sid,
			 const char *reason, struct store_prune_result *res)
{
	sqlite3_stmt *q = NULL;
	int64_t first = 0, last = 0, n = 0, now = (int64_t)now_realtime_ns();
	char msg[512], kid[17];
	uint8_t sig[64];
	size_t len;
	int rc = -1;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT min(seq), max(seq), count(*) FROM event_rows WHERE sid = ?",
			       -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(q, 1, sid);
	if (sqlite3_step(q) == SQLITE_ROW) {
		first = sqlite3_column_int64(q, 0);
		last = sqlite3_column_int64(q, 1);
		n = sqlite3_column_int64(q, 2);
	}
	sqlite3_finalize(q);
	if (!n)
		return 0;
	len = store_prune_msg(msg, sizeof(msg), session, last, now);
	if (hostkey_id(key, kid) || hostkey_sign(key, msg, len, sig))
		return -1;
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO pruned(session, first_seq, last_seq, records, time_ns,"
			       " reason, key_id, sig) VALUES(?,?,?,?,?,?,?,?)",
			       -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, session, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, first);
	sqlite3_bind_int64(q, 3, last);
	sqlite3_bind_int64(q, 4, n);
	sqlite3_bind_int64(q, 5, now);
	sqlite3_bind_text(q, 6, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 7, kid, -1, SQLITE_STATIC);
	sqlite3_bind_blob(q, 8, sig, sizeof(sig), SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(q);
	q = NULL;
	{
		static const char *const dels[] = {
			"DELETE FROM event_rows WHERE sid = ?",
			"DELETE FROM contexts WHERE sid = ?",
			"DELETE FROM shapes WHERE sid = ?",
		};
		size_t i;

		for (i = 0; i < ARRAY_SIZE(dels); i++) {
			if (sqlite3_prepare_v2(st->db, dels[i], -1, &q, NULL) != SQLITE_OK)
				goto out;
			sqlite3_bind_int64(q, 1, sid);
			if (sqlite3_step(q) != SQLITE_DONE)
				goto out;
			sqlite3_finalize(q);
			q = NULL;
		}
	}
	res->sessions++;
	res->events += n;
	rc = 0;
out:
	sqlite3_finalize(q);
	return rc;
}

/* The candidates: ended sessions with records, oldest first (by end). */
static int prune_pass(struct store *st, EVP_PKEY *key, int64_t before_ns, int64_t max_bytes,
		      struct store_prune_result *res)
{
	sqlite3_stmt *q;
	int rc = 0;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT s.id, i.n, s.end_ns FROM sessions s"
			       " JOIN session_ids i ON i.id = s.id"
			       " WHERE s.end_ns IS NOT NULL"
			       " AND EXISTS (SELECT 1 FROM event_rows e WHERE e.sid = i.n)"
			       " ORDER BY s.end_ns, s.id",
			       -1, &q, NULL) != SQLITE_OK)
		return -1;
	while (!rc && sqlite3_step(q) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(q, 0);
		int64_t end = sqlite3_column_int64(q, 2);

		if (before_ns && end < before_ns) {
			rc = prune_session(st, key, id, sqlite3_column_int64(q, 1), "older-than",
					   res);
		} else if (max_bytes) {
			int64_t used = count(st, "SELECT (page_count - freelist_count) * page_size"
						 " FROM pragma_page_count, pragma_freelist_count,"
						 " pragma_page_size");
			if (used <= max_bytes)
				break;
			rc = prune_session(st, key, id, sqlite3_column_int64(q, 1), "max-size",
					   res);
		} else {
			break;
		}
	}
	sqlite3_finalize(q);
	return rc;
}

int store_prune(const char *path, EVP_PKEY *key, int64_t before_ns, int64_t max_bytes,
		struct store_prune_result *res, char *err, size_t errlen)
{
	struct store st;

	memset(res, 0, sizeof(*res));
	res->bytes_before = disk_bytes(path);
	if (store_open_existing(&st, path, err, errlen))
		return -1;
	if (st.version != STORE_SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "%s is a schema version %d store: `proctor db migrate --db %s` first",
			 path, st.version, path);
		goto fail;
	}
	if (store_exec(&st, "BEGIN IMMEDIATE", err, errlen))
		goto fail;
	if (prune_pass(&st, key, before_ns, max_bytes, res)) {
		fail_sql(&st, err, errlen);
		sqlite3_exec(st.db, "ROLLBACK", NULL, NULL, NULL);
		goto fail;
	}
	if (store_exec(&st, "COMMIT", err, errlen))
		goto fail;
	if (res->sessions &&
	    store_exec(&st, "VACUUM; PRAGMA wal_checkpoint(TRUNCATE);", err, errlen))
		goto fail;
	store_close(&st);
	res->bytes_after = disk_bytes(path);
	return 0;
fail:
	store_close(&st);
	return -1;
}
