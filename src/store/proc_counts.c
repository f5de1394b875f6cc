/* proc_counts.c: the per-process counters (store/proc_counts.h): their
 * tables, the one classification of a record into counters, the writer's
 * pending counts of a batch (a small hash table flushed by upserts before
 * COMMIT, or earlier when full: still inside the batch's transaction), the
 * rebuild from the events, and the readers of tree and report. */
#include "store/proc_counts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "model/paths.h"
#include "store/sql_col.h"

static const char tables_sql[] =
	"CREATE TABLE IF NOT EXISTS proc_counts("
	" sid INTEGER NOT NULL, pid INTEGER NOT NULL, type TEXT NOT NULL,"
	" events INTEGER NOT NULL, opens INTEGER NOT NULL, failed INTEGER NOT NULL,"
	" sensitive INTEGER NOT NULL, redacted INTEGER NOT NULL,"
	" PRIMARY KEY(sid, pid, type)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS proc_sensitive("
	" sid INTEGER NOT NULL, pid INTEGER NOT NULL, path TEXT NOT NULL,"
	" reads INTEGER NOT NULL, first_seq INTEGER NOT NULL,"
	" PRIMARY KEY(sid, pid, path)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS proc_peers("
	" sid INTEGER NOT NULL, pid INTEGER NOT NULL, dest TEXT NOT NULL,"
	" connects INTEGER NOT NULL, first_seq INTEGER NOT NULL,"
	" PRIMARY KEY(sid, pid, dest)) WITHOUT ROWID;";

static const char upsert_count_sql[] =
	"INSERT INTO proc_counts VALUES(?1,?2,?3,?4,?5,?6,?7,?8)"
	" ON CONFLICT(sid, pid, type) DO UPDATE SET events = events + ?4, opens = opens + ?5,"
	" failed = failed + ?6, sensitive = sensitive + ?7, redacted = redacted + ?8";
static const char *const upsert_str_sql[] = {
	"INSERT INTO proc_sensitive VALUES(?1,?2,?3,?4,?5)"
	" ON CONFLICT(sid, pid, path) DO UPDATE SET reads = reads + ?4",
	"INSERT INTO proc_peers VALUES(?1,?2,?3,?4,?5)"
	" ON CONFLICT(sid, pid, dest) DO UPDATE SET connects = connects + ?4",
};
enum { STR_SENSITIVE, STR_PEER, STR_KINDS };

#define SLOTS	    1024 /* (sid, pid, type) keys pending at once; more: flush */
#define STR_PENDING 64	 /* (kind, sid, pid, string) keys pending at once */
#define TYPE_MAX    48

struct count_slot {
	int64_t sid, pid;
	char type[TYPE_MAX];
	int64_t events, opens, failed, sensitive, redacted;
	bool used;
};

/* A credential path read, or a destination connected to. */
struct str_count {
	int kind;
	int64_t sid, pid, seq, n;
	char *s;
};

struct proc_counts {
	sqlite3_stmt *count_q, *str_q[STR_KINDS];
	struct count_slot slot[SLOTS];
	size_t used;
	struct str_count strs[STR_PENDING];
	size_t nstrs;
};

/* What one record adds to its process's counters. */
struct count_delta {
	int64_t opens, failed, sensitive, redacted;
};

/* The integer after "key": in json, or dflt. */
static int64_t json_int_after(const char *json, size_t len, const char *key, int64_t dflt)
{
	const char *p = memmem(json, len, key, strlen(key));
	char *end;
	long long v;

	if (!p)
		return dflt;
	v = strtoll(p + strlen(key), &end, 10);
	return end == p + strlen(key) ? dflt : (int64_t)v;
}

/* The one definition of the counters (the header says what each means). */
static void classify(const char *type, const char *path, const char *json, size_t len,
		     struct count_delta *d)
{
	bool open = !strcmp(type, "file.open");
	int64_t n = open ? json_int_after(json, len, "\"file.open_count\":", 1) : 1;

	memset(d, 0, sizeof(*d));
	if (open)
		d->opens = n;
	if (memmem(json, len, "\"event.outcome\":\"failure\"", 25))
		d->failed = n;
	if (open && path && path_is_credential(path))
		d->sensitive = n;
	if (memmem(json, len, "[REDACTED:", 10))
		d->redacted = 1;
}

struct proc_counts *proc_counts_open(sqlite3 *db)
{
	struct proc_counts *pc = calloc(1, sizeof(*pc));
	int k;

	if (!pc)
		return NULL;
	if (sqlite3_prepare_v2(db, upsert_count_sql, -1, &pc->count_q, NULL) != SQLITE_OK)
		goto fail;
	for (k = 0; k < STR_KINDS; k++)
		if (sqlite3_prepare_v2(db, upsert_str_sql[k], -1, &pc->str_q[k], NULL) != SQLITE_OK)
			goto fail;
	return pc;
fail:
	proc_counts_close(pc);
	return NULL;
}

void proc_counts_forget(struct proc_counts *pc)
{
	size_t i;

	if (!pc)
		return;
	memset(pc->slot, 0, sizeof(pc->slot));
	pc->used = 0;
	for (i = 0; i < pc->nstrs; i++)
		free(pc->strs[i].s);
	pc->nstrs = 0;
}

void proc_counts_close(struct proc_counts *pc)
{
	if (!pc)
		return;
	proc_counts_forget(pc);
	sqlite3_finalize(pc->count_q);
	for (int k = 0; k < STR_KINDS; k++)
		sqlite3_finalize(pc->str_q[k]);
	free(pc);
}

static int step_reset(sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);

	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

int proc_counts_flush(struct proc_counts *pc)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < SLOTS && !rc; i++) {
		struct count_slot *s = &pc->slot[i];
		sqlite3_stmt *q = pc->count_q;
		if (!s->used)
			continue;
		sqlite3_bind_int64(q, 1, s->sid);
		sqlite3_bind_int64(q, 2, s->pid);
		sqlite3_bind_text(q, 3, s->type, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 4, s->events);
		sqlite3_bind_int64(q, 5, s->opens);
		sqlite3_bind_int64(q, 6, s->failed);
		sqlite3_bind_int64(q, 7, s->sensitive);
		sqlite3_bind_int64(q, 8, s->redacted);
		rc = step_reset(q);
	}
	for (i = 0; i < pc->nstrs && !rc; i++) {
		struct str_count *r = &pc->strs[i];
		sqlite3_stmt *q = pc->str_q[r->kind];
		sqlite3_bind_int64(q, 1, r->sid);
		sqlite3_bind_int64(q, 2, r->pid);
		sqlite3_bind_text(q, 3, r->s, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 4, r->n);
		sqlite3_bind_int64(q, 5, r->seq);
		rc = step_reset(q);
	}
	proc_counts_forget(pc);
	return rc;
}

static struct count_slot *slot_of(struct proc_counts *pc, int64_t sid, int64_t pid,
				  const char *type)
{
	uint64_t h = (uint64_t)sid * 0x9e3779b97f4a7c15ULL ^ (uint64_t)pid * 0xff51afd7ed558ccdULL;
	const char *c;
	size_t k;

	for (c = type; *c; c++)
		h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
	for (k = 0; k < SLOTS; k++) {
		struct count_slot *s = &pc->slot[(h + k) % SLOTS];
		if (!s->used) {
			if (pc->used >= SLOTS * 3 / 4)
				return NULL;
			memset(s, 0, sizeof(*s));
			s->used = true;
			s->sid = sid;
			s->pid = pid;
			snprintf(s->type, sizeof(s->type), "%s", type);
			pc->used++;
			return s;
		}
		if (s->sid == sid && s->pid == pid && !strncmp(s->type, type, TYPE_MAX - 1))
			return s;
	}
	return NULL;
}

static int add_str(struct proc_counts *pc, int kind, int64_t sid, int64_t pid, int64_t seq,
		   const char *str, int64_t n)
{
	size_t i;

	for (i = 0; i < pc->nstrs; i++) {
		struct str_count *r = &pc->strs[i];
		if (r->kind == kind && r->sid == sid && r->pid == pid && !strcmp(r->s, str)) {
			r->n += n;
			return 0;
		}
	}
	if (pc->nstrs == STR_PENDING && proc_counts_flush(pc))
		return -1;
	pc->strs[pc->nstrs] = (struct str_count){kind, sid, pid, seq, n, strdup(str)};
	return pc->strs[pc->nstrs++].s ? 0 : -1;
}

/* A connect's destination: the name (server.address) or else the peer
 * address, and the port ("" when there is none); NULL without an address. */
static char *connect_dest(const char *json, size_t len)
{
	json_t *root = json_loadb(json, len, 0, NULL), *port;
	const char *addr;
	char *out = NULL, num[32] = "";

	if (!root)
		return NULL;
	addr = json_string_value(json_object_get(root, "server.address"));
	if (!addr || !*addr)
		addr = json_string_value(json_object_get(root, "network.peer.address"));
	port = json_object_get(root, "network.peer.port");
	if (json_is_integer(port))
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(port));
	else if (json_is_string(port))
		snprintf(num, sizeof(num), "%s", json_string_value(port));
	if (addr && asprintf(&out, "%s:%s", addr, num) < 0)
		out = NULL;
	json_decref(root);
	return out;
}

int proc_counts_add(struct proc_counts *pc, int64_t sid, int64_t pid, int64_t seq, const char *type,
		    const char *path, const char *json, size_t json_len)
{
	struct count_delta d;
	struct count_slot *s;

	classify(type, path, json, json_len, &d);
	if (!(s = slot_of(pc, sid, pid, type))) {
		if (proc_counts_flush(pc) || !(s = slot_of(pc, sid, pid, type)))
			return -1;
	}
	s->events++;
	s->opens += d.opens;
	s->failed += d.failed;
	s->sensitive += d.sensitive;
	s->redacted += d.redacted;
	if (d.sensitive && add_str(pc, STR_SENSITIVE, sid, pid, seq, path, d.sensitive))
		return -1;
	if (!strcmp(type, "net.connect")) {
		char *dest = connect_dest(json, json_len);
		int rc = dest ? add_str(pc, STR_PEER, sid, pid, seq, dest, 1) : 0;
		free(dest);
		return rc;
	}
	return 0;
}

static int fail(sqlite3 *db, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "per-process counters: %s: %s", what, sqlite3_errmsg(db));
	return -1;
}

int proc_counts_rebuild(sqlite3 *db, char *err, size_t errlen)
{
	struct proc_counts *pc;
	sqlite3_stmt *q;
	int rc = 0;

	if (sqlite3_exec(
		    db,
		    "DELETE FROM proc_counts; DELETE FROM proc_sensitive; DELETE FROM proc_peers;",
		    NULL, NULL, NULL) != SQLITE_OK)
		return fail(db, err, errlen, "clearing");
	if (!(pc = proc_counts_open(db)))
		return fail(db, err, errlen, "preparing");
	if (sqlite3_prepare_v2(db,
			       "SELECT s.n, v.pid, v.seq, v.type, v.path, v.data FROM events v"
			       " JOIN session_ids s ON s.id = v.session ORDER BY v.id",
			       -1, &q, NULL) != SQLITE_OK) {
		proc_counts_close(pc);
		return fail(db, err, errlen, "reading the events");
	}
	while (!rc && sqlite3_step(q) == SQLITE_ROW)
		rc = proc_counts_add(pc, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1),
				     sqlite3_column_int64(q, 2), col_text(q, 3),
				     (const char *)sqlite3_column_text(q, 4), col_text(q, 5),
				     (size_t)sqlite3_column_bytes(q, 5));
	sqlite3_finalize(q);
	if (!rc)
		rc = proc_counts_flush(pc);
	proc_counts_close(pc);
	return rc ? fail(db, err, errlen, "counting") : 0;
}

/* The index of the API's pid filter (store/api_query.c). */
static const char indexes_sql[] =
	/* pid first: with sid first, the planner takes it for the GROUP BY pid of
	 * the tree notes instead of the (sid, type) index */
	"CREATE INDEX IF NOT EXISTS event_rows_pid_session ON event_rows(pid, sid, time_ns);";

int proc_counts_ensure(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *q;
	bool had = false;

	if (sqlite3_exec(db, indexes_sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail(db, err, errlen, "creating the pid index");

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE name = 'proc_counts'", -1, &q,
			       NULL) != SQLITE_OK)
		return fail(db, err, errlen, "reading the schema");
	had = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	if (had)
		return 0;
	if (sqlite3_exec(db, tables_sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail(db, err, errlen, "creating the tables");
	return proc_counts_rebuild(db, err, errlen);
}

bool proc_counts_present(struct store *st)
{
	sqlite3_stmt *q;
	bool yes;

	if (st->version < 2 ||
	    sqlite3_prepare_v2(st->db, "SELECT 1 FROM sqlite_master WHERE name = 'proc_peers'", -1,
			       &q, NULL) != SQLITE_OK)
		return false;
	yes = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return yes;
}

static int prepare(struct store *st, const char *sql, const char *session, sqlite3_stmt **q)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(*q, 1, session, -1, SQLITE_TRANSIENT);
	return 0;
}

#define SID_OF "(SELECT n FROM session_ids WHERE id = ?1)"

/* files: succeeded opens, failed opens apart, writes and metadata changes */
static const char files_note_sql[] =
	"SELECT pid, 'files: ' || (sum(opens) - sum(CASE WHEN type = 'file.open' THEN failed"
	" ELSE 0 END)) || ' opened'"
	" || CASE WHEN sum(CASE WHEN type = 'file.open' THEN failed ELSE 0 END) > 0"
	"  THEN ', ' || sum(CASE WHEN type = 'file.open' THEN failed ELSE 0 END)"
	"  || ' failed to open' ELSE '' END"
	" || CASE WHEN sum(CASE WHEN type = 'file.write' THEN events ELSE 0 END) > 0"
	"  THEN ', ' || sum(CASE WHEN type = 'file.write' THEN events ELSE 0 END) || ' written'"
	"  ELSE '' END"
	" || CASE WHEN sum(CASE WHEN type = 'file.metadata' THEN events ELSE 0 END) > 0"
	"  THEN ', ' || sum(CASE WHEN type = 'file.metadata' THEN events ELSE 0 END)"
	"  || ' changed' ELSE '' END"
	" FROM proc_counts WHERE sid = " SID_OF
	" AND type IN ('file.open', 'file.write', 'file.metadata') GROUP BY pid";
static const char sensitive_note_sql[] =
	"SELECT pid, 'SENSITIVE READ: ' || group_concat(path) FROM ("
	" SELECT pid, path FROM proc_sensitive WHERE sid = " SID_OF " ORDER BY first_seq)"
	" GROUP BY pid";

/* net: the destinations connected to, when the session has no flows (the
 * flows, with verdicts and bytes, are then the note: store/query.c) */
static const char peers_note_sql[] =
	"SELECT pid, 'net: ' || group_concat(dest, ', ') FROM ("
	" SELECT pid, dest FROM proc_peers WHERE sid = " SID_OF " AND NOT EXISTS"
	"  (SELECT 1 FROM event_rows f WHERE f.sid = " SID_OF " AND f.type = 'net.flow')"
	" ORDER BY pid, dest) GROUP BY pid";

int proc_counts_peer_notes(struct store *st, const char *session,
			   int (*fn)(void *, int64_t, const char *), void *ctx)
{
	sqlite3_stmt *q;
	int rc = 0;

	if (prepare(st, peers_note_sql, session, &q))
		return -1;
	while (!rc && sqlite3_step(q) == SQLITE_ROW)
		rc = fn(ctx, sqlite3_column_int64(q, 0), col_text(q, 1));
	sqlite3_finalize(q);
	return rc;
}

int proc_counts_tree_notes(struct store *st, const char *session,
			   int (*fn)(void *, int64_t, const char *), void *ctx)
{
	const char *const sqls[] = {files_note_sql, sensitive_note_sql};
	size_t k;
	int rc = 0;

	for (k = 0; k < 2 && !rc; k++) {
		sqlite3_stmt *q;
		if (prepare(st, sqls[k], session, &q))
			return -1;
		while (!rc && sqlite3_step(q) == SQLITE_ROW)
			rc = fn(ctx, sqlite3_column_int64(q, 0), col_text(q, 1));
		sqlite3_finalize(q);
	}
	return rc;
}

int proc_counts_by_type(struct store *st, const char *session, bool redacted,
			int (*fn)(void *, const char *, int64_t), void *ctx)
{
	sqlite3_stmt *q;
	int rc = 0;

	if (prepare(st,
		    redacted ? "SELECT type, sum(redacted) FROM proc_counts WHERE sid = " SID_OF
			       " GROUP BY type HAVING sum(redacted) > 0 ORDER BY type"
			     : "SELECT type, sum(events) FROM proc_counts WHERE sid = " SID_OF
			       " GROUP BY type ORDER BY type",
		    session, &q))
		return -1;
	while (!rc && sqlite3_step(q) == SQLITE_ROW)
		rc = fn(ctx, col_text(q, 0), sqlite3_column_int64(q, 1));
	sqlite3_finalize(q);
	return rc;
}

int proc_counts_sensitive(struct store *st, const char *session,
			  int (*fn)(void *, int64_t, const char *, int64_t), void *ctx)
{
	sqlite3_stmt *q;
	int rc = 0;

	if (prepare(st,
		    "SELECT pid, path, reads FROM proc_sensitive WHERE sid = " SID_OF
		    " ORDER BY first_seq",
		    session, &q))
		return -1;
	while (!rc && sqlite3_step(q) == SQLITE_ROW)
		rc = fn(ctx, sqlite3_column_int64(q, 0), col_text(q, 1),
			sqlite3_column_int64(q, 2));
	sqlite3_finalize(q);
	return rc;
}
