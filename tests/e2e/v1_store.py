"""v1_store.py: the schema v1 store fixture generator (no binary blob): the
v1 schema exactly as proctor wrote it before schema v2 (src/store/store.c at
f84f2c8), filled from a recorded v2 store. The v2 `events` view gives back
each v1 row byte for byte (the hash chain proves it), so the v1 file holds
what main's writer stored."""
import sqlite3

V1_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sessions(
 id TEXT PRIMARY KEY, key INTEGER, agent TEXT NOT NULL DEFAULT '',
 project TEXT NOT NULL DEFAULT '', user TEXT, host TEXT, command TEXT, cgroup TEXT,
 start_ns INTEGER, end_ns INTEGER, exit_code INTEGER, exit_signal INTEGER,
 events INTEGER DEFAULT 0, drops INTEGER DEFAULT 0, processes INTEGER DEFAULT 0,
 drops_detail TEXT, origin TEXT NOT NULL DEFAULT 'run', container TEXT NOT NULL DEFAULT '',
 pod TEXT NOT NULL DEFAULT '');
CREATE TABLE processes(
 id INTEGER PRIMARY KEY, session TEXT NOT NULL, pid INTEGER NOT NULL, ppid INTEGER,
 start_ns INTEGER, exec_ns INTEGER, end_ns INTEGER, exe TEXT, argv TEXT, cmdline TEXT, cwd TEXT,
 comm TEXT, uid INTEGER, exit_code INTEGER, exit_signal TEXT, threads INTEGER DEFAULT 0,
 seeded INTEGER DEFAULT 0);
CREATE INDEX processes_session_pid ON processes(session, pid);
CREATE TABLE events(
 id INTEGER PRIMARY KEY, session TEXT NOT NULL, time_ns INTEGER NOT NULL,
 type TEXT NOT NULL, pid INTEGER, path TEXT, summary TEXT, data TEXT NOT NULL,
 seq INTEGER, digest BLOB);
CREATE INDEX events_session_time ON events(session, time_ns);
CREATE INDEX events_session_type ON events(session, type);
CREATE TABLE checkpoints(
 id INTEGER PRIMARY KEY, session TEXT NOT NULL, seq INTEGER NOT NULL,
 hash BLOB NOT NULL, time_ns INTEGER NOT NULL, final INTEGER NOT NULL,
 key_id TEXT NOT NULL, sig BLOB NOT NULL);
CREATE INDEX checkpoints_session ON checkpoints(session, seq);
CREATE TABLE tokens(
 id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, scope TEXT NOT NULL, projects TEXT,
 created_ns INTEGER NOT NULL, revoked_ns INTEGER);
CREATE TABLE audit(
 id INTEGER PRIMARY KEY, time_ns INTEGER NOT NULL, action TEXT NOT NULL,
 actor TEXT NOT NULL, detail TEXT NOT NULL);
INSERT INTO meta VALUES('schema_version', '1');
"""

COPIED = ["sessions", "processes", "events", "checkpoints", "tokens", "audit"]


def make_v1(src, dst):
    """A v1 store at dst holding everything the v2 store at src holds."""
    con = sqlite3.connect(dst)
    con.executescript(V1_SCHEMA)
    con.execute("ATTACH DATABASE ? AS src", (str(src),))
    for t in COPIED:
        cols = [r[1] for r in con.execute(f"PRAGMA main.table_info({t})")]
        names = ", ".join(cols)
        con.execute(f"INSERT INTO main.{t}({names}) SELECT {names} FROM src.{t} ORDER BY id")
    con.commit()
    con.execute("DETACH DATABASE src")
    con.close()
