"""test_db_check.py: `proctor db check` (issue 15 §10): SQLite's integrity
check of the file plus every session's chain; exit 0 when both are intact,
1 naming each problem (damaged pages, a changed record, a file that is not
a store), 2 for usage, 3 when there is nothing to read."""
import os
import sqlite3

from conftest import PROCTOR, run
from test_store_faults import filled_store


def check(db, *args):
    return run([PROCTOR, "db", "check", "--db", str(db), *args])


def test_an_intact_store_checks_ok(tmp_path):
    pr = filled_store(tmp_path, n=200)
    s = pr.last_session()
    p = check(pr.db)
    assert p.returncode == 0, p.stdout + p.stderr
    assert f"{s['session']}: intact, {s['events']} records" in p.stdout
    assert p.stdout.endswith(f"{pr.db}: ok: integrity ok, every session's chain intact\n")


def test_a_changed_record_is_named(tmp_path):
    pr = filled_store(tmp_path, n=200)
    s = pr.last_session()
    db = sqlite3.connect(pr.db)
    row = db.execute("SELECT max(id) FROM event_rows").fetchone()[0]
    db.execute("UPDATE event_rows SET time_ns = time_ns + 1 WHERE id = ?", (row,))
    db.commit()
    db.close()
    p = check(pr.db)
    assert p.returncode == 1
    assert f"{s['session']}: modified at record {s['events']} (events row {row})" in p.stdout
    assert f"{pr.db}: damaged: 0 integrity problems, 1 sessions not intact, 0 unreadable" in p.stdout


def test_damaged_pages_fail_the_integrity_check(tmp_path):
    pr = filled_store(tmp_path, n=3000)
    size = os.path.getsize(pr.db)
    with open(pr.db, "r+b") as f:  # a page of garbage in the middle (4 KiB pages)
        f.seek((size // 2) & ~4095)
        f.write(os.urandom(4096))
    p = check(pr.db)
    assert p.returncode == 1, p.stdout + p.stderr
    assert f"{pr.db}: integrity: " in p.stdout, p.stdout
    assert f"{pr.db}: damaged: " in p.stdout.splitlines()[-1]


def test_not_a_store_and_usage(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(os.urandom(10000))
    p = check(junk)
    assert p.returncode == 1
    assert p.stdout == f"{junk}: damaged: {junk} is not a proctor store (file is not a database)\n"
    p = check(tmp_path / "none.db")
    assert p.returncode == 3 and f"cannot read {tmp_path / 'none.db'}" in p.stderr
    assert not (tmp_path / "none.db").exists()
    p = run([PROCTOR, "db", "check", "--bogus"])
    assert p.returncode == 2 and "usage: proctor db check" in p.stderr
