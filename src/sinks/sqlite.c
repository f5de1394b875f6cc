/* sqlite.c: the embedded default sink. Writes each batch in one transaction
 * (WAL mode; checkpoints on a thread of their own, store/checkpointer.c),
 * keeps the processes table (lineage, argv, exit) current from process.*
 * records, remembering each live pid's row, and the sessions table from
 * session begin/end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/summary.h"
#include "sinks/sink.h"
#include "store/checkpointer.h"
#include "store/store.h"
#include "util/util.h"

enum {
	Q_EVENT,
	Q_PROC_INSERT,
	Q_PROC_EXEC,
	Q_PROC_EXIT,
	Q_PROC_THREAD,
	Q_PROC_EXEC_ID,
	Q_PROC_EXIT_ID,
	Q_PROC_THREAD_ID,
	Q_COUNT,
};

static const char *const sqls[Q_COUNT] = {
	[Q_EVENT] = "INSERT INTO events(session, time_ns, type, pid, path, summary, data)"
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
	/* The same three for a row whose id the sink remembers (?1 = id). */
	[Q_PROC_EXEC_ID] = "UPDATE processes SET exe=?3, argv=?4, cwd=?5, exec_ns=?6, comm=?7, "
			   "uid=?8, cmdline=?9 WHERE id=?1",
	[Q_PROC_EXIT_ID] = "UPDATE processes SET end_ns=?3, exit_code=?4, exit_signal=?5"
			   " WHERE id=?1",
	[Q_PROC_THREAD_ID] = "UPDATE processes SET threads = threads + 1 WHERE id=?1",
};

/* The processes row of each live pid, as the sink inserted it: the row the
 * "max(id) ... AND end_ns IS NULL" lookups would find (rows of a session
 * are written by this sink only; an exit forgets the pid). Direct-mapped:
 * a miss or an eviction only means the lookup runs in SQL. */
#define OPEN_SLOTS 65536
struct open_proc {
	uint64_t ses_hash; /* 0: empty */
	int64_t pid, rowid;
};

struct sqlite_sink {
	struct store st;
	sqlite3_stmt *q[Q_COUNT];
	struct strbuf json, summary, argv;
	struct checkpointer *ckpt;
	struct open_proc *open; /* OPEN_SLOTS; NULL: always look up in SQL */
};

static uint64_t ses_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h | 1;
}

static struct open_proc *open_slot(struct sqlite_sink *k, uint64_t sh, int64_t pid)
{
	struct open_proc *o;

	if (!k->open)
		return NULL;
	o = &k->open[(uint64_t)pid % OPEN_SLOTS];
	return o->ses_hash == sh && o->pid == pid ? o : NULL;
}

static void open_remember(struct sqlite_sink *k, uint64_t sh, int64_t pid)
{
	struct open_proc *o;

	if (!k->open)
		return;
	o = &k->open[(uint64_t)pid % OPEN_SLOTS];
	o->ses_hash = sh;
	o->pid = pid;
	o->rowid = sqlite3_last_insert_rowid(k->st.db);
}

static int sqlite_open(struct sink *s, const char *rest, char *err, size_t errlen)
{
	struct sqlite_sink *k = calloc(1, sizeof(*k));
	int i;

	if (!k)
		return -1;
	if (!strncmp(rest, "//", 2))
		rest += 2;
	if (!*rest) {
		snprintf(err, errlen, "sqlite: needs a path (sqlite:PATH)");
		free(k);
		return -1;
	}
	if (store_open_rw(&k->st, rest, err, errlen)) {
		free(k);
		return -1;
	}
	/* A batch (4096 records, ~4 MB with its index pages) fits in the page
	 * cache: no spilling mid-transaction, no re-reading what was just
	 * written. */
	sqlite3_exec(k->st.db, "PRAGMA cache_size=-16384", NULL, NULL, NULL);
	k->ckpt = checkpointer_start(k->st.db, rest);
	for (i = 0; i < Q_COUNT; i++) {
		if (sqlite3_prepare_v2(k->st.db, sqls[i], -1, &k->q[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(k->st.db));
			s->priv = k;
			s->ops->close(s);
			return -1;
		}
	}
	s->priv = k;
	return 0;
}

static void sqlite_close(struct sink *s)
{
	struct sqlite_sink *k = s->priv;
	int i;

	if (!k)
		return;
	checkpointer_stop(k->ckpt);
	free(k->open);
	for (i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(k->q[i]);
	store_close(&k->st);
	sb_free(&k->json);
	sb_free(&k->summary);
	sb_free(&k->argv);
	free(k);
	s->priv = NULL;
}

static void bind_str(sqlite3_stmt *q, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

static int64_t get_int(const struct record *r, const char *key)
{
	int64_t v = 0;
	record_get_int(r, key, &v);
	return v;
}

static const char *argv_json(struct sqlite_sink *k, const struct record *r)
{
	const struct field *f = record_get(r, "process.command_args");
	uint32_t i;

	sb_reset(&k->argv);
	if (!f || f->kind != FIELD_STRV)
		return NULL;
	sb_putc(&k->argv, '[');
	for (i = 0; i < f->sv.n; i++) {
		if (i)
			sb_putc(&k->argv, ',');
		sb_json_str(&k->argv, f->sv.v[i]);
	}
	sb_putc(&k->argv, ']');
	return sb_cstr(&k->argv);
}

static int step(sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

static int proc_insert(struct sqlite_sink *k, const struct record *r, const char *ses,
		       bool from_exec, bool seeded)
{
	sqlite3_stmt *q = k->q[Q_PROC_INSERT];

	bind_str(q, 1, ses);
	sqlite3_bind_int64(q, 2, get_int(r, "process.pid"));
	sqlite3_bind_int64(q, 3, get_int(r, "process.parent_pid"));
	if (!from_exec)
		sqlite3_bind_int64(q, 4, (int64_t)r->time_ns);
	else
		sqlite3_bind_int64(q, 5, (int64_t)r->time_ns);
	bind_str(q, 6, record_get_str(r, "process.executable.path"));
	bind_str(q, 7, argv_json(k, r));
	bind_str(q, 8, record_get_str(r, "process.working_directory"));
	bind_str(q, 9, record_get_str(r, "process.name"));
	sqlite3_bind_int64(q, 10, get_int(r, "process.user.id"));
	sqlite3_bind_int(q, 11, seeded);
	bind_str(q, 12, record_get_str(r, "process.command_line"));
	return step(q);
}

_Static_assert(Q_PROC_EXEC_ID - Q_PROC_EXEC == Q_PROC_EXIT_ID - Q_PROC_EXIT &&
		       Q_PROC_EXEC_ID - Q_PROC_EXEC == Q_PROC_THREAD_ID - Q_PROC_THREAD,
	       "each *_ID statement sits at the same offset from its SQL-lookup twin");

/* Bind ?1 (and ?2) of a processes update: the remembered row id, or the
 * session and pid for the SQL lookup. */
static sqlite3_stmt *proc_update(struct sqlite_sink *k, int by_sql, const struct open_proc *o,
				 const char *ses, int64_t pid)
{
	sqlite3_stmt *q = k->q[o ? by_sql + (Q_PROC_EXEC_ID - Q_PROC_EXEC) : by_sql];

	if (o) {
		sqlite3_bind_int64(q, 1, o->rowid);
	} else {
		bind_str(q, 1, ses);
		sqlite3_bind_int64(q, 2, pid);
	}
	return q;
}

static int proc_exec(struct sqlite_sink *k, const struct record *r, const char *ses, uint64_t sh,
		     int64_t pid, bool seed)
{
	sqlite3_stmt *q = proc_update(k, Q_PROC_EXEC, open_slot(k, sh, pid), ses, pid);

	bind_str(q, 3, record_get_str(r, "process.executable.path"));
	bind_str(q, 4, argv_json(k, r));
	bind_str(q, 5, record_get_str(r, "process.working_directory"));
	sqlite3_bind_int64(q, 6, (int64_t)r->time_ns);
	bind_str(q, 7, record_get_str(r, "process.name"));
	sqlite3_bind_int64(q, 8, get_int(r, "process.user.id"));
	bind_str(q, 9, record_get_str(r, "process.command_line"));
	if (step(q))
		return -1;
	if (sqlite3_changes(k->st.db) == 0) {
		if (proc_insert(k, r, ses, true, seed))
			return -1;
		open_remember(k, sh, pid);
	}
	return 0;
}

/* Keep the processes table in step with process.* records. */
static int track_process(struct sqlite_sink *k, const struct record *r, const char *ses)
{
	const char *t = r->type_name;
	int64_t pid = get_int(r, "process.pid");
	uint64_t sh = ses_hash(ses);
	struct open_proc *o;
	sqlite3_stmt *q;
	const struct field *thr;

	if (!strcmp(t, "process.fork")) {
		thr = record_get(r, "process.thread");
		if (thr && thr->b)
			return step(proc_update(k, Q_PROC_THREAD, open_slot(k, sh, pid), ses, pid));
		if (proc_insert(k, r, ses, false, false))
			return -1;
		open_remember(k, sh, pid);
		return 0;
	}
	if (!strcmp(t, "process.exec") || !strcmp(t, "process.seed"))
		return proc_exec(k, r, ses, sh, pid, !strcmp(t, "process.seed"));
	if (!strcmp(t, "process.exit")) {
		o = open_slot(k, sh, pid);
		q = proc_update(k, Q_PROC_EXIT, o, ses, pid);
		sqlite3_bind_int64(q, 3, (int64_t)r->time_ns);
		sqlite3_bind_int64(q, 4, get_int(r, "process.exit.code"));
		bind_str(q, 5, record_get_str(r, "process.exit.signal"));
		if (o)
			o->ses_hash = 0;
		return step(q);
	}
	return 0;
}

static int insert_event(struct sqlite_sink *k, const struct record *r, const char *ses)
{
	sqlite3_stmt *q = k->q[Q_EVENT];

	sb_reset(&k->json);
	sb_reset(&k->summary);
	record_to_json(r, &k->json);
	record_summary(r, &k->summary);
	bind_str(q, 1, ses);
	sqlite3_bind_int64(q, 2, (int64_t)r->time_ns);
	bind_str(q, 3, r->type_name);
	sqlite3_bind_int64(q, 4, r->pid);
	bind_str(q, 5, record_get_str(r, "file.path"));
	bind_str(q, 6, sb_cstr(&k->summary));
	sqlite3_bind_text(q, 7, sb_cstr(&k->json), (int)k->json.len, SQLITE_STATIC);
	return step(q);
}

static int sqlite_write(struct sink *s, struct record *const *recs, size_t n)
{
	struct sqlite_sink *k = s->priv;
	size_t i;
	int rc = 0;

	if (sqlite3_exec(k->st.db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	for (i = 0; i < n && !rc; i++) {
		const char *ses = record_get_str(recs[i], "session");
		rc = insert_event(k, recs[i], ses);
		if (!rc && !strncmp(recs[i]->type_name, "process.", 8))
			rc = track_process(k, recs[i], ses);
	}
	if (!rc && sqlite3_exec(k->st.db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	err_msg("sqlite sink %s: %s", k->st.path, sqlite3_errmsg(k->st.db));
	sqlite3_exec(k->st.db, "ROLLBACK", NULL, NULL, NULL);
	if (k->open) /* remembered rows may be gone with the batch */
		memset(k->open, 0, OPEN_SLOTS * sizeof(*k->open));
	return -1;
}

static int sqlite_session(struct sink *s, const struct session *ses, bool end)
{
	struct sqlite_sink *k = s->priv;
	struct strbuf cmd = STRBUF_INIT;
	sqlite3_stmt *q;
	int i, rc;

	sb_putc(&cmd, '[');
	for (i = 0; i < ses->argc; i++) {
		if (i)
			sb_putc(&cmd, ',');
		sb_json_str(&cmd, ses->argv[i]);
	}
	sb_putc(&cmd, ']');
	rc = sqlite3_prepare_v2(
		k->st.db,
		"INSERT INTO sessions(id, key, agent, project, user, host, command, cgroup, "
		"start_ns,"
		" end_ns, exit_code, exit_signal, events, drops, processes, drops_detail)"
		" VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,"
		" (SELECT count(*) FROM processes WHERE session=?1), ?15)"
		" ON CONFLICT(id) DO UPDATE SET end_ns=?10, exit_code=?11, exit_signal=?12,"
		" events=?13, drops=?14, processes=(SELECT count(*) FROM processes WHERE "
		"session=?1),"
		" drops_detail=?15",
		-1, &q, NULL);
	if (rc != SQLITE_OK) {
		sb_free(&cmd);
		return -1;
	}
	bind_str(q, 1, ses->id);
	sqlite3_bind_int64(q, 2, (int64_t)ses->key);
	bind_str(q, 3, ses->agent);
	bind_str(q, 4, ses->project);
	bind_str(q, 5, ses->user);
	bind_str(q, 6, ses->host);
	bind_str(q, 7, sb_cstr(&cmd));
	bind_str(q, 8, ses->cgroup_path);
	sqlite3_bind_int64(q, 9, (int64_t)ses->start_ns);
	if (end) {
		sqlite3_bind_int64(q, 10, (int64_t)ses->end_ns);
		sqlite3_bind_int64(q, 11, ses->exit_code);
		sqlite3_bind_int64(q, 12, ses->exit_signal);
	}
	sqlite3_bind_int64(q, 13, (int64_t)ses->events);
	sqlite3_bind_int64(q, 14, (int64_t)ses->drops);
	bind_str(q, 15, *ses->drops_detail ? ses->drops_detail : "{}");
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
	if (rc)
		err_msg("sqlite sink %s: %s", k->st.path, sqlite3_errmsg(k->st.db));
	sqlite3_finalize(q);
	sb_free(&cmd);
	return rc;
}

static int sqlite_session_begin(struct sink *s, const struct session *ses)
{
	return sqlite_session(s, ses, false);
}

static int sqlite_session_end(struct sink *s, const struct session *ses)
{
	return sqlite_session(s, ses, true);
}

const struct sink_ops sqlite_sink_ops = {
	.scheme = "sqlite",
	.open = sqlite_open,
	.write = sqlite_write,
	.close = sqlite_close,
	.session_begin = sqlite_session_begin,
	.session_end = sqlite_session_end,
};
