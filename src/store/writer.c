/* writer.c: the write side of the SQLite store: prepared statements for
 * events, processes and sessions. A pid's live processes row is found in
 * SQL ("max(id) ... AND end_ns IS NULL", on the (session, pid) index). */
#include "store/writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/chain.h"
#include "store/checkpointer.h"
#include "store/hostkey.h"
#include "store/proc_counts.h"
#include "store/rows.h"
#include "store/store.h"

/* A session's chain is checkpointed at the first commit this long after its
 * last checkpoint, and at the session's end. */
#define CHECKPOINT_INTERVAL_NS 1000000000ULL
/* Sessions one writer chains at once (the session table's size). */
#define CHAIN_SESSIONS 64

enum {
	Q_PROC_INSERT,
	Q_PROC_EXEC,
	Q_PROC_EXIT,
	Q_PROC_THREAD,
	Q_SESSION,
	Q_SESSION_RECOUNT,
	Q_CHECKPOINT,
	Q_COUNT,
};

static const char *const sqls[Q_COUNT] = {
	[Q_CHECKPOINT] = "INSERT INTO checkpoints(session, seq, hash, time_ns, final, key_id, sig)"
			 " VALUES(?,?,?,?,?,?,?)",
	[Q_PROC_INSERT] = "INSERT INTO processes(session, pid, ppid, start_ns, exec_ns, exe, argv,"
			  " cwd, comm, uid, seeded, cmdline) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
	[Q_PROC_EXEC] = "UPDATE processes SET exe=?3, argv=?4, cwd=?5, exec_ns=?6, comm=?7, "
			"uid=?8, cmdline=?9"
			" WHERE id = (SELECT max(id) FROM processes WHERE session=?1 AND pid=?2"
			" AND end_ns IS NULL)",
	[Q_PROC_EXIT] = "UPDATE processes SET end_ns=?3, exit_code=?4, exit_signal=?5"
			" WHERE id = (SELECT max(id) FROM processes WHERE session=?1 AND pid=?2"
			" AND end_ns IS NULL)",
	[Q_PROC_THREAD] = "UPDATE processes SET threads = threads + 1"
			  " WHERE id = (SELECT max(id) FROM processes WHERE session=?1 AND pid=?2"
			  " AND end_ns IS NULL)",
	[Q_SESSION] = "INSERT INTO sessions(id, key, agent, project, user, host, command, cgroup,"
		      " start_ns, end_ns, exit_code, exit_signal, events, drops, processes,"
		      " drops_detail, origin, container, pod, sink_drops)"
		      " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,"
		      " (SELECT count(*) FROM processes WHERE session=?1), ?15, ?16, ?17, ?18, ?19)"
		      " ON CONFLICT(id) DO UPDATE SET end_ns=?10, exit_code=?11, exit_signal=?12,"
		      " events=?13, drops=?14,"
		      " processes=(SELECT count(*) FROM processes WHERE session=?1),"
		      " drops_detail=?15, sink_drops=?19",
	[Q_SESSION_RECOUNT] = "UPDATE sessions SET drops=?2, sink_drops=?3 WHERE id=?1",
};

/* One session's chain: the last record's sequence number and hash. */
struct chain_state {
	char session[64];
	int64_t sid; /* its session_ids number */
	int64_t seq, signed_seq;
	uint64_t signed_at; /* CLOCK_MONOTONIC ns of the last checkpoint */
	uint8_t head[CHAIN_HASH_LEN];
};

struct store_writer {
	struct store st;
	sqlite3_stmt *q[Q_COUNT];
	struct event_rows *rows;
	struct proc_counts *counts; /* the open batch's per-process counts */
	struct checkpointer *ckpt;
	EVP_PKEY *key;
	char key_id[17];
	EVP_MD_CTX *md;
	struct chain_state chains[CHAIN_SESSIONS];
	size_t nchains, last; /* last: the chain used most recently */
	/* The chains as the open batch found them, for a rollback. */
	struct chain_state saved[CHAIN_SESSIONS];
	size_t nsaved;
	/* Checkpoints signed since the last commit, handed to on_head once
	 * stored (a chain is signed at most once a batch, and at its end). */
	struct chain_head pending[CHAIN_SESSIONS + 1];
	size_t npending;
	void (*on_head)(void *ctx, const struct chain_head *h);
	void *head_ctx;
};

void store_writer_on_head(struct store_writer *w, void (*fn)(void *ctx, const struct chain_head *h),
			  void *ctx)
{
	w->on_head = fn;
	w->head_ctx = ctx;
}

/* The checkpoints of the last commit are stored: hand them out. */
static void publish_heads(struct store_writer *w)
{
	size_t i;

	for (i = 0; i < w->npending && w->on_head; i++)
		w->on_head(w->head_ctx, &w->pending[i]);
	w->npending = 0;
}

struct store_writer *store_writer_open(const char *path, char *err, size_t errlen)
{
	struct store_writer *w = calloc(1, sizeof(*w));
	int i;

	if (!w) {
		snprintf(err, errlen, "sqlite: out of memory");
		return NULL;
	}
	*err = 0;
	if (store_open_rw(&w->st, path, err, errlen)) {
		free(w);
		return NULL;
	}
	/* A batch (4096 records, ~4 MB with its index pages) fits in the page
	 * cache: no spilling mid-transaction, no re-reading what was just
	 * written. */
	sqlite3_exec(w->st.db, "PRAGMA cache_size=-16384", NULL, NULL, NULL);
	if (!(w->key = hostkey_load_or_create(err, errlen)) || hostkey_id(w->key, w->key_id) ||
	    !(w->md = EVP_MD_CTX_new())) {
		if (w->key && !*err)
			snprintf(err, errlen, "cannot use the host key in %s", hostkey_dir());
		store_writer_close(w);
		return NULL;
	}
	w->ckpt = checkpointer_start(w->st.db, path);
	w->rows = event_rows_open(w->st.db);
	w->counts = proc_counts_open(w->st.db);
	for (i = 0; i < Q_COUNT; i++) {
		if (!w->rows || !w->counts ||
		    sqlite3_prepare_v2(w->st.db, sqls[i], -1, &w->q[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(w->st.db));
			store_writer_close(w);
			return NULL;
		}
	}
	return w;
}

void store_writer_close(struct store_writer *w)
{
	int i;

	if (!w)
		return;
	checkpointer_stop(w->ckpt);
	for (i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(w->q[i]);
	event_rows_close(w->rows);
	proc_counts_close(w->counts);
	EVP_PKEY_free(w->key);
	EVP_MD_CTX_free(w->md);
	store_close(&w->st);
	free(w);
}

const char *store_writer_path(const struct store_writer *w)
{
	return w->st.path;
}

const char *store_writer_errmsg(const struct store_writer *w)
{
	return sqlite3_errmsg(w->st.db);
}

int store_writer_truncate_wal(struct store_writer *w)
{
	return sqlite3_wal_checkpoint_v2(w->st.db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) ==
			       SQLITE_OK
		       ? 0
		       : -1;
}

int store_batch_begin(struct store_writer *w)
{
	memcpy(w->saved, w->chains, w->nchains * sizeof(w->chains[0]));
	w->nsaved = w->nchains;
	w->npending = 0;
	/* IMMEDIATE: a batch may read (a chain resumed, a process looked up)
	 * before it writes, and a deferred transaction that read first cannot
	 * take the write lock once another writer committed: SQLite answers
	 * BUSY at once, without the busy handler, and the batch is lost. */
	return sqlite3_exec(w->st.db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static void bind_str(sqlite3_stmt *q, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

static int step(sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A session this writer has not seen may have been written by another
 * one (a daemon that died, whose successor records it on): its chain goes on
 * from the last signed checkpoint and the rows stored after it. */
static void resume_chain(struct store_writer *w, struct chain_state *c)
{
	sqlite3_stmt *q = NULL;
	struct chain_row cr = {.session = c->session};

	if (sqlite3_prepare_v2(w->st.db,
			       "SELECT seq, hash FROM checkpoints WHERE session=?"
			       " ORDER BY seq DESC LIMIT 1",
			       -1, &q, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(q, 1, c->session, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_bytes(q, 1) == CHAIN_HASH_LEN) {
		c->seq = c->signed_seq = sqlite3_column_int64(q, 0);
		memcpy(c->head, sqlite3_column_blob(q, 1), CHAIN_HASH_LEN);
	}
	sqlite3_finalize(q);
	if (sqlite3_prepare_v2(w->st.db,
			       "SELECT seq, time_ns, type, pid, path, summary, data FROM events"
			       " WHERE session=? AND seq>? ORDER BY id",
			       -1, &q, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(q, 1, c->session, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, c->seq);
	while (sqlite3_step(q) == SQLITE_ROW) {
		cr.seq = sqlite3_column_int64(q, 0);
		cr.time_ns = sqlite3_column_int64(q, 1);
		cr.type = (const char *)sqlite3_column_text(q, 2);
		cr.pid = sqlite3_column_int64(q, 3);
		cr.path = (const char *)sqlite3_column_text(q, 4);
		cr.summary = (const char *)sqlite3_column_text(q, 5);
		cr.data = (const char *)sqlite3_column_text(q, 6);
		cr.data_len = (size_t)sqlite3_column_bytes(q, 6);
		chain_hash(w->md, c->head, &cr, c->head);
		c->seq = cr.seq;
	}
	sqlite3_finalize(q);
}

/* The chain of session, started when the writer first sees it (empty for
 * a new session, resume_chain for one begun by another writer). NULL when
 * the table is full (never: it is the session table's size). */
static struct chain_state *chain_of(struct store_writer *w, const char *session)
{
	struct chain_state *c;
	size_t i;

	if (w->nchains && !strcmp(w->chains[w->last].session, session))
		return &w->chains[w->last];
	for (i = 0; i < w->nchains; i++)
		if (!strcmp(w->chains[i].session, session))
			return &w->chains[w->last = i];
	if (w->nchains == CHAIN_SESSIONS)
		return NULL;
	c = &w->chains[w->nchains];
	memset(c, 0, sizeof(*c));
	snprintf(c->session, sizeof(c->session), "%s", session);
	if ((c->sid = event_rows_sid(w->rows, session)) < 0)
		return NULL;
	w->last = w->nchains++;
	resume_chain(w, c);
	return c;
}

/* Sign and insert the checkpoint of c's head. */
static int checkpoint(struct store_writer *w, struct chain_state *c, bool final)
{
	sqlite3_stmt *q = w->q[Q_CHECKPOINT];
	int64_t now = wall_ns();
	uint8_t sig[64];
	char msg[512];
	size_t n = chain_checkpoint_msg(msg, sizeof(msg), c->session, c->seq, c->head, now, final);

	if (hostkey_sign(w->key, msg, n, sig))
		return -1;
	sqlite3_bind_text(q, 1, c->session, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, c->seq);
	sqlite3_bind_blob(q, 3, c->head, CHAIN_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, now);
	sqlite3_bind_int(q, 5, final);
	sqlite3_bind_text(q, 6, w->key_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(q, 7, sig, sizeof(sig), SQLITE_TRANSIENT);
	if (step(q))
		return -1;
	c->signed_seq = c->seq;
	c->signed_at = mono_ns();
	if (w->npending < sizeof(w->pending) / sizeof(w->pending[0])) {
		struct chain_head *h = &w->pending[w->npending++];
		snprintf(h->session, sizeof(h->session), "%s", c->session);
		h->seq = c->seq;
		h->time_ns = now;
		h->final = final;
		memcpy(h->hash, c->head, CHAIN_HASH_LEN);
		memcpy(h->sig, sig, sizeof(h->sig));
		memcpy(h->key_id, w->key_id, sizeof(h->key_id));
	}
	return 0;
}

int store_batch_commit(struct store_writer *w)
{
	uint64_t now = mono_ns();
	size_t i;

	for (i = 0; i < w->nchains; i++) {
		struct chain_state *c = &w->chains[i];
		if (c->seq > c->signed_seq && now - c->signed_at >= CHECKPOINT_INTERVAL_NS &&
		    checkpoint(w, c, false))
			return -1;
	}
	if (proc_counts_flush(w->counts) ||
	    sqlite3_exec(w->st.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	publish_heads(w);
	return 0;
}

void store_batch_rollback(struct store_writer *w)
{
	sqlite3_exec(w->st.db, "ROLLBACK", NULL, NULL, NULL);
	w->npending = 0;
	event_rows_forget(w->rows);
	proc_counts_forget(w->counts);
	memcpy(w->chains, w->saved, w->nsaved * sizeof(w->chains[0]));
	w->nchains = w->nsaved;
	w->last = 0;
}

int store_add_event(struct store_writer *w, const struct store_event *e)
{
	struct chain_state *c = chain_of(w, e->session);
	struct chain_row row = {
		.session = e->session,
		.type = e->type,
		.path = e->path,
		.summary = e->summary,
		.data = e->json,
		.data_len = e->json_len,
		.seq = c ? c->seq + 1 : 0,
		.time_ns = e->time_ns,
		.pid = e->pid,
	};

	if (!c)
		return -1;
	chain_hash(w->md, c->head, &row, c->head);
	c->seq = row.seq;
	if (event_rows_add(w->rows, 0, c->sid, e, row.seq, c->head))
		return -1;
	return proc_counts_add(w->counts, c->sid, e->pid, row.seq, e->type, e->path, e->json,
			       e->json_len);
}

/* Insert a row for pid, born at time_ns by fork (start_ns) or first seen at
 * an exec (exec_ns). */
static int proc_insert(struct store_writer *w, const char *ses, int64_t pid, int64_t time_ns,
		       const struct store_proc_image *img, bool from_exec, bool seeded)
{
	sqlite3_stmt *q = w->q[Q_PROC_INSERT];

	bind_str(q, 1, ses);
	sqlite3_bind_int64(q, 2, pid);
	sqlite3_bind_int64(q, 3, img->ppid);
	sqlite3_bind_int64(q, from_exec ? 5 : 4, time_ns);
	bind_str(q, 6, img->exe);
	bind_str(q, 7, img->argv_json);
	bind_str(q, 8, img->cwd);
	bind_str(q, 9, img->comm);
	sqlite3_bind_int64(q, 10, img->uid);
	sqlite3_bind_int(q, 11, seeded);
	bind_str(q, 12, img->cmdline);
	return step(q);
}

/* A processes update of pid's live row: ?1 session, ?2 pid. */
static sqlite3_stmt *proc_update(struct store_writer *w, int which, const char *ses, int64_t pid)
{
	sqlite3_stmt *q = w->q[which];

	bind_str(q, 1, ses);
	sqlite3_bind_int64(q, 2, pid);
	return q;
}

int store_proc_fork(struct store_writer *w, const char *session, int64_t pid, int64_t time_ns,
		    const struct store_proc_image *img)
{
	return proc_insert(w, session, pid, time_ns, img, false, false);
}

int store_proc_thread(struct store_writer *w, const char *session, int64_t pid)
{
	return step(proc_update(w, Q_PROC_THREAD, session, pid));
}

int store_proc_exec(struct store_writer *w, const char *session, int64_t pid, int64_t time_ns,
		    const struct store_proc_image *img, bool seeded)
{
	sqlite3_stmt *q = proc_update(w, Q_PROC_EXEC, session, pid);

	bind_str(q, 3, img->exe);
	bind_str(q, 4, img->argv_json);
	bind_str(q, 5, img->cwd);
	sqlite3_bind_int64(q, 6, time_ns);
	bind_str(q, 7, img->comm);
	sqlite3_bind_int64(q, 8, img->uid);
	bind_str(q, 9, img->cmdline);
	if (step(q))
		return -1;
	if (sqlite3_changes(w->st.db) == 0)
		return proc_insert(w, session, pid, time_ns, img, true, seeded);
	return 0;
}

int store_proc_exit(struct store_writer *w, const char *session, int64_t pid, int64_t time_ns,
		    int64_t code, const char *signal)
{
	sqlite3_stmt *q = proc_update(w, Q_PROC_EXIT, session, pid);

	sqlite3_bind_int64(q, 3, time_ns);
	sqlite3_bind_int64(q, 4, code);
	bind_str(q, 5, signal);
	return step(q);
}

int store_session_recount(struct store_writer *w, const char *id, uint64_t drops,
			  const char *sink_drops_json)
{
	sqlite3_stmt *q = w->q[Q_SESSION_RECOUNT];

	bind_str(q, 1, id);
	sqlite3_bind_int64(q, 2, (int64_t)drops);
	bind_str(q, 3, sink_drops_json && *sink_drops_json ? sink_drops_json : "{}");
	return step(q);
}

int store_session_put(struct store_writer *w, const struct store_session *s)
{
	sqlite3_stmt *q = w->q[Q_SESSION];

	bind_str(q, 1, s->id);
	sqlite3_bind_int64(q, 2, (int64_t)s->key);
	bind_str(q, 3, s->agent);
	bind_str(q, 4, s->project);
	bind_str(q, 5, s->user);
	bind_str(q, 6, s->host);
	bind_str(q, 7, s->command_json);
	bind_str(q, 8, s->cgroup);
	sqlite3_bind_int64(q, 9, (int64_t)s->start_ns);
	if (s->ended) {
		sqlite3_bind_int64(q, 10, (int64_t)s->end_ns);
		sqlite3_bind_int64(q, 11, s->exit_code);
		sqlite3_bind_int64(q, 12, s->exit_signal);
	}
	sqlite3_bind_int64(q, 13, (int64_t)s->events);
	sqlite3_bind_int64(q, 14, (int64_t)s->drops);
	bind_str(q, 15, s->drops_detail_json);
	bind_str(q, 16, s->origin && *s->origin ? s->origin : "run");
	bind_str(q, 17, s->container ? s->container : "");
	bind_str(q, 18, s->pod ? s->pod : "");
	bind_str(q, 19, s->sink_drops_json && *s->sink_drops_json ? s->sink_drops_json : "{}");
	if (step(q))
		return -1;
	if (s->ended) { /* the final checkpoint: nothing may follow (autocommit) */
		struct chain_state *c = chain_of(w, s->id);
		w->npending = 0;
		if (!c || checkpoint(w, c, true))
			return -1;
		publish_heads(w);
	}
	return 0;
}
