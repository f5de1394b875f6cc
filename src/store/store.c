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

#include "store/proc_counts.h"
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
	" pod TEXT NOT NULL DEFAULT '', sink_drops TEXT);"
	"CREATE TABLE IF NOT EXISTS processes("
	" id INTEGER PRIMARY KEY, session TEXT NOT NULL, pid INTEGER NOT NULL, ppid INTEGER,"
	" start_ns INTEGER, exec_ns INTEGER, end_ns INTEGER, exe TEXT, argv TEXT, cmdline TEXT, "
	"cwd TEXT,"
	" comm TEXT, uid INTEGER, exit_code INTEGER, exit_signal TEXT, threads INTEGER DEFAULT 0,"
	" seeded INTEGER DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS processes_session_pid ON processes(session, pid);"
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

/* Schema v2's events (docs/STORE.md, "Schema v2"): event_rows holds what is
 * each record's own, with its process's shared fields cut out into contexts
 * (store/compact.h) and its session as a number (session_ids); the view
 * `events` is the v1 table rebuilt by the join, byte for byte (the chain's
 * canonical record), with triggers so that it is also written, changed and
 * deleted as the v1 table was (events inserted through it are kept whole). */
static const char events_v2_sql[] =
	"CREATE TABLE IF NOT EXISTS session_ids(n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);"
	"CREATE TABLE IF NOT EXISTS contexts("
	" id INTEGER PRIMARY KEY, sid INTEGER NOT NULL, r1 TEXT, r2 TEXT, r3 TEXT, r4 TEXT);"
	"CREATE TABLE IF NOT EXISTS shapes("
	" id INTEGER PRIMARY KEY, sid INTEGER NOT NULL, s1 TEXT, s2 TEXT, s3 TEXT);"
	"CREATE TABLE IF NOT EXISTS event_rows("
	" id INTEGER PRIMARY KEY, sid INTEGER NOT NULL, time_ns INTEGER NOT NULL,"
	" type TEXT NOT NULL, pid INTEGER, path TEXT, summary TEXT, data TEXT NOT NULL,"
	" ctx INTEGER, shape INTEGER, seq INTEGER, digest BLOB);"
	"CREATE INDEX IF NOT EXISTS event_rows_session_time ON event_rows(sid, time_ns);"
	"CREATE INDEX IF NOT EXISTS event_rows_session_type ON event_rows(sid, type);"
	"CREATE VIEW IF NOT EXISTS events AS SELECT e.id AS id, s.id AS session,"
	" e.time_ns AS time_ns, e.type AS type, e.pid AS pid, e.path AS path,"
	" CASE WHEN e.ctx IS NULL THEN e.summary"
	"  ELSE replace(e.summary, char(16), coalesce(e.path, '')) END AS summary,"
	" CASE WHEN e.ctx IS NULL THEN e.data ELSE"
	"  replace(replace(replace(replace(replace(replace(replace(replace(replace(replace("
	"  e.data, char(1), coalesce(c.r1, '')), char(2), coalesce(c.r2, '')),"
	"  char(3), coalesce(c.r3, '')), char(4), coalesce(c.r4, '')),"
	"  char(5), coalesce(h.s1, '')), char(6), coalesce(h.s2, '')),"
	"  char(7), coalesce(h.s3, '')),"
	"  char(14), '\"time\":\"' || strftime('%Y-%m-%dT%H:%M:%S', e.time_ns / 1000000000,"
	"   'unixepoch') || printf('.%09dZ\"', e.time_ns % 1000000000)),"
	"  char(15), '\"type\":\"' || e.type || '\"'),"
	"  char(16), '\"file.path\":\"' || coalesce(e.path, '') || '\"') END AS data,"
	" e.seq AS seq, e.digest AS digest"
	" FROM event_rows e JOIN session_ids s ON s.n = e.sid"
	" LEFT JOIN contexts c ON c.id = e.ctx LEFT JOIN shapes h ON h.id = e.shape;"
	"CREATE TRIGGER IF NOT EXISTS events_insert INSTEAD OF INSERT ON events BEGIN"
	" INSERT OR IGNORE INTO session_ids(id) VALUES(NEW.session);"
	" INSERT INTO event_rows(id, sid, time_ns, type, pid, path, summary, data, ctx, seq,"
	"  digest) VALUES(NEW.id, (SELECT n FROM session_ids WHERE id = NEW.session),"
	"  NEW.time_ns, NEW.type, NEW.pid, NEW.path, NEW.summary, NEW.data, NULL, NEW.seq,"
	"  NEW.digest);"
	" END;"
	"CREATE TRIGGER IF NOT EXISTS events_update INSTEAD OF UPDATE ON events BEGIN"
	" INSERT OR IGNORE INTO session_ids(id) VALUES(NEW.session);"
	" UPDATE event_rows SET id = NEW.id,"
	"  sid = (SELECT n FROM session_ids WHERE id = NEW.session), time_ns = NEW.time_ns,"
	"  type = NEW.type, pid = NEW.pid, path = NEW.path, summary = NEW.summary,"
	"  data = NEW.data, ctx = NULL, shape = NULL, seq = NEW.seq, digest = NEW.digest WHERE id "
	"= OLD.id;"
	" END;"
	"CREATE TRIGGER IF NOT EXISTS events_delete INSTEAD OF DELETE ON events BEGIN"
	" DELETE FROM event_rows WHERE id = OLD.id;"
	" END;"
	/* What `proctor db prune` removed: a session's records first..last (their
	 * checkpoints stay, so the chain up to the last one is still signed),
	 * signed with the host key (store_prune_msg). */
	"CREATE TABLE IF NOT EXISTS pruned("
	" id INTEGER PRIMARY KEY, session TEXT NOT NULL, first_seq INTEGER NOT NULL,"
	" last_seq INTEGER NOT NULL, records INTEGER NOT NULL, time_ns INTEGER NOT NULL,"
	" reason TEXT NOT NULL, key_id TEXT NOT NULL, sig BLOB NOT NULL);";

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

/* The store's schema version: 0 with no meta table or no version in it. */
static int read_version(struct store *st)
{
	sqlite3_stmt *q;
	int ver = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key='schema_version'", -1, &q,
			       NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(q) == SQLITE_ROW)
		ver = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return ver;
}

/* Readers take v1 (through its events table) and v2 (through the view). */
static int check_version(struct store *st, char *err, size_t errlen)
{
	sqlite3_stmt *q;

	if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM meta", -1, &q, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s is not a proctor store (%s)", st->path,
			 sqlite3_errmsg(st->db));
		return -1;
	}
	sqlite3_finalize(q);
	st->version = read_version(st);
	if (st->version != 1 && st->version != STORE_SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "%s has schema version %d, this proctor reads versions 1 and %d", st->path,
			 st->version, STORE_SCHEMA_VERSION);
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
	/* before anything writes (even the WAL switch, which rewrites the
	 * header): a store this proctor does not write stays as it is */
	st->version = read_version(st);
	if (st->version && st->version != STORE_SCHEMA_VERSION) {
		if (st->version == 1)
			snprintf(err, errlen,
				 "%s is a schema version 1 store: `proctor db migrate --db %s` "
				 "makes it version %d (until then it opens read-only: log, "
				 "tree, sessions, verify, report and serve read it)",
				 st->path, st->path, STORE_SCHEMA_VERSION);
		else
			snprintf(err, errlen,
				 "%s has schema version %d, this proctor writes version %d",
				 st->path, st->version, STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (set_wal(st, err, errlen) || exec_sql(st, "BEGIN IMMEDIATE;", err, errlen))
		goto fail;
	if (exec_sql(st, schema_sql, err, errlen) || exec_sql(st, events_v2_sql, err, errlen) ||
	    (!store_has_column(st, "sessions", "sink_drops") &&
	     exec_sql(st, "ALTER TABLE sessions ADD COLUMN sink_drops TEXT;", err, errlen)) ||
	    proc_counts_ensure(st->db, err, errlen) ||
	    exec_sql(st, "INSERT OR IGNORE INTO meta VALUES('schema_version','2');", err, errlen)) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		goto fail;
	}
	if (exec_sql(st, "COMMIT;", err, errlen))
		goto fail;
	st->version = STORE_SCHEMA_VERSION;
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

int store_open_existing(struct store *st, const char *path, char *err, size_t errlen)
{
	struct stat sb;

	memset(st, 0, sizeof(*st));
	snprintf(st->path, sizeof(st->path), "%s", path);
	if (stat(path, &sb)) {
		snprintf(err, errlen, "no store at %s (%s)", path, strerror(errno));
		return -1;
	}
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
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

int store_upgrade_v1_columns(struct store *st, char *err, size_t errlen)
{
	if (!store_has_column(st, "events", "digest") &&
	    exec_sql(st, chain_columns_sql, err, errlen))
		return -1;
	if (!store_has_column(st, "sessions", "origin") &&
	    exec_sql(st, origin_columns_sql, err, errlen))
		return -1;
	return 0;
}

int store_exec(struct store *st, const char *sql, char *err, size_t errlen)
{
	return exec_sql(st, sql, err, errlen);
}

int store_create_v2_schema(struct store *st, char *err, size_t errlen)
{
	return exec_sql(st, schema_sql, err, errlen) || exec_sql(st, events_v2_sql, err, errlen)
		       ? -1
		       : 0;
}

void store_close(struct store *st)
{
	if (st->db)
		sqlite3_close_v2(st->db);
	st->db = NULL;
}

const char *store_errmsg(const struct store *st)
{
	static __thread char msg[4400]; /* the file named: which store is damaged */

	snprintf(msg, sizeof(msg), "%s: %s", st->path,
		 st->db ? sqlite3_errmsg(st->db) : "not open");
	return msg;
}
