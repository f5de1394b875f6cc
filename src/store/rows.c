/* rows.c: schema v2 events rows (see rows.h): prepared inserts for
 * event_rows, contexts and session_ids, and a direct-mapped cache of the
 * contexts rows already written, so that a process's shared fields are
 * stored once. */
#include "store/rows.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "store/chain.h"
#include "store/compact.h"

#define CTX_SLOTS 4096 /* cached contexts rows (a power of two) */

struct ctx_slot {
	uint64_t hash;
	int64_t id;
	char *key; /* sid and the runs, NUL-separated; NULL: empty slot */
	size_t klen;
};

enum { R_EVENT, R_CTX, R_SHAPE, R_SID_INSERT, R_SID_SELECT, R_COUNT };

static const char *const row_sqls[R_COUNT] = {
	[R_EVENT] = "INSERT INTO event_rows(id, sid, time_ns, type, pid, path, summary, data, ctx,"
		    " shape, seq, digest) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
	[R_CTX] = "INSERT INTO contexts(sid, r1, r2, r3, r4) VALUES(?,?,?,?,?)",
	[R_SHAPE] = "INSERT INTO shapes(sid, s1, s2, s3) VALUES(?,?,?,?)",
	[R_SID_INSERT] = "INSERT OR IGNORE INTO session_ids(id) VALUES(?)",
	[R_SID_SELECT] = "SELECT n FROM session_ids WHERE id = ?",
};

struct event_rows {
	sqlite3 *db;
	sqlite3_stmt *q[R_COUNT];
	struct compact c;
	struct strbuf key, summary;
	struct ctx_slot slots[CTX_SLOTS];
};

struct event_rows *event_rows_open(sqlite3 *db)
{
	struct event_rows *r = calloc(1, sizeof(*r));
	int i;

	if (!r)
		return NULL;
	r->db = db;
	for (i = 0; i < R_COUNT; i++)
		if (sqlite3_prepare_v2(db, row_sqls[i], -1, &r->q[i], NULL) != SQLITE_OK) {
			event_rows_close(r);
			return NULL;
		}
	return r;
}

void event_rows_forget(struct event_rows *r)
{
	size_t i;

	for (i = 0; i < CTX_SLOTS; i++) {
		free(r->slots[i].key);
		r->slots[i].key = NULL;
	}
}

void event_rows_close(struct event_rows *r)
{
	int i;

	if (!r)
		return;
	for (i = 0; i < R_COUNT; i++)
		sqlite3_finalize(r->q[i]);
	event_rows_forget(r);
	sb_free(&r->c.data);
	sb_free(&r->key);
	sb_free(&r->summary);
	free(r);
}

static int step(sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

int64_t event_rows_sid(struct event_rows *r, const char *session)
{
	sqlite3_stmt *q = r->q[R_SID_SELECT];
	int64_t n = -1;

	sqlite3_bind_text(r->q[R_SID_INSERT], 1, session, -1, SQLITE_STATIC);
	if (step(r->q[R_SID_INSERT]))
		return -1;
	sqlite3_bind_text(q, 1, session, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return n;
}

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* The contexts (shape 0) or shapes (1) row of sid and the n runs: from the
 * cache, else inserted. */
static int64_t dict_id(struct event_rows *r, int64_t sid, int shape, const char *const *run,
		       const size_t *run_len, int n)
{
	sqlite3_stmt *q = r->q[shape ? R_SHAPE : R_CTX];
	int cols = shape ? COMPACT_SHAPE_RUNS : COMPACT_RUNS;
	struct ctx_slot *slot;
	uint64_t h;
	int i;

	sb_reset(&r->key);
	sb_putc(&r->key, shape ? 'h' : 'c');
	sb_put_i64(&r->key, sid);
	for (i = 0; i < n; i++) {
		sb_putc(&r->key, 0);
		sb_append(&r->key, run[i], run_len[i]);
	}
	h = fnv1a(r->key.buf, r->key.len);
	slot = &r->slots[h & (CTX_SLOTS - 1)];
	if (slot->key && slot->hash == h && slot->klen == r->key.len &&
	    !memcmp(slot->key, r->key.buf, r->key.len))
		return slot->id;
	sqlite3_bind_int64(q, 1, sid);
	for (i = 0; i < cols; i++) {
		if (i < n)
			sqlite3_bind_text(q, 2 + i, run[i], (int)run_len[i], SQLITE_STATIC);
		else
			sqlite3_bind_null(q, 2 + i);
	}
	if (step(q))
		return -1;
	free(slot->key);
	if ((slot->key = malloc(r->key.len))) {
		memcpy(slot->key, r->key.buf, r->key.len);
		slot->klen = r->key.len;
		slot->hash = h;
		slot->id = sqlite3_last_insert_rowid(r->db);
	}
	return sqlite3_last_insert_rowid(r->db);
}

/* The summary as the row keeps it: a leading copy of the path is the
 * marker COMPACT_PATH. NULL: it holds a control byte (the row is kept whole). */
static const char *row_summary(struct event_rows *r, const char *summary, const char *path)
{
	const unsigned char *p;
	size_t pl;

	for (p = (const unsigned char *)summary; p && *p; p++)
		if (*p < 0x20)
			return NULL;
	for (p = (const unsigned char *)path; p && *p; p++)
		if (*p < 0x20)
			return summary;
	if (!summary || !path || !*path || strncmp(summary, path, (pl = strlen(path))))
		return summary;
	sb_reset(&r->summary);
	sb_putc(&r->summary, COMPACT_PATH);
	sb_puts(&r->summary, summary + pl);
	return sb_cstr(&r->summary);
}

static void bind_str(sqlite3_stmt *q, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

int event_rows_add(struct event_rows *r, int64_t id, int64_t sid, const struct store_event *e,
		   int64_t seq, const uint8_t *digest)
{
	sqlite3_stmt *q = r->q[R_EVENT];
	const char *summary = row_summary(r, e->summary, e->path);
	int64_t ctx = -1, shape = 0;
	bool packed = (summary || !e->summary) &&
		      !compact_encode(&r->c, e->json, e->json_len, e->time_ns, e->type, e->path);

	if (packed) {
		ctx = r->c.nruns ? dict_id(r, sid, 0, r->c.run, r->c.run_len, r->c.nruns) : 0;
		if (r->c.nsruns)
			shape = dict_id(r, sid, 1, r->c.srun, r->c.srun_len, r->c.nsruns);
		if (ctx < 0 || shape < 0)
			return -1;
	}
	if (id)
		sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int64(q, 2, sid);
	sqlite3_bind_int64(q, 3, e->time_ns);
	bind_str(q, 4, e->type);
	sqlite3_bind_int64(q, 5, e->pid);
	bind_str(q, 6, e->path);
	if (packed) {
		bind_str(q, 7, summary);
		sqlite3_bind_text(q, 8, r->c.data.buf, (int)r->c.data.len, SQLITE_STATIC);
		sqlite3_bind_int64(q, 9, ctx);
		if (shape)
			sqlite3_bind_int64(q, 10, shape);
	} else {
		bind_str(q, 7, e->summary);
		sqlite3_bind_text(q, 8, e->json, (int)e->json_len, SQLITE_STATIC);
	}
	if (seq)
		sqlite3_bind_int64(q, 11, seq);
	if (digest)
		sqlite3_bind_blob(q, 12, digest, CHAIN_ROW_DIGEST_LEN, SQLITE_STATIC);
	return step(q);
}
