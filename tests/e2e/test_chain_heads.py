"""test_chain_heads.py: the store's signed chain heads exported to the other
sinks (store.chain_head records, docs/EVENTS.md) and `proctor verify --heads
FILE`, which holds the store against the copy a SIEM kept (docs/STORE.md).
A session longer than the 1 s checkpoint interval sends periodic heads and a
final one; each equals a checkpoint of the store and the chain recomputed
independently; a store cut or deleted after the fact, which its own
checkpoints no longer show, is caught by the sink's heads."""
import hashlib
import json
import shutil
import sqlite3
import struct

import pytest

from conftest import PROCTOR, run

# three phases, more than a second apart: a checkpoint in each
WORKLOAD = ["sh", "-c", "cat /etc/hostname >/dev/null; sleep 1.3; ls / >/dev/null; sleep 1.3;"
            " for i in 1 2 3; do cat /etc/hostname >/dev/null; done"]


def sink_heads(path, sid):
    lines = [json.loads(line) for line in open(path) if line.strip()]
    return lines, [e for e in lines if e["type"] == "store.chain_head" and e["session"] == sid]


@pytest.fixture
def recorded(proctor, tmp_path):
    out = tmp_path / "siem.jsonl"
    p = proctor.run(WORKLOAD, "--export", f"jsonl:{out}")
    assert p.returncode == 0, p.stderr
    sid = proctor.last_session()["session"]
    return proctor, sid, out


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


def verify(db, *args):
    return run([PROCTOR, "verify", "--db", str(db), *args])


def copy_db(proctor, tmp_path, *sql):
    db = tmp_path / "edited.db"
    shutil.copy(proctor.db, db)
    con = sqlite3.connect(db)
    for q in sql:
        con.execute(*q)
    con.commit()
    con.close()
    return db


def test_sink_heads_equal_the_stores_chain(recorded):
    proctor, sid, out = recorded
    lines, heads = sink_heads(out, sid)
    con = sqlite3.connect(proctor.db)
    rows = con.execute("SELECT seq, time_ns, type, pid, path, summary, data FROM events"
                       " WHERE session=? ORDER BY id", (sid,)).fetchall()
    cks = con.execute("SELECT seq, hex(hash), time_ns, final, key_id, hex(sig) FROM checkpoints"
                      " WHERE session=? ORDER BY id", (sid,)).fetchall()
    stored_heads = con.execute("SELECT count(*) FROM events WHERE type='store.chain_head'").fetchone()
    con.close()
    n = len(rows)
    # periodic heads and the final one, each exactly one of the store's checkpoints
    assert len(heads) >= 3, heads
    assert [(h["store.chain.records"], h["store.chain.head"].upper(), h["store.checkpoint.time_ns"],
             int(h["store.checkpoint.final"]), h["store.checkpoint.key_id"],
             h["store.checkpoint.signature"].upper()) for h in heads] == cks
    assert [h["store.checkpoint.final"] for h in heads] == [False] * (len(heads) - 1) + [True]
    assert heads[-1]["store.chain.records"] == n
    assert heads[-1]["store.url"] == f"sqlite:{proctor.db}"
    assert heads[-1]["store.chain.version"] == 1
    assert all("agent" in h and "project" in h and h["host.name"] for h in heads)
    # each head is the chain of the stored records up to it
    chain, at = bytes(32), {}
    for seq, t, typ, pid, path, summ, data in rows:
        chain = canonical_hash(chain, sid, seq, t, typ, pid, path, summ, data)
        at[seq] = chain.hex()
    for h in heads:
        assert at[h["store.chain.records"]] == h["store.chain.head"]
    # the sink has every stored record and the heads besides; the store no heads
    assert len([e for e in lines if e["type"] != "store.chain_head"]) == n
    assert stored_heads == (0,)
    assert proctor.last_session()["events"] == n
    p = verify(proctor.db, "--heads", out, sid)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout == (f"{sid}: intact, {n} records, {len(cks)} checkpoints (signed up to record"
                        f" {n}), {len(heads)} sink heads match\n")


def test_modified_row_is_named_with_heads(recorded, tmp_path):
    proctor, sid, out = recorded
    con = sqlite3.connect(proctor.db)
    rowid = con.execute("SELECT id FROM events WHERE session=? AND seq=3", (sid,)).fetchone()[0]
    con.close()
    db = copy_db(proctor, tmp_path, ("UPDATE events SET pid = pid + 1 WHERE id=?", (rowid,)))
    p = verify(db, "--heads", out, sid)
    assert p.returncode == 1
    assert p.stdout == (f"{sid}: modified at record 3 (events row {rowid}): "
                        "its contents do not match its chain hash\n")


def test_cut_store_that_verifies_alone_is_caught_by_the_sink(recorded, tmp_path):
    """The tail cut with its checkpoints and the session made to look as if
    its recorder died: the store alone is consistent; the SIEM's heads are not."""
    proctor, sid, out = recorded
    _, heads = sink_heads(out, sid)
    k, n = heads[0]["store.chain.records"], heads[-1]["store.chain.records"]
    assert 0 < k < n
    db = copy_db(proctor, tmp_path,
                 ("DELETE FROM events WHERE session=? AND seq>?", (sid, k)),
                 ("DELETE FROM checkpoints WHERE session=? AND seq>?", (sid, k)),
                 ("UPDATE sessions SET end_ns=NULL WHERE id=?", (sid,)))
    alone = verify(db, sid)
    assert alone.returncode == 0, alone.stdout
    assert alone.stdout == f"{sid}: intact, {k} records, 1 checkpoints (signed up to record {k})\n"
    p = verify(db, "--heads", out, sid)
    assert p.returncode == 1
    assert p.stdout == (f"{sid}: truncated at record {k + 1}: records {k + 1}..{n} are gone"
                        f" (the sink's signed head at {n})\n")


def test_deleted_session_is_caught_by_the_sink(recorded, tmp_path):
    proctor, sid, out = recorded
    _, heads = sink_heads(out, sid)
    n = heads[-1]["store.chain.records"]
    db = copy_db(proctor, tmp_path,
                 ("DELETE FROM events WHERE session=?", (sid,)),
                 ("DELETE FROM checkpoints WHERE session=?", (sid,)),
                 ("DELETE FROM processes WHERE session=?", (sid,)),
                 ("DELETE FROM sessions WHERE id=?", (sid,)))
    assert verify(db, "--all").stdout == ""
    p = verify(db, "--all", "--heads", out)
    assert p.returncode == 1
    assert p.stdout == (f"{sid}: truncated at record 1: records 1..{n} are gone"
                        f" (the sink's signed head at {n})\n")


def test_forged_head_is_a_signature_mismatch(recorded, tmp_path):
    proctor, sid, out = recorded
    lines, heads = sink_heads(out, sid)
    forged = tmp_path / "forged.jsonl"
    with open(forged, "w") as f:
        for e in lines:
            if e is heads[0]:
                e = dict(e, **{"store.chain.head": "00" * 32})
            f.write(json.dumps(e) + "\n")
    p = verify(proctor.db, "--heads", forged, sid)
    assert p.returncode == 1
    assert p.stdout == (f"{sid}: signature mismatch at record {heads[0]['store.chain.records']}:"
                        " the sink's head's signature does not verify\n")


def test_bad_heads_file(recorded, tmp_path):
    proctor, sid, out = recorded
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type":"file.open"}\n{"type":"store.chain_head","session":"x"}\n')
    p = verify(proctor.db, "--heads", bad, sid)
    assert p.returncode == 2
    assert p.stderr == (f"proctor: error: verify: {bad}:2: a store.chain_head record without a valid"
                        " store.chain.records\n")
    none = tmp_path / "none.jsonl"
    none.write_text('{"type":"file.open"}\n')
    p = verify(proctor.db, "--heads", none, sid)
    assert p.returncode == 2
    assert p.stderr == f"proctor: error: verify: {none}: holds no store.chain_head record\n"
    p = verify(proctor.db, "--heads", tmp_path / "missing.jsonl", sid)
    assert p.returncode == 3
    assert "missing.jsonl: No such file or directory" in p.stderr
