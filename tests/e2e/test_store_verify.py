"""test_store_verify.py: the store's hash chain and signed checkpoints
(docs/STORE.md). A recorded session verifies; every edit made directly in
the SQLite file (change, delete, cut the tail, swap, re-chain, break a
signature, drop the checkpoints) makes `proctor verify` exit 1 naming the
first bad record and what is wrong."""
import hashlib
import shutil
import sqlite3
import struct

import pytest

from conftest import PROCTOR, run

WORKLOAD = ["sh", "-c", "for i in 1 2 3 4 5 6; do cat /etc/hostname >/dev/null; done; ls / >/dev/null"]


@pytest.fixture
def recorded(proctor):
    p = proctor.run(WORKLOAD)
    assert p.returncode == 0, p.stderr
    sid = proctor.last_session()["session"]
    return proctor, sid


def verify(db, *args):
    return run([PROCTOR, "verify", "--db", str(db), *args])


def edited(proctor, tmp_path, sql, *params):
    db = tmp_path / "edited.db"
    shutil.copy(proctor.db, db)
    con = sqlite3.connect(db)
    con.execute(sql, params)
    con.commit()
    con.close()
    return db


def rows(db, sid):
    con = sqlite3.connect(db)
    out = con.execute("SELECT id, seq FROM events WHERE session=? ORDER BY id", (sid,)).fetchall()
    con.close()
    return out


def test_intact_session_verifies(recorded):
    proctor, sid = recorded
    n = len(rows(proctor.db, sid))
    assert n > 10
    p = verify(proctor.db, sid)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout == f"{sid}: intact, {n} records, " + p.stdout.split(", ", 2)[2]
    assert f"(signed up to record {n})" in p.stdout
    # the sequence numbers are 1..n in insertion order
    assert [s for _, s in rows(proctor.db, sid)] == list(range(1, n + 1))
    assert verify(proctor.db, "--all").returncode == 0


def test_changed_row_is_modified(recorded, tmp_path):
    proctor, sid = recorded
    rowid = rows(proctor.db, sid)[4][0]
    db = edited(proctor, tmp_path, "UPDATE events SET time_ns = time_ns + 1 WHERE id=?", rowid)
    p = verify(db, sid)
    assert p.returncode == 1
    assert p.stdout == (f"{sid}: modified at record 5 (events row {rowid}): "
                        "its contents do not match its chain hash\n")


def test_deleted_row(recorded, tmp_path):
    proctor, sid = recorded
    rowid = rows(proctor.db, sid)[6][0]
    db = edited(proctor, tmp_path, "DELETE FROM events WHERE id=?", rowid)
    p = verify(db, sid)
    assert p.returncode == 1
    assert p.stdout == f"{sid}: deleted at record 7: records 7..7 are missing\n"


def test_dropped_tail_is_truncated(recorded, tmp_path):
    proctor, sid = recorded
    r = rows(proctor.db, sid)
    n = len(r)
    db = edited(proctor, tmp_path, "DELETE FROM events WHERE id>=?", r[n - 3][0])
    p = verify(db, sid)
    assert p.returncode == 1
    assert p.stdout == (f"{sid}: truncated at record {n - 2}: records {n - 2}..{n} are gone "
                        f"(signed checkpoint at {n})\n")


def test_swapped_rows_are_reordered(recorded, tmp_path):
    proctor, sid = recorded
    a, b = rows(proctor.db, sid)[3][0], rows(proctor.db, sid)[4][0]
    db = tmp_path / "swapped.db"
    shutil.copy(proctor.db, db)
    con = sqlite3.connect(db)
    cols = "session, time_ns, type, pid, path, summary, data, seq, digest"
    ra = con.execute(f"SELECT {cols} FROM events WHERE id=?", (a,)).fetchone()
    rb = con.execute(f"SELECT {cols} FROM events WHERE id=?", (b,)).fetchone()
    sets = ", ".join(f"{c.strip()}=?" for c in cols.split(","))
    con.execute(f"UPDATE events SET {sets} WHERE id=?", (*rb, a))
    con.execute(f"UPDATE events SET {sets} WHERE id=?", (*ra, b))
    con.commit()
    con.close()
    p = verify(db, sid)
    assert p.returncode == 1
    assert p.stdout == f"{sid}: reordered at record 4 (events row {a}): record 5 stored before record 4\n"


def canonical_hash(prev, session, seq, time_ns, typ, pid, path, summary, data):
    """docs/STORE.md's encoding, written independently of the C code."""
    def s(v):
        if v is None:
            return struct.pack(">I", 0xFFFFFFFF)
        b = v.encode() if isinstance(v, str) else v
        return struct.pack(">I", len(b)) + b
    msg = prev + struct.pack(">QQQ", seq, time_ns & (2**64 - 1), pid & (2**64 - 1))
    msg += s(session) + s(typ) + s(path) + s(summary) + s(data)
    return hashlib.sha256(msg).digest()


def test_rechained_rows_fail_the_signed_checkpoint(recorded, tmp_path):
    """An editor who recomputes every row's digest after a change (the chain
    is public) still cannot sign: the checkpoint names the rewrite."""
    proctor, sid = recorded
    db = tmp_path / "rechained.db"
    shutil.copy(proctor.db, db)
    con = sqlite3.connect(db)
    q = con.execute("SELECT id, seq, time_ns, type, pid, path, summary, data, digest FROM events"
                    " WHERE session=? ORDER BY id", (sid,)).fetchall()
    prev = orig = bytes(32)
    for i, (rid, seq, t, typ, pid, path, summ, data, digest) in enumerate(q):
        orig = canonical_hash(orig, sid, seq, t, typ, pid, path, summ, data)
        assert orig[:16] == digest, f"record {seq}: the documented encoding differs from the store's"
        h = canonical_hash(prev, sid, seq, t, typ, pid, path, summ, data)
        if i == 2:
            t += 1000
            h = canonical_hash(prev, sid, seq, t, typ, pid, path, summ, data)
        con.execute("UPDATE events SET time_ns=?, digest=? WHERE id=?", (t, h[:16], rid))
        prev = h
    con.commit()
    con.close()
    p = verify(db, sid)
    assert p.returncode == 1
    first = con_first_checkpoint(db, sid)
    assert p.stdout == (f"{sid}: modified at record {first}: the chain up to record {first} "
                        "does not match its signed checkpoint (rewritten)\n")


def con_first_checkpoint(db, sid):
    con = sqlite3.connect(db)
    (seq,) = con.execute("SELECT min(seq) FROM checkpoints WHERE session=? AND seq>=3",
                         (sid,)).fetchone()
    con.close()
    return seq


def test_broken_signature(recorded, tmp_path):
    proctor, sid = recorded
    n = len(rows(proctor.db, sid))
    db = edited(proctor, tmp_path,
                "UPDATE checkpoints SET sig = zeroblob(64) WHERE session=? AND final=1", sid)
    p = verify(db, sid)
    assert p.returncode == 1
    assert p.stdout == f"{sid}: signature mismatch at record {n}: the checkpoint's signature does not verify\n"


def test_removed_checkpoints_and_tail(recorded, tmp_path):
    proctor, sid = recorded
    r = rows(proctor.db, sid)
    db = edited(proctor, tmp_path, "DELETE FROM checkpoints WHERE session=?", sid)
    con = sqlite3.connect(db)
    con.execute("DELETE FROM events WHERE id>=?", (r[-2][0],))
    con.commit()
    con.close()
    p = verify(db, sid)
    assert p.returncode == 1
    assert p.stdout == f"{sid}: truncated at record 1: the session has no checkpoint\n"


def test_verify_usage_and_key_errors(recorded, tmp_path):
    proctor, sid = recorded
    p = verify(proctor.db, "--bogus")
    assert p.returncode == 2 and "unknown option '--bogus'" in p.stderr and "usage:" in p.stderr
    p = verify(proctor.db, sid, "--all")
    assert p.returncode == 2
    p = verify(proctor.db, sid, "--key", str(tmp_path / "none.pub"))
    assert p.returncode == 3 and "cannot read public key" in p.stderr
    # another host's key: every checkpoint is a signature mismatch
    other = tmp_path / "other.pub"
    run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(tmp_path / "o.key")], check=True)
    run(["openssl", "pkey", "-in", str(tmp_path / "o.key"), "-pubout", "-out", str(other)], check=True)
    p = verify(proctor.db, sid, "--key", str(other))
    assert p.returncode == 1 and ": signature mismatch at record " in p.stdout
    assert "not this host's" in p.stdout


def test_new_store_waits_for_another_writer(proctor):
    """Another writer holds the brand-new store file while a run creates its
    schema: switching to WAL gets SQLITE_BUSY without SQLite's busy handler,
    so the run must wait for the lock (as two first runs at once do), not fail
    with "database is locked"."""
    import threading
    held = sqlite3.connect(proctor.db, isolation_level=None, check_same_thread=False)
    held.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.5, lambda: held.execute("ROLLBACK"))
    release.start()
    try:
        p = proctor.run(["true"])
    finally:
        release.join()
        held.close()
    assert p.returncode == 0, p.stderr
    assert [s["exit.code"] for s in proctor.sessions()] == [0]
