/* report_query.c: the aggregate queries of `proctor report`: event counts
 * by type, egress by destination and verdict, sensitive reads, redacted
 * secrets, the notable events (security, policy) in order, and the model
 * calls with their tokens, cost and intent mismatches. Each runs on
 * the (session, type) index except the redaction scan, which reads the
 * session's rows once. */
#include <stdio.h>
#include <string.h>

#include "store/api.h"
#include "store/proc_counts.h"
#include "util/strbuf.h"
#include "store/sql_col.h"

static int prepare(struct store *st, const char *sql, const char *session, sqlite3_stmt **q)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(*q, 1, session, -1, SQLITE_TRANSIENT);
	return 0;
}

static int finish(sqlite3_stmt *q, int rc)
{
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : rc ? rc : 0;
}

static int type_count_rows(struct store *st, const char *sql, const char *session,
			   int (*fn)(void *, const char *, int64_t), void *ctx)
{
	sqlite3_stmt *q;
	int rc = 0;

	if (prepare(st, sql, session, &q))
		return -1;
	while (!rc && (rc = sqlite3_step(q)) == SQLITE_ROW)
		rc = fn(ctx, col_text(q, 0), sqlite3_column_int64(q, 1));
	return finish(q, rc);
}

int store_report_type_counts(struct store *st, const char *session,
			     int (*fn)(void *, const char *, int64_t), void *ctx)
{
	if (proc_counts_present(st))
		return proc_counts_by_type(st, session, false, fn, ctx);
	return type_count_rows(st,
			       "SELECT type, count(*) FROM events WHERE session = ?1"
			       " GROUP BY type ORDER BY type",
			       session, fn, ctx);
}

int store_report_redacted(struct store *st, const char *session,
			  int (*fn)(void *, const char *, int64_t), void *ctx)
{
	if (proc_counts_present(st))
		return proc_counts_by_type(st, session, true, fn, ctx);
	return type_count_rows(st,
			       "SELECT type, count(*) FROM events WHERE session = ?1"
			       " AND instr(data, '[REDACTED:') > 0 GROUP BY type ORDER BY type",
			       session, fn, ctx);
}

int store_report_egress(struct store *st, const char *session,
			int (*fn)(void *, const char *, const char *, int64_t, int64_t, int64_t),
			void *ctx)
{
	sqlite3_stmt *q;
	int rc = 0;

	if (prepare(st,
		    "SELECT coalesce(nullif(json_extract(data,'$.\"server.address\"'),''),"
		    " json_extract(data,'$.\"network.peer.address\"')) || ':' ||"
		    " coalesce(json_extract(data,'$.\"network.peer.port\"'),'') AS dest,"
		    " json_extract(data,'$.verdict') AS verdict, count(*),"
		    " sum(json_extract(data,'$.\"flow.bytes_out\"')),"
		    " sum(json_extract(data,'$.\"flow.bytes_in\"'))"
		    " FROM events WHERE session = ?1 AND type = 'net.flow'"
		    " GROUP BY dest, verdict ORDER BY verdict = 'ALLOWED', dest",
		    session, &q))
		return -1;
	while (!rc && (rc = sqlite3_step(q)) == SQLITE_ROW)
		rc = fn(ctx, col_text(q, 0), col_text(q, 1), sqlite3_column_int64(q, 2),
			sqlite3_column_int64(q, 3), sqlite3_column_int64(q, 4));
	return finish(q, rc);
}

int store_report_sensitive(struct store *st, const char *session, const char *const *globs,
			   int (*fn)(void *, int64_t, const char *, int64_t), void *ctx)
{
	struct strbuf sql = STRBUF_INIT;
	sqlite3_stmt *q;
	size_t i;
	int rc = 0;

	if (proc_counts_present(st)) /* the globs are model/paths.h's, as the writer's */
		return proc_counts_sensitive(st, session, fn, ctx);
	sb_puts(&sql, "SELECT pid, path, count(*) FROM events WHERE session = ?1"
		      " AND type = 'file.open' AND (");
	for (i = 0; globs[i]; i++) {
		char *g = sqlite3_mprintf("%Q", globs[i]);
		if (!g) {
			sb_free(&sql);
			return -1;
		}
		sb_printf(&sql, "%spath GLOB %s", i ? " OR " : "", g);
		sqlite3_free(g);
	}
	sb_puts(&sql, i ? ") GROUP BY pid, path ORDER BY min(id)" : "0)");
	rc = prepare(st, sb_cstr(&sql), session, &q);
	sb_free(&sql);
	if (rc)
		return -1;
	while (!rc && (rc = sqlite3_step(q)) == SQLITE_ROW)
		rc = fn(ctx, sqlite3_column_int64(q, 0), col_text(q, 1),
			sqlite3_column_int64(q, 2));
	return finish(q, rc);
}

int64_t store_report_events(struct store *st, const char *session, const char *type_prefix,
			    int limit,
			    int (*fn)(void *, int64_t, int64_t, const char *, const char *),
			    void *ctx)
{
	char glob[128];
	sqlite3_stmt *q;
	int64_t total = 0;
	int rc = 0;

	snprintf(glob, sizeof(glob), "%s*", type_prefix);
	if (prepare(st,
		    "SELECT time_ns, pid, type, summary, count(*) OVER () FROM events"
		    " WHERE session = ?1 AND type GLOB ?2"
		    " ORDER BY time_ns, id LIMIT ?3",
		    session, &q))
		return -1;
	sqlite3_bind_text(q, 2, glob, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 3, limit);
	while (!rc && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		total = sqlite3_column_int64(q, 4);
		rc = fn(ctx, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1), col_text(q, 2),
			col_text(q, 3));
	}
	if (finish(q, rc))
		return -1;
	return total;
}

/* The model calls: fields absent from a record (llm.cost_usd before the
 * price table) are NULL, never an error. */
static const char llm_calls_sql[] =
	"SELECT time_ns, pid, coalesce(json_extract(data, '$.\"gen_ai.provider.name\"'), ''),"
	" coalesce(json_extract(data, '$.\"gen_ai.response.model\"'),"
	"  json_extract(data, '$.\"gen_ai.request.model\"'), ''),"
	" json_extract(data, '$.\"gen_ai.usage.input_tokens\"'),"
	" json_extract(data, '$.\"gen_ai.usage.output_tokens\"'),"
	" json_extract(data, '$.\"llm.duration_ms\"'),"
	" coalesce(json(json_extract(data, '$.\"llm.tool_calls.names\"')), '[]'),"
	" json_extract(data, '$.\"llm.cost_usd\"'),"
	" coalesce(json_extract(data, '$.\"llm.complete\"'), 1), count(*) OVER ()"
	" FROM events WHERE session = ?1 AND type = 'llm.call' ORDER BY time_ns, id LIMIT ?2";

static const char llm_totals_sql[] =
	"SELECT count(*), coalesce(sum(json_extract(data, '$.\"gen_ai.usage.input_tokens\"')), 0),"
	" coalesce(sum(json_extract(data, '$.\"gen_ai.usage.output_tokens\"')), 0),"
	" count(json_extract(data, '$.\"llm.cost_usd\"')),"
	" total(json_extract(data, '$.\"llm.cost_usd\"')),"
	" (SELECT count(*) FROM events WHERE session = ?1 AND type = 'llm.tool_call')"
	" FROM events WHERE session = ?1 AND type = 'llm.call'";

static const char intent_sql[] =
	"SELECT time_ns, pid, coalesce(json_extract(data, '$.\"gen_ai.tool.call.id\"'), ''),"
	" coalesce(json_extract(data, '$.\"intent.reason\"'), ''),"
	" coalesce(json_extract(data, '$.\"intent.declared\"'), ''),"
	" coalesce(json_extract(data, '$.\"intent.observed\"'), ''), count(*) OVER ()"
	" FROM events WHERE session = ?1 AND type = 'intent.mismatch'"
	" ORDER BY time_ns, id LIMIT ?2";

static int64_t int_or_absent(sqlite3_stmt *q, int i)
{
	return sqlite3_column_type(q, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(q, i);
}

int64_t store_report_llm_calls(struct store *st, const char *session, int limit,
			       int (*fn)(void *, const struct store_llm_call *), void *ctx)
{
	sqlite3_stmt *q;
	int64_t total = 0;
	int rc = 0;

	if (prepare(st, llm_calls_sql, session, &q))
		return -1;
	sqlite3_bind_int(q, 2, limit);
	while (!rc && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_llm_call c = {
			.time_ns = sqlite3_column_int64(q, 0),
			.pid = sqlite3_column_int64(q, 1),
			.provider = col_text(q, 2),
			.model = col_text(q, 3),
			.input_tokens = int_or_absent(q, 4),
			.output_tokens = int_or_absent(q, 5),
			.duration_ms = int_or_absent(q, 6),
			.tool_names_json = col_text(q, 7),
			.has_cost = sqlite3_column_type(q, 8) != SQLITE_NULL,
			.cost_usd = sqlite3_column_double(q, 8),
			.complete = sqlite3_column_int(q, 9) != 0,
		};
		total = sqlite3_column_int64(q, 10);
		rc = fn(ctx, &c);
	}
	if (finish(q, rc))
		return -1;
	return total;
}

int store_report_llm_totals(struct store *st, const char *session, struct store_llm_totals *t)
{
	sqlite3_stmt *q;
	int rc;

	memset(t, 0, sizeof(*t));
	if (prepare(st, llm_totals_sql, session, &q))
		return -1;
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		t->calls = sqlite3_column_int64(q, 0);
		t->input_tokens = sqlite3_column_int64(q, 1);
		t->output_tokens = sqlite3_column_int64(q, 2);
		t->priced = sqlite3_column_int64(q, 3);
		t->cost_usd = sqlite3_column_double(q, 4);
		t->tool_calls = sqlite3_column_int64(q, 5);
		rc = SQLITE_DONE;
	}
	return finish(q, rc);
}

int64_t store_report_intent(struct store *st, const char *session, int limit,
			    int (*fn)(void *, const struct store_intent_mismatch *), void *ctx)
{
	sqlite3_stmt *q;
	int64_t total = 0;
	int rc = 0;

	if (prepare(st, intent_sql, session, &q))
		return -1;
	sqlite3_bind_int(q, 2, limit);
	while (!rc && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_intent_mismatch m = {
			.time_ns = sqlite3_column_int64(q, 0),
			.pid = sqlite3_column_int64(q, 1),
			.call_id = col_text(q, 2),
			.reason = col_text(q, 3),
			.declared = col_text(q, 4),
			.observed = col_text(q, 5),
		};
		total = sqlite3_column_int64(q, 6);
		rc = fn(ctx, &m);
	}
	if (finish(q, rc))
		return -1;
	return total;
}
