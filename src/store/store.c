/* store.c: schema, open/validate, and read queries of the SQLite store. */
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS sessions("
	" id TEXT PRIMARY KEY, key INTEGER, agent TEXT NOT NULL DEFAULT '',"
	" project TEXT NOT NULL DEFAULT '', user TEXT, host TEXT, command TEXT, cgroup TEXT,"
	" start_ns INTEGER, end_ns INTEGER, exit_code INTEGER, exit_signal INTEGER,"
	" events INTEGER DEFAULT 0, drops INTEGER DEFAULT 0, processes INTEGER DEFAULT 0,"
	" drops_detail TEXT);"
	"CREATE TABLE IF NOT EXISTS processes("
	" id INTEGER PRIMARY KEY, session TEXT NOT NULL, pid INTEGER NOT NULL, ppid INTEGER,"
	" start_ns INTEGER, exec_ns INTEGER, end_ns INTEGER, exe TEXT, argv TEXT, cmdline TEXT, "
	"cwd TEXT,"
	" comm TEXT, uid INTEGER, exit_code INTEGER, exit_signal TEXT, threads INTEGER DEFAULT 0,"
	" seeded INTEGER DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS processes_session_pid ON processes(session, pid);"
	"CREATE TABLE IF NOT EXISTS events("
	" id INTEGER PRIMARY KEY, session TEXT NOT NULL, time_ns INTEGER NOT NULL,"
	" type TEXT NOT NULL, pid INTEGER, path TEXT, summary TEXT, data TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS events_session_time ON events(session, time_ns);"
	"CREATE INDEX IF NOT EXISTS events_session_type ON events(session, type);"
	/* (session, pid) cost every insert a random-order index update and led
	 * the planner away from (session, type) for the per-type GROUP BY pid
	 * queries of `proctor tree`: gone, also from older stores. */
	"DROP INDEX IF EXISTS events_session_pid;";

const char *store_default_path(void)
{
	static char path[4096];
	const char *env = getenv("PROCTOR_DB"), *xdg, *home;

	if (env && *env)
		return env;
	if (geteuid() == 0)
		return "/var/lib/proctor/proctor.db";
	xdg = getenv("XDG_DATA_HOME");
	home = getenv("HOME");
	if (xdg && *xdg)
		snprintf(path, sizeof(path), "%s/proctor/proctor.db", xdg);
	else
		snprintf(path, sizeof(path), "%s/.local/share/proctor/proctor.db",
			 home ? home : ".");
	return path;
}

static int check_version(struct store *st, char *err, size_t errlen)
{
	sqlite3_stmt *q;
	int rc, ver = -1;

	rc = sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key='schema_version'", -1, &q,
				NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s is not a proctor store (%s)", st->path,
			 sqlite3_errmsg(st->db));
		return -1;
	}
	if (sqlite3_step(q) == SQLITE_ROW)
		ver = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	if (ver != STORE_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s has schema version %d, this proctor reads version %d",
			 st->path, ver, STORE_SCHEMA_VERSION);
		return -1;
	}
	return 0;
}

static int exec_sql(struct store *st, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s%s: %s", st->path,
			 sqlite3_errcode(st->db) == SQLITE_NOTADB ? " is not a proctor store" : "",
			 msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int store_open_rw(struct store *st, const char *path, char *err, size_t errlen)
{
	char dir[4096], *slash;

	memset(st, 0, sizeof(*st));
	snprintf(st->path, sizeof(st->path), "%s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) && slash != dir) {
		*slash = 0;
		if (mkdir_p(dir, 0700)) {
			snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	if (sqlite3_open_v2(path, &st->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open store %s: %s", path,
			 st->db ? sqlite3_errmsg(st->db) : "out of memory");
		store_close(st);
		return -1;
	}
	sqlite3_busy_timeout(st->db, 5000);
	if (exec_sql(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", err, errlen) ||
	    exec_sql(st, "BEGIN IMMEDIATE;", err, errlen))
		goto fail;
	if (exec_sql(st, schema_sql, err, errlen)) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		goto fail;
	}
	if (exec_sql(st, "INSERT OR IGNORE INTO meta VALUES('schema_version','1');", err, errlen) ||
	    exec_sql(st, "COMMIT;", err, errlen))
		goto fail;
	if (check_version(st, err, errlen))
		goto fail;
	return 0;
fail:
	store_close(st);
	return -1;
}

int store_open_ro(struct store *st, const char *path, char *err, size_t errlen)
{
	struct stat sb;

	memset(st, 0, sizeof(*st));
	snprintf(st->path, sizeof(st->path), "%s", path);
	if (stat(path, &sb)) {
		snprintf(err, errlen,
			 "no store at %s (%s): record a session with `proctor run` or "
			 "pass --db PATH",
			 path, strerror(errno));
		return -1;
	}
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open store %s: %s", path,
			 st->db ? sqlite3_errmsg(st->db) : "out of memory");
		store_close(st);
		return -1;
	}
	sqlite3_busy_timeout(st->db, 5000);
	if (check_version(st, err, errlen)) {
		store_close(st);
		return -1;
	}
	return 0;
}

void store_close(struct store *st)
{
	if (st->db)
		sqlite3_close_v2(st->db);
	st->db = NULL;
}

static const char *col_text(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	return t ? (const char *)t : "";
}

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

int store_foreach_session(struct store *st, int (*fn)(void *, const struct store_session_row *),
			  void *ctx)
{
	sqlite3_stmt *q;
	int rc = 0;

	if (sqlite3_prepare_v2(
		    st->db,
		    "SELECT id, agent, project, user, host, command, start_ns, end_ns,"
		    " exit_code, exit_signal, events, drops, processes, drops_detail FROM sessions"
		    " ORDER BY start_ns, rowid",
		    -1, &q, NULL) != SQLITE_OK)
		return -1;
	while (!rc && sqlite3_step(q) == SQLITE_ROW) {
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
		};
		rc = fn(ctx, &r);
	}
	sqlite3_finalize(q);
	return rc;
}

int store_foreach_process(struct store *st, const char *session,
			  int (*fn)(void *, const struct store_process_row *), void *ctx)
{
	sqlite3_stmt *q;
	int rc = 0;

	if (sqlite3_prepare_v2(
		    st->db,
		    "SELECT id, pid, ppid, start_ns, exec_ns, end_ns, exit_code, uid, threads,"
		    " exe, argv, cwd, comm, exit_signal, cmdline FROM processes WHERE session = ?"
		    " ORDER BY coalesce(start_ns, exec_ns), id",
		    -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, session, -1, SQLITE_TRANSIENT);
	while (!rc && sqlite3_step(q) == SQLITE_ROW) {
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
	sqlite3_finalize(q);
	return rc;
}

int store_foreach_event(struct store *st, const struct store_event_filter *f,
			int (*fn)(void *, const char *, const char *), void *ctx)
{
	sqlite3_stmt *q;
	int rc = 0;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT data, summary FROM events WHERE session = ?1"
			       " AND (?2 IS NULL OR substr(type, 1, length(?2)) = ?2)"
			       " AND (?3 = 0 OR pid = ?3)"
			       " AND (?4 IS NULL OR path GLOB ?4)"
			       " AND (?5 IS NULL OR json_extract(data, '$.\"server.address\"') = ?5"
			       "  OR json_extract(data, '$.\"dns.question.name\"') = ?5"
			       "  OR json_extract(data, '$.\"network.peer.address\"') = ?5)"
			       " ORDER BY id",
			       -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, f->session, -1, SQLITE_TRANSIENT);
	if (f->type_prefix)
		sqlite3_bind_text(q, 2, f->type_prefix, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 3, f->pid);
	if (f->path_glob)
		sqlite3_bind_text(q, 4, f->path_glob, -1, SQLITE_TRANSIENT);
	if (f->host)
		sqlite3_bind_text(q, 5, f->host, -1, SQLITE_TRANSIENT);
	while (!rc && sqlite3_step(q) == SQLITE_ROW)
		rc = fn(ctx, col_text(q, 0), col_text(q, 1));
	sqlite3_finalize(q);
	return rc;
}
