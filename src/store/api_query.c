/* api_query.c: the read queries of `proctor serve` and `proctor report`:
 * sessions filtered and scoped to a token's projects, and pages of a
 * session's events in (time_ns, id) order: dense filters walk the
 * (session, time_ns) index and stop after `limit` rows, selective type
 * filters (and host, which only net.* and dns.* events have) read the
 * (session, type) index. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "store/api.h"
#include "util/strbuf.h"
#include "store/sql_col.h"

static void bind_opt_text(sqlite3_stmt *q, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(q, i, s, -1, SQLITE_TRANSIENT);
}

/* Every filter is optional: NULL or 0 matches all. (?4 is gone: the
 * status, which needs the recorders' liveness, is the API's filter.) */
static const char session_filters[] =
	" (?1 IS NULL OR id = ?1) AND (?2 IS NULL OR agent = ?2)"
	" AND (?3 IS NULL OR project = ?3)"
	" AND (?5 = 0 OR coalesce(nullif(end_ns, 0), 9223372036854775807) >= ?5)"
	" AND (?6 = 0 OR start_ns < ?6)"
	" AND (?7 IS NULL OR project IN (SELECT value FROM json_each(?7)))"
	" ORDER BY start_ns, rowid";

/* events, drops, processes: a session still running (no end yet) counts what
 * the store holds of it so far; an ended one has its final counts. */
#define LIVE_COUNTS(events)                                                                        \
	"CASE WHEN end_ns IS NULL THEN (SELECT count(*) FROM " events ") ELSE events END, drops,"  \
	" CASE WHEN end_ns IS NULL THEN (SELECT count(*) FROM processes p"                         \
	" WHERE p.session = sessions.id) ELSE processes END"
static const char live_counts_v1[] = LIVE_COUNTS("events e WHERE e.session = sessions.id");
static const char live_counts_v2[] = LIVE_COUNTS(
	"event_rows e WHERE e.sid = (SELECT n FROM session_ids WHERE id = sessions.id)");

int store_api_sessions(struct store *st, const struct store_session_query *sq,
		       int (*fn)(void *, const struct store_session_row *), void *ctx)
{
	/* A store from before the origin column (opened read-only, never
	 * migrated) reads as sessions of `proctor run`. */
	static const char with_origin[] = "origin, container, pod";
	static const char without_origin[] = "'run', '', ''";
	char sql[2048];
	sqlite3_stmt *q;
	int rc = 0;

	snprintf(sql, sizeof(sql),
		 "SELECT id, agent, project, user, host, command, start_ns,"
		 " end_ns, exit_code, exit_signal, %s, drops_detail, %s,"
		 " end_ns IS NOT NULL AND exit_code IS NULL, %s"
		 " FROM sessions WHERE%s",
		 st->version == 1 ? live_counts_v1 : live_counts_v2,
		 store_has_column(st, "sessions", "origin") ? with_origin : without_origin,
		 store_has_column(st, "sessions", "sink_drops") ? "sink_drops" : "''",
		 session_filters);
	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	bind_opt_text(q, 1, sq->id);
	bind_opt_text(q, 2, sq->agent);
	bind_opt_text(q, 3, sq->project);
	sqlite3_bind_int64(q, 5, sq->since_ns);
	sqlite3_bind_int64(q, 6, sq->until_ns);
	bind_opt_text(q, 7, sq->projects_json);
	while (!rc && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_session_row r = {
			.id = col_text(q, 0),
			.agent = col_text(q, 1),
			.project = col_text(q, 2),
			.user = col_text(q, 3),
			.host = col_text(q, 4),
			.command_json = col_text(q, 5),
			.start_ns = sqlite3_column_int64(q, 6),
			.end_ns = sqlite3_column_int64(q, 7),
			.exit_code = sqlite3_column_type(q, 8) == SQLITE_NULL
					     ? -1
					     : sqlite3_column_int64(q, 8),
			.exit_signal = sqlite3_column_int64(q, 9),
			.events = sqlite3_column_int64(q, 10),
			.drops = sqlite3_column_int64(q, 11),
			.processes = sqlite3_column_int64(q, 12),
			.drops_detail = col_text(q, 13),
			.origin = col_text(q, 14),
			.container = col_text(q, 15),
			.pod = col_text(q, 16),
			/* ended by store_mark_crashed: an end, no exit code */
			.crashed = sqlite3_column_int(q, 17) != 0,
			.sink_drops = col_text(q, 18),
		};
		rc = fn(ctx, &r);
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : rc ? rc : 0;
}

/* The filters after the cursor, shared by both plans (?2.. as below). */
#define PAGE_FILTERS                                                                               \
	" AND (time_ns, id) > (?2, ?3)"                                                            \
	" AND (?4 = 0 OR time_ns >= ?4) AND (?5 = 0 OR time_ns < ?5)"                              \
	" AND (?6 IS NULL OR type IN (SELECT value FROM json_each(?6)))"                           \
	" AND (?8 = 0 OR pid = ?8)"                                                                \
	" AND (?9 IS NULL OR path GLOB ?9)"                                                        \
	" AND (?10 IS NULL OR json_extract(data, '$.\"server.address\"') = ?10"                    \
	"  OR json_extract(data, '$.\"dns.question.name\"') = ?10"                                 \
	"  OR json_extract(data, '$.\"network.peer.address\"') = ?10)"

/* Dense filters: walk the (session, time_ns) index until the page is full. */
static const char dense_sql[] =
	"SELECT id, time_ns, data FROM events WHERE session = ?1" PAGE_FILTERS
	" ORDER BY time_ns, id LIMIT ?11";
/* Selective type filters (few rows of the session): the matching rows come
 * off the (session, type) index, sorted, and only a page is read in full. */
static const char selective_sql[] =
	"SELECT id, time_ns, data FROM events WHERE id IN ("
	" SELECT id FROM events INDEXED BY events_session_type WHERE session = ?1" PAGE_FILTERS
	" ORDER BY time_ns, id LIMIT ?11) ORDER BY time_ns, id";
/* The same on a v2 store, whose events view takes no INDEXED BY (the
 * planner picks event_rows' (sid, type) index for the type list). */
static const char selective_v2_sql[] = "SELECT id, time_ns, data FROM events WHERE id IN ("
				       " SELECT id FROM events WHERE session = ?1" PAGE_FILTERS
				       " ORDER BY time_ns, id LIMIT ?11) ORDER BY time_ns, id";
/* A pid filter reads the (pid, session, time_ns) index (store/proc_counts.c). */
static const char pid_sql[] = "SELECT id, time_ns, data FROM events WHERE session = ?1"
			      " AND pid = ?8" PAGE_FILTERS " ORDER BY time_ns, id LIMIT ?11";
/* A host filter on a v2 store: the candidates are the net.* and dns.* rows
 * whose packed data holds the host's text (those fields are never packed
 * out, store/compact.c), checked exactly and sorted afterwards. */
static const char host_v2_sql[] =
	"SELECT id, time_ns, data FROM events WHERE id IN ("
	" SELECT e.id FROM event_rows e WHERE e.sid = (SELECT n FROM session_ids WHERE id = ?1)"
	" AND e.type IN (SELECT value FROM json_each(?6)) AND instr(e.data, ?10) > 0)"
	" AND session = ?1" PAGE_FILTERS " ORDER BY time_ns, id LIMIT ?11";
#define SELECTIVE_MAX 4000 /* rows of the chosen types: above, the dense plan */

/* The session's event types (a skip-scan of the (session, type) index, one
 * seek per type) that start with prefix and, for a host filter, are net.*
 * or dns.*: a JSON array in out. Returns how many. */
static int matching_types(struct store *st, const struct store_event_filter *f, struct strbuf *out)
{
	sqlite3_stmt *q;
	int n = 0;

	if (sqlite3_prepare_v2(st->db,
			       "WITH RECURSIVE t(x) AS ("
			       " SELECT (SELECT min(type) FROM events WHERE session = ?1)"
			       " UNION ALL SELECT (SELECT min(type) FROM events"
			       "  WHERE session = ?1 AND type > x) FROM t WHERE x IS NOT NULL)"
			       " SELECT x FROM t WHERE x IS NOT NULL",
			       -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, f->session, -1, SQLITE_TRANSIENT);
	sb_putc(out, '[');
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *t = col_text(q, 0);
		if (f->type_prefix && *f->type_prefix &&
		    strncmp(t, f->type_prefix, strlen(f->type_prefix)))
			continue;
		if (f->host && *f->host && strncmp(t, "net.", 4) && strncmp(t, "dns.", 4))
			continue;
		if (n++)
			sb_putc(out, ',');
		sb_json_str(out, t);
	}
	sb_putc(out, ']');
	sqlite3_finalize(q);
	return n;
}

/* How many events of the session have one of types (stops counting at
 * SELECTIVE_MAX + 1: the index entries only). */
static int64_t count_types(struct store *st, const char *session, const char *types)
{
	sqlite3_stmt *q;
	int64_t n = -1;

	if (sqlite3_prepare_v2(st->db,
			       st->version == 1
				       ? "SELECT count(*) FROM (SELECT 1 FROM events INDEXED BY"
					 " events_session_type WHERE session = ?1 AND type IN"
					 " (SELECT value FROM json_each(?2)) LIMIT ?3)"
				       : "SELECT count(*) FROM (SELECT 1 FROM events"
					 " WHERE session = ?1 AND type IN"
					 " (SELECT value FROM json_each(?2)) LIMIT ?3)",
			       -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, session, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, types, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 3, SELECTIVE_MAX + 1);
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

/* A host JSON writes as it is (no escapes): its text is in the record. */
static bool plain_host(const char *h)
{
	for (; *h; h++)
		if (!isalnum((unsigned char)*h) && !strchr(".-_:%[]", *h))
			return false;
	return true;
}

int store_api_events(struct store *st, const struct store_event_page *p,
		     int (*fn)(void *, int64_t, int64_t, const char *), void *ctx)
{
	struct strbuf types = STRBUF_INIT;
	const char *sql = dense_sql;
	sqlite3_stmt *q;
	int rc = 0, n = 0;

	if ((p->f.type_prefix && *p->f.type_prefix) || (p->f.host && *p->f.host)) {
		int nt = matching_types(st, &p->f, &types);
		int64_t rows;

		if (nt < 0) {
			sb_free(&types);
			return -1;
		}
		if (nt == 0) {
			sb_free(&types);
			return 0;
		}
		if ((rows = count_types(st, p->f.session, sb_cstr(&types))) < 0) {
			sb_free(&types);
			return -1;
		}
		if (rows <= SELECTIVE_MAX)
			sql = st->version == 1 ? selective_sql : selective_v2_sql;
		else if (st->version >= 2 && p->f.host && *p->f.host && plain_host(p->f.host))
			sql = host_v2_sql;
	}
	if (sql == dense_sql && p->f.pid)
		sql = pid_sql;
	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK) {
		sb_free(&types);
		return -1;
	}
	sqlite3_bind_text(q, 1, p->f.session, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 2, p->after_time);
	sqlite3_bind_int64(q, 3, p->after_id);
	sqlite3_bind_int64(q, 4, p->since_ns);
	sqlite3_bind_int64(q, 5, p->until_ns);
	if (types.len)
		sqlite3_bind_text(q, 6, sb_cstr(&types), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 8, p->f.pid);
	bind_opt_text(q, 9, p->f.path_glob);
	bind_opt_text(q, 10, p->f.host);
	sqlite3_bind_int(q, 11, p->limit);
	while (!rc && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		rc = fn(ctx, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1),
			col_text(q, 2));
		n++;
	}
	sqlite3_finalize(q);
	sb_free(&types);
	if (rc != SQLITE_DONE && rc != 0)
		return -1;
	return n;
}

int store_api_tail(struct store *st, const char *session, int64_t after_id, int limit,
		   int (*fn)(void *, int64_t, int64_t, const char *), void *ctx)
{
	sqlite3_stmt *q;
	int rc = 0, n = 0;

	/* a rowid range (only what came after) filtered by session */
	if (sqlite3_prepare_v2(st->db,
			       "SELECT id, time_ns, data FROM events WHERE id > ?2 AND session = ?1"
			       " ORDER BY id LIMIT ?3",
			       -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, session, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 2, after_id);
	sqlite3_bind_int(q, 3, limit);
	while (!rc && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		rc = fn(ctx, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1),
			col_text(q, 2));
		n++;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? n : -1;
}

int store_api_max_id(struct store *st, int64_t *id)
{
	sqlite3_stmt *q;
	int rc;

	*id = 0;
	if (sqlite3_prepare_v2(st->db, "SELECT coalesce(max(id), 0) FROM events", -1, &q, NULL) !=
	    SQLITE_OK)
		return -1;
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? 0 : -1;
}
