/* query_llm.c: a session's LLM activity read back for `proctor tree`: the
 * header's model calls, tokens, cost, tool calls by name, intent mismatches
 * by reason, and the processes each tool call caused (docs/EVENTS-llm.md). */
#include <stdio.h>
#include <string.h>

#include "store/store.h"

static const char calls_sql[] =
	"SELECT count(*), coalesce(sum(json_extract(data, '$.\"gen_ai.usage.input_tokens\"')), 0),"
	" coalesce(sum(json_extract(data, '$.\"gen_ai.usage.output_tokens\"')), 0),"
	" count(json_extract(data, '$.\"llm.cost_usd\"')),"
	" coalesce(sum(json_extract(data, '$.\"llm.cost_usd\"')), 0)"
	" FROM events WHERE session = ?1 AND type = 'llm.call'";

/* (name, count) of a type's key, in order of first use. */
static const char by_sql[] =
	"SELECT k, count(*) FROM (SELECT id, coalesce(json_extract(data, ?3), '?') AS k"
	" FROM events WHERE session = ?1 AND type = ?2) GROUP BY k ORDER BY min(id)";

/* "a 1, b 2" into out; the total in *total. */
static int count_by(struct store *st, const char *session, const char *type, const char *key,
		    char *out, size_t len, int64_t *total)
{
	sqlite3_stmt *q;
	size_t n = 0;
	int step;

	out[0] = 0;
	*total = 0;
	if (sqlite3_prepare_v2(st->db, by_sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, session, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, key, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(q, 0);
		int64_t c = sqlite3_column_int64(q, 1);
		*total += c;
		if (n < len)
			n += (size_t)snprintf(out + n, len - n, "%s%s %lld", n ? ", " : "",
					      k ? k : "?", (long long)c);
	}
	sqlite3_finalize(q);
	return step == SQLITE_DONE ? 0 : -1;
}

int store_llm_summary(struct store *st, const char *session, struct store_llm_summary *out)
{
	sqlite3_stmt *q;
	int step;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(st->db, calls_sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, session, -1, SQLITE_TRANSIENT);
	if ((step = sqlite3_step(q)) == SQLITE_ROW) {
		out->calls = sqlite3_column_int64(q, 0);
		out->in_tokens = sqlite3_column_int64(q, 1);
		out->out_tokens = sqlite3_column_int64(q, 2);
		out->priced = sqlite3_column_int64(q, 3);
		out->cost_usd = sqlite3_column_double(q, 4);
	}
	sqlite3_finalize(q);
	if (step != SQLITE_ROW)
		return -1;
	if (count_by(st, session, "llm.tool_call", "$.\"gen_ai.tool.name\"", out->tools,
		     sizeof(out->tools), &out->tool_calls) ||
	    count_by(st, session, "intent.mismatch", "$.\"intent.reason\"", out->mismatch_by,
		     sizeof(out->mismatch_by), &out->mismatches))
		return -1;
	return 0;
}

static const char tool_exec_sql[] =
	"SELECT json_extract(e.data, '$.\"process.pid\"'), e.tid, coalesce(t.name, ''),"
	" coalesce(t.cmd, '')"
	" FROM (SELECT id, data, json_extract(data, '$.\"gen_ai.tool.call.id\"') AS tid"
	"       FROM events WHERE session = ?1 AND type = 'process.exec') AS e"
	" LEFT JOIN (SELECT json_extract(data, '$.\"gen_ai.tool.call.id\"') AS tid,"
	"            min(json_extract(data, '$.\"gen_ai.tool.name\"')) AS name,"
	"            min(json_extract(data, '$.\"llm.tool.command\"')) AS cmd"
	"            FROM events WHERE session = ?1 AND type = 'llm.tool_call' GROUP BY tid) AS t"
	" ON t.tid = e.tid WHERE e.tid IS NOT NULL ORDER BY e.id";

int store_foreach_tool_exec(struct store *st, const char *session,
			    int (*fn)(void *ctx, int64_t pid, const char *id, const char *name,
				      const char *command),
			    void *ctx)
{
	sqlite3_stmt *q;
	int step, rc = 0;

	if (sqlite3_prepare_v2(st->db, tool_exec_sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, session, -1, SQLITE_TRANSIENT);
	while (!rc && (step = sqlite3_step(q)) == SQLITE_ROW)
		rc = fn(ctx, sqlite3_column_int64(q, 0), (const char *)sqlite3_column_text(q, 1),
			(const char *)sqlite3_column_text(q, 2),
			(const char *)sqlite3_column_text(q, 3));
	sqlite3_finalize(q);
	return rc ? rc : step == SQLITE_DONE ? 0 : -1;
}
