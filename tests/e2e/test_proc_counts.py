"""test_proc_counts.py: the per-process counters the writer keeps beside the
events (proc_counts, proc_sensitive, proc_peers; docs/STORE.md) equal what
the events of a real session say, row for row; a store that lacks them gets
them counted again, identically, at its next read-write open; and `proctor
tree` reads them: failed opens apart from opens, credential reads, connects."""
import json
import shutil
import sqlite3
import subprocess

from conftest import PROCTOR


def tables(db):
    c = sqlite3.connect(db)
    out = {
        "counts": sorted(c.execute("SELECT pid, type, events, opens, failed, sensitive, redacted"
                                   " FROM proc_counts")),
        "sensitive": sorted(c.execute("SELECT pid, path, reads FROM proc_sensitive")),
        "peers": sorted(c.execute("SELECT pid, dest, connects FROM proc_peers")),
    }
    c.close()
    return out


def expected(lines, key):
    """The counters, computed here from `proctor log --json`."""
    counts, sens, peers = {}, {}, {}
    for line in lines:
        e = json.loads(line)
        pid, t = e["process.pid"], e["type"]
        n = e.get("file.open_count", 1) if t == "file.open" else 1
        row = counts.setdefault((pid, t), [0, 0, 0, 0, 0])
        row[0] += 1
        if t == "file.open":
            row[1] += n
        if e.get("event.outcome") == "failure":
            row[2] += n
        if t == "file.open" and e.get("file.path") == key:
            row[3] += n
            sens[(pid, key)] = sens.get((pid, key), 0) + n
        if "[REDACTED:" in line:
            row[4] += 1
        if t == "net.connect":
            addr = e.get("server.address") or e.get("network.peer.address")
            dest = f"{addr}:{e.get('network.peer.port', '')}"
            peers[(pid, dest)] = peers.get((pid, dest), 0) + 1
    return {
        "counts": sorted((p, t, *v) for (p, t), v in counts.items()),
        "sensitive": sorted((p, k, n) for (p, k), n in sens.items()),
        "peers": sorted((p, d, n) for (p, d), n in peers.items()),
    }


def test_counters_match_the_events_and_rebuild_identically(proctor, tmp_path):
    ssh = tmp_path / "home" / ".ssh"
    ssh.mkdir(parents=True)
    key = ssh / "id_rsa"
    key.write_text("not a real key\n")
    script = (f"cat {key} >/dev/null; cat {key} >/dev/null; cat /nonexistent 2>/dev/null; "
              "/usr/bin/python3 -c \"import socket; s=socket.socket(); s.settimeout(1); "
              "s.connect_ex(('127.0.0.1', 9))\"")
    p = proctor.run(["sh", "-c", script])
    assert p.returncode == 0, p.stderr
    lines = [l for l in proctor.cli("log", "--json", check=True).stdout.splitlines() if l]
    want = expected(lines, str(key))
    got = tables(proctor.db)
    assert got == want
    # what the session must show: two reads of the key, a failed open, a connect
    assert len([s for s in got["sensitive"] if s[1] == str(key)]) == 2
    assert sum(r[4] for r in got["counts"] if r[1] == "file.open") > 0
    assert [d for (_, d, _) in got["peers"]] == ["127.0.0.1:9"]

    # a store without the tables (made before them) is counted at its next
    # read-write open, by the same definition
    old = tmp_path / "old.db"
    shutil.copy(proctor.db, old)
    c = sqlite3.connect(old)
    c.executescript("DROP TABLE proc_counts; DROP TABLE proc_sensitive; DROP TABLE proc_peers;")
    c.close()
    r = subprocess.run([PROCTOR, "token", "list", "--db", str(old)], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    assert tables(old) == want


def test_tree_reads_the_counters(proctor):
    p = proctor.run(["sh", "-c", "cat /etc/hostname >/dev/null; cat /nonexistent 2>/dev/null; true"])
    assert p.returncode == 0, p.stderr
    events = proctor.events()
    lines = proctor.cli("tree", check=True).stdout.splitlines()
    i = next(i for i, l in enumerate(lines) if "cat /nonexistent  [pid" in l)
    pid = int(lines[i].split("[pid ")[1].split(",")[0])
    opens = [e for e in events if e["type"] == "file.open" and e["process.pid"] == pid]
    total = sum(e.get("file.open_count", 1) for e in opens)
    failed = sum(e.get("file.open_count", 1) for e in opens
                 if e.get("event.outcome") == "failure")
    assert failed > 0  # /nonexistent at least
    note = f"files: {total - failed} opened, {failed} failed to open"
    notes = []
    for l in lines[i + 1:]:
        if "[pid" in l:
            break
        notes.append(l.strip(" │"))
    assert any(n == note or n.startswith(note + ", ") for n in notes), (note, notes)
