/* query.c: the read queries behind the CLI: sessions, processes, events
 * (filtered), and the per-process activity notes of `proctor tree`. */
#include <stdio.h>
#include <string.h>

#include "store/api.h"
#include "store/proc_counts.h"
#include "store/store.h"
#include "util/strbuf.h"
#include "util/util.h"
#include "store/sql_col.h"

/* Run a one-column query with optional ?1; copy up to two rows' ids. */
static int session_ids(struct store *st, const char *sql, const char *arg, char ids[2][64])
{
	sqlite3_stmt *q;
	int n = 0;

	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	if (arg)
		sqlite3_bind_text(q, 1, arg, -1, SQLITE_TRANSIENT);
	while (n < 2 && sqlite3_step(q) == SQLITE_ROW) {
		snprintf(ids[n], 64, "%s", col_text(q, 0));
		n++;
	}
	sqlite3_finalize(q);
	return n;
}

int store_resolve_session(struct store *st, const char *want, char *id, size_t idlen, char *err,
			  size_t errlen)
{
	char ids[2][64];
	int n;

	if (!want || !*want || !strcmp(want, "latest")) {
		n = session_ids(
			st, "SELECT id FROM sessions ORDER BY start_ns DESC, rowid DESC LIMIT 1",
			NULL, ids);
		if (n <= 0) {
			snprintf(err, errlen, "the store %s has no sessions yet", st->path);
			return -1;
		}
	} else {
		n = session_ids(st, "SELECT id FROM sessions WHERE id = ?1", want, ids);
		if (n == 0)
			n = session_ids(
				st,
				"SELECT id FROM sessions WHERE substr(id, 1, length(?1)) = ?1"
				" LIMIT 2",
				want, ids);
		if (n <= 0) {
			snprintf(err, errlen, "no session matches '%s'", want);
			return -1;
		}
		if (n > 1) {
			snprintf(err, errlen, "session prefix '%s' is ambiguous (%s, %s, ...)",
				 want, ids[0], ids[1]);
			return -1;
		}
	}
	snprintf(id, idlen, "%s", ids[0]);
	return 0;
}

/* Every session, oldest first: the API's query with no filter. */
int store_foreach_session(struct store *st, int (*fn)(void *, const struct store_session_row *),
			  void *ctx)
{
	struct store_session_query q = {0};

	return store_api_sessions(st, &q, fn, ctx);
}

int store_foreach_process(struct store *st, const char *session,
			  int (*fn)(void *, const struct store_process_row *), void *ctx)
{
	sqlite3_stmt *q;
	int rc = 0, step = SQLITE_DONE;

	if (sqlite3_prepare_v2(
		    st->db,
		    "SELECT id, pid, ppid, start_ns, exec_ns, end_ns, exit_code, uid, threads,"
		    " exe, argv, cwd, comm, exit_signal, cmdline FROM processes WHERE session = ?"
		    " ORDER BY coalesce(start_ns, exec_ns), id",
		    -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, session, -1, SQLITE_TRANSIENT);
	while (!rc && (step = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_process_row r = {
			.rowid = sqlite3_column_int64(q, 0),
			.pid = sqlite3_column_int64(q, 1),
			.ppid = sqlite3_column_int64(q, 2),
			.start_ns = sqlite3_column_int64(q, 3),
			.exec_ns = sqlite3_column_int64(q, 4),
			.end_ns = sqlite3_column_int64(q, 5),
			.exit_code = sqlite3_column_int64(q, 6),
			.uid = sqlite3_column_int64(q, 7),
			.threads = sqlite3_column_int64(q, 8),
			.has_exit = sqlite3_column_type(q, 6) != SQLITE_NULL,
			.exe = col_text(q, 9),
			.argv_json = col_text(q, 10),
			.cwd = col_text(q, 11),
			.comm = col_text(q, 12),
			.exit_signal = col_text(q, 13),
			.cmdline = col_text(q, 14),
		};
		rc = fn(ctx, &r);
	}
	if (!rc && step != SQLITE_DONE)
		rc = -1; /* a damaged file: store_errmsg says so */
	sqlite3_finalize(q);
	return rc;
}

/* The filters of an event read in store order: a tail reads the rowid
 * range after after_id, the whole session its session index. */
#define EVENT_FILTERS                                                                              \
	" AND (?2 IS NULL OR substr(type, 1, length(?2)) = ?2)"                                    \
	" AND (?3 = 0 OR pid = ?3)"                                                                \
	" AND (?4 IS NULL OR path GLOB ?4"                                                         \
	"  OR json_extract(data, '$.\"file.target_path\"') GLOB ?4)"                               \
	" AND (?5 IS NULL OR json_extract(data, '$.\"server.address\"') = ?5"                      \
	"  OR json_extract(data, '$.\"dns.question.name\"') = ?5"                                  \
	"  OR json_extract(data, '$.\"network.peer.address\"') = ?5)"                              \
	" AND (?7 IS NULL OR json_extract(data, '$.\"gen_ai.tool.call.id\"') = ?7)"                \
	" ORDER BY id"

int store_foreach_event(struct store *st, const struct store_event_filter *f,
			int (*fn)(void *, const char *, const char *), void *ctx)
{
	static const char whole[] =
		"SELECT data, summary, id FROM events WHERE session = ?1 AND ?6 = 0" EVENT_FILTERS;
	static const char tail[] =
		"SELECT data, summary, id FROM events WHERE id > ?6 AND session = ?1" EVENT_FILTERS;
	sqlite3_stmt *q;
	int rc = 0, step = SQLITE_DONE;

	if (sqlite3_prepare_v2(st->db, f->after_id ? tail : whole, -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, f->session, -1, SQLITE_TRANSIENT);
	if (f->type_prefix)
		sqlite3_bind_text(q, 2, f->type_prefix, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 3, f->pid);
	if (f->path_glob)
		sqlite3_bind_text(q, 4, f->path_glob, -1, SQLITE_TRANSIENT);
	if (f->host)
		sqlite3_bind_text(q, 5, f->host, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 6, f->after_id);
	if (f->tool_call)
		sqlite3_bind_text(q, 7, f->tool_call, -1, SQLITE_TRANSIENT);
	while (!rc && (step = sqlite3_step(q)) == SQLITE_ROW) {
		if (f->last_id)
			*f->last_id = sqlite3_column_int64(q, 2);
		rc = fn(ctx, col_text(q, 0), col_text(q, 1));
	}
	if (!rc && step != SQLITE_DONE)
		rc = -1; /* a damaged file: store_errmsg says so */
	sqlite3_finalize(q);
	return rc;
}

/* One SQL query per kind of activity; each row is (pid, note text). */
static const char *const annotation_sql[] = {
	/* a process that exec'd more than once (env, setsid, unshare, sudo ...) */
	"SELECT pid, 'exec chain: ' || group_concat(summary, ' ⇒ ') FROM ("
	" SELECT pid, substr(summary, 1, 80) AS summary FROM events"
	" WHERE session=?1 AND type='process.exec' ORDER BY id)"
	" GROUP BY pid HAVING count(*) > 1",
	/* files: opens, failed opens, writes, metadata changes (the JSON is
	 * parsed only for the aggregated opens that carry a count: 4x faster
	 * on 1M events) */
	"SELECT pid, 'files: ' || sum(CASE WHEN type='file.open' AND NOT failed THEN n ELSE 0 END)"
	" || ' opened'"
	" || CASE WHEN sum(type='file.open' AND failed) > 0 THEN ', ' ||"
	" sum(CASE WHEN type='file.open' AND failed THEN n ELSE 0 END) || ' failed to open' ELSE"
	" '' END"
	" || CASE WHEN sum(type='file.write') > 0 THEN ', ' || sum(type='file.write') || ' "
	"written' ELSE '' END"
	" || CASE WHEN sum(type='file.metadata') > 0 THEN ', ' || sum(type='file.metadata') || ' "
	"changed' ELSE '' END"
	" FROM (SELECT pid, type, instr(data, '\"event.outcome\":\"failure\"') > 0 AS failed,"
	"  CASE WHEN type='file.open' AND instr(data, '\"file.open_count\"') > 0 THEN"
	"  coalesce(json_extract(data,'$.\"file.open_count\"'), 1) ELSE 1 END AS n"
	"  FROM events WHERE session=?1 AND type IN ('file.open','file.write','file.metadata'))"
	" GROUP BY pid",
	/* credential reads: filled in with the glob list (cred_reads_sql) */
	NULL,
	/* network: flows with verdicts and bytes, and connects when no flows exist */
	"SELECT pid, 'net: ' || group_concat(dest, ', ') FROM ("
	" SELECT pid, coalesce(nullif(json_extract(data,'$.\"server.address\"'),''),"
	"  json_extract(data,'$.\"network.peer.address\"')) || ':' ||"
	"  coalesce(json_extract(data,'$.\"network.peer.port\"'),'')"
	"  || CASE WHEN type='net.flow' THEN ' ' || json_extract(data,'$.verdict') ||"
	"   ' (out ' || json_extract(data,'$.\"flow.bytes_out\"') || ' B, in ' ||"
	"   json_extract(data,'$.\"flow.bytes_in\"') || ' B)' ELSE '' END AS dest"
	" FROM events WHERE session=?1 AND (type='net.flow' OR (type='net.connect' AND NOT EXISTS"
	"  (SELECT 1 FROM events f WHERE f.session=?1 AND f.type='net.flow')))"
	" GROUP BY pid, dest) GROUP BY pid",
	/* DNS names resolved */
	"SELECT pid, 'dns: ' || group_concat(DISTINCT json_extract(data,'$.\"dns.question.name\"'))"
	" FROM events WHERE session=?1 AND type='dns.query' GROUP BY pid",
	/* privilege changes and escape attempts */
	"SELECT pid, 'privilege: ' || group_concat(DISTINCT "
	"json_extract(data,'$.\"privilege.operation\"'))"
	" FROM events WHERE session=?1 AND type='security.privilege' GROUP BY pid",
	"SELECT pid, 'ESCAPE ATTEMPT: ' || group_concat(DISTINCT "
	"json_extract(data,'$.\"escape.category\"')"
	" || '(' || json_extract(data,'$.\"escape.syscall\"') || ')')"
	" FROM events WHERE session=?1 AND type='security.escape' GROUP BY pid",
	"SELECT pid, 'memory: ' || group_concat(DISTINCT "
	"json_extract(data,'$.\"memory.operation\"'))"
	" FROM events WHERE session=?1 AND type='security.memexec' GROUP BY pid",
	/* information-flow labels: where each came from (policy.label: the file or
	 * the fd read, and why), or inherited (labelled at its exec, no record) */
	"SELECT pid, 'LABEL ' || (SELECT group_concat(value, '+') FROM"
	" json_each(json_extract(data,'$.\"policy.labels\"'))) || ' from ' ||"
	" coalesce(json_extract(data,'$.\"file.path\"'),"
	"  'fd ' || json_extract(data,'$.\"file.fd\"')) ||"
	" ' (' || json_extract(data,'$.\"policy.label.cause\"') || ')'"
	" FROM events WHERE session=?1 AND type='policy.label' ORDER BY id",
	"SELECT pid, 'LABEL ' || group_concat(DISTINCT j.value) || ' inherited' FROM events e,"
	" json_each(json_extract(e.data,'$.\"process.labels\"')) j"
	" WHERE e.session=?1 AND e.type='process.exec' AND NOT EXISTS (SELECT 1 FROM events l"
	"  WHERE l.session=?1 AND l.type='policy.label' AND l.pid=e.pid) GROUP BY e.pid",
};

/* The same notes on a store with the per-process counters (schema v2,
 * store/proc_counts.h), where they need not read every row of a type:
 * NULL keeps annotation_sql's query. */
#define SID_OF "(SELECT n FROM session_ids WHERE id = ?1)"
static const char *const counted_sql[ARRAY_SIZE(annotation_sql)] = {
	/* exec chains: only the pids the counters say exec'd more than once
	 * (their process.exec rows off the pid index) */
	[0] = "SELECT pid, 'exec chain: ' || group_concat(summary, ' ⇒ ') FROM ("
	      " SELECT pid, substr(summary, 1, 80) AS summary FROM events WHERE id IN ("
	      "  SELECT e.id FROM proc_counts c JOIN event_rows e ON e.pid = c.pid"
	      "  AND e.sid = c.sid AND e.type = 'process.exec'"
	      "  WHERE c.sid = " SID_OF " AND c.type = 'process.exec' AND c.events > 1)"
	      " ORDER BY id) GROUP BY pid",
	/* network: the flows only (the connects are counted) */
	[3] = "SELECT pid, 'net: ' || group_concat(dest, ', ') FROM ("
	      " SELECT pid, coalesce(nullif(json_extract(data,'$.\"server.address\"'),''),"
	      "  json_extract(data,'$.\"network.peer.address\"')) || ':' ||"
	      "  coalesce(json_extract(data,'$.\"network.peer.port\"'),'') || ' ' ||"
	      "  json_extract(data,'$.verdict') ||"
	      "  ' (out ' || json_extract(data,'$.\"flow.bytes_out\"') || ' B, in ' ||"
	      "  json_extract(data,'$.\"flow.bytes_in\"') || ' B)' AS dest"
	      " FROM events WHERE session=?1 AND type='net.flow'"
	      " GROUP BY pid, dest) GROUP BY pid",
	/* inherited labels: the process.exec rows whose own (never packed,
	 * store/compact.c) data holds process.labels, and only in a session
	 * where a label was given (a policy.label record: docs/EVENTS-policy.md)
	 * or may have been lost (drops), or that is still running */
	[9] = "SELECT pid, 'LABEL ' || group_concat(DISTINCT j.value) || ' inherited' FROM events "
	      "e,"
	      " json_each(json_extract(e.data,'$.\"process.labels\"')) j"
	      " WHERE e.id IN (SELECT id FROM event_rows WHERE sid = " SID_OF
	      "  AND type = 'process.exec' AND instr(data, '\"process.labels\"') > 0"
	      "  AND (EXISTS (SELECT 1 FROM event_rows WHERE sid = " SID_OF
	      "   AND type = 'policy.label')"
	      "   OR (SELECT drops != 0 OR end_ns IS NULL FROM sessions WHERE id = ?1)))"
	      " AND NOT EXISTS (SELECT 1 FROM events l"
	      "  WHERE l.session=?1 AND l.type='policy.label' AND l.pid=e.pid) GROUP BY e.pid",
};

static int cred_reads_sql(struct strbuf *sb, const char *const *globs)
{
	size_t i;

	sb_puts(sb, "SELECT pid, 'SENSITIVE READ: ' || group_concat(DISTINCT path)"
		    " FROM events WHERE session=?1 AND type='file.open' AND (");
	for (i = 0; globs[i]; i++) {
		char *g = sqlite3_mprintf("%Q", globs[i]);
		if (!g)
			return -1;
		sb_printf(sb, "%spath GLOB %s", i ? " OR " : "", g);
		sqlite3_free(g);
	}
	if (!i)
		sb_puts(sb, "0");
	sb_puts(sb, ") GROUP BY pid");
	return 0;
}

int store_foreach_tree_note(struct store *st, const char *session, const char *const *cred_globs,
			    int (*fn)(void *ctx, int64_t pid, const char *note), void *ctx)
{
	struct strbuf creds = STRBUF_INIT;
	bool counted = proc_counts_present(st);
	size_t k;
	int rc = 0, step = SQLITE_DONE;

	if (cred_reads_sql(&creds, cred_globs)) {
		sb_free(&creds);
		return -1;
	}
	for (k = 0; k < ARRAY_SIZE(annotation_sql) && !rc; k++) {
		const char *sql = annotation_sql[k] ? annotation_sql[k] : sb_cstr(&creds);
		sqlite3_stmt *q;

		if (counted && counted_sql[k])
			sql = counted_sql[k];

		if (k == 1 && counted) { /* files and credential reads, counted */
			rc = proc_counts_tree_notes(st, session, fn, ctx);
			k++;
			continue;
		}

		if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK) {
			dbg_msg("tree annotation %zu: %s", k, sqlite3_errmsg(st->db));
			continue;
		}
		sqlite3_bind_text(q, 1, session, -1, SQLITE_TRANSIENT);
		while (!rc && (step = sqlite3_step(q)) == SQLITE_ROW) {
			const unsigned char *t = sqlite3_column_text(q, 1);
			if (t)
				rc = fn(ctx, sqlite3_column_int64(q, 0), (const char *)t);
		}
		if (!rc && step != SQLITE_DONE)
			rc = -1; /* a damaged file: store_errmsg says so */
		sqlite3_finalize(q);
		if (k == 3 && counted && !rc)
			rc = proc_counts_peer_notes(st, session, fn, ctx);
	}
	sb_free(&creds);
	return rc;
}

int store_mark_crashed(struct store *st, const char *id)
{
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(st->db,
			       "UPDATE sessions SET"
			       " end_ns = coalesce((SELECT max(time_ns) FROM events WHERE session "
			       "= ?1), start_ns),"
			       " events = (SELECT count(*) FROM events WHERE session = ?1),"
			       " processes = (SELECT count(*) FROM processes WHERE session = ?1),"
			       " exit_code = NULL WHERE id = ?1 AND end_ns IS NULL",
			       -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(q);
	return rc;
}

int store_session_counts(struct store *st, const char *id, int64_t *events, int64_t *processes)
{
	sqlite3_stmt *q;
	int rc = -1;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT (SELECT count(*) FROM events WHERE session=?1),"
			       " (SELECT count(*) FROM processes WHERE session=?1)",
			       -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		*events = sqlite3_column_int64(q, 0);
		*processes = sqlite3_column_int64(q, 1);
		rc = 0;
	}
	sqlite3_finalize(q);
	return rc;
}
