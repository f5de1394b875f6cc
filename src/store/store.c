/* store.c: the SQLite store's schema, and opening it (read-write with the
 * schema created, or read-only with its version checked). */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
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
	" drops_detail TEXT, origin TEXT NOT NULL DEFAULT 'run', container TEXT NOT NULL DEFAULT "
	"'',"
	" pod TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE IF NOT EXISTS processes("
	" id INTEGER PRIMARY KEY, session TEXT NOT NULL, pid INTEGER NOT NULL, ppid INTEGER,"
	" start_ns INTEGER, exec_ns INTEGER, end_ns INTEGER, exe TEXT, argv TEXT, cmdline TEXT, "
	"cwd TEXT,"
	" comm TEXT, uid INTEGER, exit_code INTEGER, exit_signal TEXT, threads INTEGER DEFAULT 0,"
	" seeded INTEGER DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS processes_session_pid ON processes(session, pid);"
	"CREATE TABLE IF NOT EXISTS events("
	" id INTEGER PRIMARY KEY, session TEXT NOT NULL, time_ns INTEGER NOT NULL,"
	" type TEXT NOT NULL, pid INTEGER, path TEXT, summary TEXT, data TEXT NOT NULL,"
	" seq INTEGER, digest BLOB);"
	"CREATE INDEX IF NOT EXISTS events_session_time ON events(session, time_ns);"
	"CREATE INDEX IF NOT EXISTS events_session_type ON events(session, type);"
	/* (session, pid) cost every insert a random-order index update and led
	 * the planner away from (session, type) for the per-type GROUP BY pid
	 * queries of `proctor tree`: gone, also from older stores. */
	"DROP INDEX IF EXISTS events_session_pid;"
	/* Signed chain heads (store/chain.h, docs/STORE.md). */
	"CREATE TABLE IF NOT EXISTS checkpoints("
	" id INTEGER PRIMARY KEY, session TEXT NOT NULL, seq INTEGER NOT NULL,"
	" hash BLOB NOT NULL, time_ns INTEGER NOT NULL, final INTEGER NOT NULL,"
	" key_id TEXT NOT NULL, sig BLOB NOT NULL);"
	"CREATE INDEX IF NOT EXISTS checkpoints_session ON checkpoints(session, seq);"
	/* API tokens (store/api.h, docs/API.md): only the SHA-256 of a token is
	 * kept; projects is a JSON array, NULL for all projects. */
	"CREATE TABLE IF NOT EXISTS tokens("
	" id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, scope TEXT NOT NULL, projects TEXT,"
	" created_ns INTEGER NOT NULL, revoked_ns INTEGER);"
	/* Admin actions (token create/revoke), themselves recorded. */
	"CREATE TABLE IF NOT EXISTS audit("
	" id INTEGER PRIMARY KEY, time_ns INTEGER NOT NULL, action TEXT NOT NULL,"
	" actor TEXT NOT NULL, detail TEXT NOT NULL);";

/* Stores made before the chain lack its two columns on events. */
static const char chain_columns_sql[] =
	"ALTER TABLE events ADD COLUMN seq INTEGER; ALTER TABLE events ADD COLUMN digest BLOB;";

/* Stores made before sessions said how they began (run, watch, auto) and
 * which container or pod they are. */
static const char origin_columns_sql[] =
	"ALTER TABLE sessions ADD COLUMN origin TEXT NOT NULL DEFAULT 'run';"
	"ALTER TABLE sessions ADD COLUMN container TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE sessions ADD COLUMN pod TEXT NOT NULL DEFAULT '';";

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

bool store_has_column(struct store *st, const char *table, const char *column)
{
	char sql[256];
	sqlite3_stmt *q;
	bool found = false;

	snprintf(sql, sizeof(sql), "SELECT name FROM pragma_table_info('%s')", table);
	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK)
		return false;
	while (!found && sqlite3_step(q) == SQLITE_ROW)
		found = !strcmp((const char *)sqlite3_column_text(q, 0), column);
	sqlite3_finalize(q);
	return found;
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

/* An existing SQLite file with tables but no proctor schema version is
 * someone else's database: never add tables to it. */
static int check_foreign(struct store *st, char *err, size_t errlen)
{
	sqlite3_stmt *q;
	int tables = 0, ours = 0;

	if (sqlite3_prepare_v2(
		    st->db,
		    "SELECT count(*), sum(name='meta') FROM sqlite_master WHERE type='table'", -1,
		    &q, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s is not a proctor store (%s)", st->path,
			 sqlite3_errmsg(st->db));
		return -1;
	}
	if (sqlite3_step(q) == SQLITE_ROW) {
		tables = sqlite3_column_int(q, 0);
		ours = sqlite3_column_int(q, 1);
	}
	sqlite3_finalize(q);
	if (tables && !ours) {
		snprintf(err, errlen,
			 "%s is not a proctor store (a SQLite database with other tables)",
			 st->path);
		return -1;
	}
	return 0;
}

/* The store's directory: created (0700) only for the default location; a
 * --db elsewhere must name an existing directory. The file itself is
 * created 0600 (SQLite gives its -wal and -shm files the same mode). */
static int prepare_file(const char *path, char *err, size_t errlen)
{
	char dir[4096], *slash;
	struct stat sb;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) && slash != dir) {
		*slash = 0;
		if (!strcmp(path, "/var/lib/proctor/proctor.db") ||
		    (getenv("PROCTOR_DB") == NULL && !strcmp(path, store_default_path()))) {
			if (mkdir_p(dir, 0700)) {
				snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
				return -1;
			}
		} else if (stat(dir, &sb) || !S_ISDIR(sb.st_mode)) {
			snprintf(err, errlen, "cannot create store %s: directory %s does not exist",
				 path, dir);
			return -1;
		}
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open store %s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/* Switching a new store to WAL takes an exclusive lock, and SQLite answers
 * SQLITE_BUSY there without calling the busy handler (it could deadlock), so
 * two runs creating one store at once retry here, for as long as the busy
 * timeout would wait. */
static int set_wal(struct store *st, char *err, size_t errlen)
{
	int rc, i;

	for (i = 0; i < STORE_BUSY_MS / 10; i++) {
		rc = sqlite3_exec(st->db, "PRAGMA journal_mode=WAL;", NULL, NULL, NULL);
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			break;
		usleep(10000);
	}
	if (rc != SQLITE_OK)
		return exec_sql(st, "PRAGMA journal_mode=WAL;", err, errlen);
	return exec_sql(st, "PRAGMA synchronous=NORMAL;", err, errlen);
}

int store_open_rw(struct store *st, const char *path, char *err, size_t errlen)
{
	memset(st, 0, sizeof(*st));
	snprintf(st->path, sizeof(st->path), "%s", path);
	if (prepare_file(path, err, errlen))
		return -1;
	if (sqlite3_open_v2(path, &st->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open store %s: %s", path,
			 st->db ? sqlite3_errmsg(st->db) : "out of memory");
		store_close(st);
		return -1;
	}
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	if (check_foreign(st, err, errlen))
		goto fail;
	if (set_wal(st, err, errlen) || exec_sql(st, "BEGIN IMMEDIATE;", err, errlen))
		goto fail;
	if (exec_sql(st, schema_sql, err, errlen) ||
	    (!store_has_column(st, "events", "digest") &&
	     exec_sql(st, chain_columns_sql, err, errlen)) ||
	    (!store_has_column(st, "sessions", "origin") &&
	     exec_sql(st, origin_columns_sql, err, errlen))) {
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
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
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

const char *store_errmsg(const struct store *st)
{
	return st->db ? sqlite3_errmsg(st->db) : "store not open";
}
