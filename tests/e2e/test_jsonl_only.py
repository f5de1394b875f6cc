"""test_jsonl_only.py: `proctor run --db none` records to JSON lines (or
exports) only: no SQLite store is opened or created, the events are exactly
those a store run records, and the run summary still counts events and drops.
Without any other sink, --db none is a usage error (exit 2)."""
import json
import os
import re

from conftest import PROCTOR, run

CMD = ["sh", "-c", "/bin/true a b; exit 3"]
# Values that differ between two runs of the same command.
VOLATILE = {"time", "session", "process.pid", "process.tid", "process.parent_pid",
            "process.parent_tid", "process.parent.chain", "process.duration_ms"}


def proc_events(lines):
    return [e for e in lines if e["type"].startswith("process.")]


def stable(events):
    """Each event without its run-specific values, in a comparable order."""
    out = [json.dumps({k: v for k, v in e.items() if k not in VOLATILE}, sort_keys=True)
           for e in events]
    return sorted(out)


def test_db_none_records_exact_events_to_jsonl_only(tmp_path):
    env = dict(os.environ, PROCTOR_DB=str(tmp_path / "default.db"))
    out = tmp_path / "events.jsonl"
    p = run([PROCTOR, "-v", "run", "--db", "none", "--jsonl", str(out), "--", *CMD], env=env)
    assert p.returncode == 3, p.stderr
    # no store anywhere: neither the default path nor a file named "none"
    assert not [f for f in os.listdir(tmp_path) if ".db" in f or f == "none"]
    assert not os.path.exists("none")
    ev = [json.loads(l) for l in out.read_text().splitlines()]
    pe = proc_events(ev)
    assert sorted(e["type"] for e in pe) == sorted(
        ["process.exec", "process.fork", "process.exec", "process.exit", "process.exit"])
    sh = [e for e in pe if e["type"] == "process.exec" and e["process.command_args"][0] == "sh"]
    true = [e for e in pe if e["type"] == "process.exec"
            and e["process.command_args"] == ["/bin/true", "a", "b"]]
    assert len(sh) == 1 and len(true) == 1
    assert true[0]["process.executable.path"] == "/usr/bin/true"
    assert true[0]["process.parent_pid"] == sh[0]["process.pid"]
    exits = {e["process.pid"]: e["process.exit.code"] for e in pe if e["type"] == "process.exit"}
    assert exits == {sh[0]["process.pid"]: 3, true[0]["process.pid"]: 0}
    assert len({e["session"] for e in ev}) == 1
    # the summary counts what reached the file, and the per-sink line agrees
    m = re.search(r"(\d+) events, (\d+) drops", p.stderr)
    assert m and int(m.group(1)) == len(ev) and m.group(2) == "0", p.stderr
    assert re.search(r"sink jsonl:%s: %d records, \d+ batches, 0 errors, 0 dropped"
                     % (re.escape(str(out)), len(ev)), p.stderr), p.stderr
    assert "sink sqlite:" not in p.stderr

    # the same command recorded with the store gives the same process events
    db, out2 = tmp_path / "s.db", tmp_path / "with-store.jsonl"
    p2 = run([PROCTOR, "run", "--db", str(db), "--jsonl", str(out2), "--", *CMD], env=env)
    assert p2.returncode == 3, p2.stderr
    lines2 = [json.loads(l) for l in out2.read_text().splitlines()]
    # beside the store, the stream also carries its signed chain heads (docs/EVENTS.md)
    ev2 = [e for e in lines2 if e["type"] != "store.chain_head"]
    assert [e["store.chain.records"] for e in lines2 if e["type"] == "store.chain_head"][-1] \
        == len(ev2)
    assert stable(proc_events(ev)) == stable(proc_events(ev2))
    logged = [json.loads(l) for l in run([PROCTOR, "log", "--json", "--db", str(db)],
                                          check=True).stdout.splitlines()]
    assert logged == ev2


def test_db_none_without_a_sink_is_a_usage_error(tmp_path):
    env = dict(os.environ, PROCTOR_DB=str(tmp_path / "default.db"))
    p = run([PROCTOR, "run", "--db", "none", "--", "/bin/true"], env=env, cwd=tmp_path)
    assert p.returncode == 2
    assert "--db none leaves nothing to record to" in p.stderr
    assert "--jsonl" in p.stderr
    env["PROCTOR_DB"] = "none"
    p = run([PROCTOR, "run", "--", "/bin/true"], env=env, cwd=tmp_path)
    assert p.returncode == 2 and "--db none" in p.stderr
    assert os.listdir(tmp_path) == []
