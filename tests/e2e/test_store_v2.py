"""test_store_v2.py: schema v2 of the store (docs/STORE.md): events rows hold
only their own fields (process contexts and field shapes once), every reader
gets the v1 record back byte for byte; a v1 store made with the v1 schema
reads as it is, refuses writes until `proctor db migrate`, and migrates
losslessly; `proctor db prune` removes whole ended sessions and leaves a
signed, verifiable record of what it removed."""
import hashlib
import os
import shutil
import sqlite3
import time

from conftest import PROCTOR, run
from v1_store import make_v1

WORKLOAD = ["sh", "-c", "for i in 1 2 3 4 5 6; do cat /etc/hostname >/dev/null; done; ls / >/dev/null"]


def cli(db, *args):
    return run([PROCTOR, *args, "--db", str(db)])


def log_lines(db, sid):
    p = cli(db, "log", sid, "--json")
    assert p.returncode == 0, p.stderr
    return p.stdout


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_rows_hold_only_their_own_fields(proctor):
    p = proctor.run(WORKLOAD)
    assert p.returncode == 0, p.stderr
    sid = proctor.last_session()["session"]
    con = sqlite3.connect(proctor.db)
    assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("2",)
    rows = con.execute("SELECT data, ctx FROM event_rows").fetchall()
    assert len(rows) > 10
    # every row of an ordinary session is packed, and none repeats its
    # process's fields: they are in contexts, once per process image
    assert all(ctx is not None for _, ctx in rows)
    for data, _ in rows:
        for key in ('"session"', '"host.name"', '"process.parent.chain"', '"process.user.name"',
                    '"time"', '"type"'):
            assert key not in data
    nctx = con.execute("SELECT count(*) FROM contexts").fetchone()[0]
    nproc = con.execute("SELECT count(*) FROM processes").fetchone()[0]
    assert 0 < nctx <= 3 * nproc
    # the view gives back the full record the sinks saw
    full = [r[0] for r in con.execute("SELECT data FROM events WHERE session=? ORDER BY id", (sid,))]
    con.close()
    assert [line for line in log_lines(proctor.db, sid).splitlines()] == full
    assert all('"process.parent.chain"' in d and d.startswith('{"time":"') for d in full)
    assert cli(proctor.db, "verify", sid).returncode == 0


def test_hostile_names_are_kept_exactly(proctor, tmp_path):
    """Names the view could not put back as they are (quotes, backslashes,
    control bytes, the marker bytes themselves) keep their row whole."""
    names = ['q"uote', 'back\\slash', 'nl\nline', 'm\x01\x05\x0e\x10rk']
    d = tmp_path / "h"
    d.mkdir()
    for n in names:
        (d / n).write_text("x")
    script = "; ".join(f"cat '{d / n}' >/dev/null" for n in names)
    p = proctor.run(["sh", "-c", script])
    assert p.returncode == 0, p.stderr
    sid = proctor.last_session()["session"]
    assert cli(proctor.db, "verify", sid).returncode == 0
    opened = {e["file.path"] for e in proctor.events(sid) if e["type"] == "file.open"}
    for n in names:
        assert str(d / n) in opened


def test_v1_store_reads_refuses_writes_and_migrates(proctor, tmp_path):
    for _ in range(2):
        p = proctor.run(WORKLOAD)
        assert p.returncode == 0, p.stderr
    sids = [s["session"] for s in proctor.sessions()]
    v1 = tmp_path / "v1.db"
    make_v1(proctor.db, v1)
    want = {sid: log_lines(proctor.db, sid) for sid in sids}

    # read-only: every reader works, and says what the file is
    for sid in sids:
        assert log_lines(v1, sid) == want[sid]
    p = cli(v1, "sessions")
    assert p.returncode == 0 and "schema version 1 store" in p.stderr and "db migrate" in p.stderr
    assert cli(v1, "tree", sids[0]).returncode == 0
    p = cli(v1, "verify", "--all")
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.count(": intact, ") == 2

    # a writer refuses it, never converting or adding to it silently
    before = sha(v1)
    p = run([PROCTOR, "run", "--db", str(v1), "--", "true"])
    assert p.returncode != 0
    assert "schema version 1 store" in p.stderr and f"proctor db migrate --db {v1}" in p.stderr
    assert sha(v1) == before

    p = cli(v1, "db", "migrate")
    assert p.returncode == 0, p.stderr
    n = sum(len(w.splitlines()) for w in want.values())
    assert p.stdout.startswith(f"{v1}: migrated from schema version 1 to 2: {n} events of 2 sessions, ")
    con = sqlite3.connect(v1)
    assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("2",)
    assert con.execute("SELECT count(*) FROM event_rows WHERE ctx IS NULL").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM sqlite_master WHERE name='events_v1'").fetchone() == (0,)
    con.close()
    for sid in sids:
        assert log_lines(v1, sid) == want[sid]
    p = cli(v1, "verify", "--all")
    assert p.returncode == 0 and p.stdout.count(": intact, ") == 2, p.stdout
    p = cli(v1, "sessions")
    assert p.returncode == 0 and "schema version 1" not in p.stderr
    # migrated once: again is a no-op that says so; the store takes writes
    p = cli(v1, "db", "migrate")
    assert p.returncode == 0 and p.stdout == f"{v1}: already schema version 2 ({n} events)\n"
    p = run([PROCTOR, "run", "--db", str(v1), "--", "true"])
    assert p.returncode == 0, p.stderr
    assert cli(v1, "verify", "--all").stdout.count(": intact, ") == 3


def test_prune_older_than_keeps_the_chain_verifiable(proctor, tmp_path):
    p = proctor.run(WORKLOAD)
    assert p.returncode == 0, p.stderr
    old = proctor.last_session()["session"]
    con = sqlite3.connect(proctor.db)
    nold = con.execute("SELECT count(*) FROM events WHERE session=?", (old,)).fetchone()[0]
    con.close()
    time.sleep(3)
    p = proctor.run(WORKLOAD)
    assert p.returncode == 0, p.stderr
    new = proctor.last_session()["session"]
    p = proctor.cli("db", "prune", "--older-than", "2s")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(f"{proctor.db}: pruned {nold} events of 1 sessions, ")
    con = sqlite3.connect(proctor.db)
    assert con.execute("SELECT count(*) FROM events WHERE session=?", (old,)).fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM events WHERE session=?", (new,)).fetchone()[0] > 10
    assert con.execute("SELECT session, first_seq, last_seq, records, reason FROM pruned"
                       ).fetchall() == [(old, 1, nold, nold, "older-than")]
    assert con.execute("SELECT count(*) FROM checkpoints WHERE session=?", (old,)).fetchone()[0] >= 1
    con.close()
    # the session is still listed; its chain verifies up to its signed end
    assert old in [s["session"] for s in proctor.sessions()]
    p = proctor.cli("verify", old)
    assert p.returncode == 0, p.stdout
    assert p.stdout.startswith(f"{old}: intact, 0 records (records 1..{nold} pruned), ")
    assert p.stdout.endswith(f"(signed up to record {nold})\n")
    assert proctor.cli("verify", new).returncode == 0
    # the prune record is signed: moving its range is caught
    bad = tmp_path / "bad.db"
    shutil.copy(proctor.db, bad)
    con = sqlite3.connect(bad)
    con.execute("UPDATE pruned SET last_seq = last_seq - 1")
    con.commit()
    con.close()
    p = cli(bad, "verify", old)
    assert p.returncode == 1
    assert p.stdout == (f"{old}: signature mismatch at record 1: the record of records "
                        f"1..{nold - 1} pruned is not signed by this host's key\n")


def test_prune_max_size_and_usage(proctor):
    for _ in range(2):
        assert proctor.run(WORKLOAD).returncode == 0
    sids = [s["session"] for s in proctor.sessions()]
    # nothing is old enough: nothing goes
    p = proctor.cli("db", "prune", "--older-than", "30d")
    assert p.returncode == 0 and ": pruned 0 events of 0 sessions, " in p.stdout
    # a cap below anything: every ended session's records go, oldest first
    p = proctor.cli("db", "prune", "--max-size", "1")
    assert p.returncode == 0, p.stderr
    assert ": pruned " in p.stdout and " events of 2 sessions, " in p.stdout
    con = sqlite3.connect(proctor.db)
    assert con.execute("SELECT session, reason FROM pruned ORDER BY id").fetchall() == [
        (sids[0], "max-size"), (sids[1], "max-size")]
    assert con.execute("SELECT count(*) FROM event_rows").fetchone() == (0,)
    con.close()
    p = proctor.cli("verify", "--all")
    assert p.returncode == 0 and p.stdout.count(" pruned), ") == 2, p.stdout
    for args in (["db"], ["db", "bogus"], ["db", "prune"], ["db", "prune", "--older-than", "-1d"],
                 ["db", "prune", "--older-than", "soon"], ["db", "prune", "--max-size", "0"],
                 ["db", "migrate", "--bogus"], ["db", "prune", "--older-than", "1d", "extra"]):
        p = proctor.cli(*args)
        assert p.returncode == 2, (args, p.stderr)
        assert "usage: proctor db" in p.stderr
    p = run([PROCTOR, "db", "migrate", "--db", "/nonexistent/x.db"])
    assert p.returncode == 3 and "no store at /nonexistent/x.db" in p.stderr
    assert not os.path.exists("/nonexistent")
