"""test_sink_pipeline.py: the pipeline stages seen from outside: per-sink
filters from --config, the per-cgroup rate limit (every limited event
counted in the session's drops), enrichment fields, and config errors
reported as FILE:LINE with a non-zero exit."""
import json
import os

from siem_receivers import HttpReceiver


def env_for(tmp_path):
    return dict(os.environ, PROCTOR_SPOOL_DIR=str(tmp_path / "spool"))


def test_per_sink_filters(proctor, tmp_path):
    execs_only, no_etc = HttpReceiver(), HttpReceiver()
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"""
sinks:
  - url: webhook://127.0.0.1:{execs_only.port}/a
    include: {{types: ["process.exec"]}}
  - url: webhook://127.0.0.1:{no_etc.port}/b
    exclude:
      types: ["process.exit"]
      paths: ["/etc/*"]
""")
    try:
        p = proctor.run(["sh", "-c", "cat /etc/hostname /dev/null >/dev/null; /bin/true"],
                        "--config", str(cfg), env=env_for(tmp_path))
        assert p.returncode == 0, p.stderr
        events = proctor.events()
        want_a = [e for e in events if e["type"] == "process.exec"]
        # (File events come with the file sensor; path globs are unit-tested.)
        want_b = [e for e in events if e["type"] != "process.exit"
                  and not e.get("file.path", "").startswith("/etc/")]
        assert 0 < len(want_b) < len(events)

        def got(rx):  # the events (the store's chain heads reach the unfiltered sink too)
            return [e for r in rx.requests for e in json.loads(r["body"])
                    if e["type"] != "store.chain_head"]
        assert execs_only.wait(lambda: len(got(execs_only)) >= len(want_a))
        assert no_etc.wait(lambda: len(got(no_etc)) >= len(want_b))
        assert got(execs_only) == want_a
        assert got(no_etc) == want_b
    finally:
        execs_only.stop()
        no_etc.stop()


def test_rate_limit_counts_every_limited_event(proctor, tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("rate_limit: {events_per_second: 1, burst: 10}\n")
    jsonl = tmp_path / "e.jsonl"
    p = proctor.run(["sh", "-c", "for i in $(seq 1 40); do /bin/true; done"], "--config", str(cfg),
                    "--jsonl", str(jsonl), env=env_for(tmp_path))
    assert p.returncode == 0, p.stderr
    s = proctor.last_session()
    kept = [e for e in map(json.loads, jsonl.read_text().splitlines())
            if e["type"] != "store.chain_head"]  # the store's heads are no events
    assert 10 <= len(kept) <= 13
    assert s["events"] == len(kept)
    # 40 execs + 40 exits + the shell's own events: all limited ones counted.
    assert s["drops"] >= 80 + 1 - len(kept)
    assert s["drops"] + s["events"] >= 81


def test_enrichment_fields(proctor, tmp_path):
    p = proctor.run(["sh", "-c", "/bin/true"], "--agent", "claude", "--project", "shop",
                    env=env_for(tmp_path))
    assert p.returncode == 0
    ex = [e for e in proctor.events() if e["type"] == "process.exec"
          and e["process.executable.path"] == "/usr/bin/true"][0]
    assert ex["agent"] == "claude" and ex["project"] == "shop"
    assert ex["process.user.name"] == "root" and ex["process.group.name"] == "root"
    assert ex["process.parent.chain"].startswith("sh(")
    assert ex["event.severity"] == "info"


def test_config_errors_name_file_and_line(proctor, tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("batch:\n  interval: 100ms\nsinks:\n  - url: syslog+udp://127.0.0.1:9\n"
                   "    include: {severity: loud}\n")
    p = proctor.run(["true"], "--config", str(cfg), env=env_for(tmp_path))
    assert p.returncode != 0
    assert f"{cfg}:5:25: 'severity' must be one of" in p.stderr
    cfg.write_text("sinks: [\n")
    p = proctor.run(["true"], "--config", str(cfg), env=env_for(tmp_path))
    assert p.returncode != 0 and f"{cfg}:2:1: YAML syntax" in p.stderr


def test_unknown_sink_option_is_refused(proctor, tmp_path):
    p = proctor.run(["true"], "--export", "otlp+http://127.0.0.1:9?encodng=json",
                    env=env_for(tmp_path))
    assert p.returncode != 0
    assert "unknown option 'encodng'" in p.stderr
    p = proctor.run(["true"], "--export", "syslog+udp://127.0.0.1:9?format=xml",
                    env=env_for(tmp_path))
    assert p.returncode != 0 and "bad option 'xml'" in p.stderr


ESCAPE_COMMON = ["session", "agent", "project", "host.name", "process.pid", "process.tid",
                 "process.parent_pid", "process.name", "process.executable.path",
                 "process.user.id", "process.group.id", "process.user.name",
                 "process.group.name", "process.parent.chain", "event.outcome", "error.code"]


def test_rate_limited_opens_never_garble_their_escapes(proctor, tmp_path):
    """Issue 10 §3: a file.open dropped by the rate limit left its pool slot
    free, and the security.escape derived from it was then built in that same
    slot, over the record it was still reading (time 0, no session,
    derived_from "security.escape"). Escape derivation now runs before the
    limit, and the limit decides once per kernel event: an escape survives
    exactly when its file.open does, and every dropped record is counted."""
    cfg = tmp_path / "c.yaml"
    cfg.write_text("rate_limit: {events_per_second: 1, burst: 1}\n")
    jsonl, pidfile = tmp_path / "e.jsonl", tmp_path / "pid"
    prog = os.path.join(os.path.dirname(__file__), "progs", "sysrq_opens.py")
    p = proctor.run(["/usr/bin/python3", prog, str(pidfile)], "--config", str(cfg),
                    "--jsonl", str(jsonl), env=env_for(tmp_path))
    assert p.returncode == 0, p.stderr
    s = proctor.last_session()
    kept = [e for e in map(json.loads, jsonl.read_text().splitlines())
            if e["type"] != "store.chain_head"]  # the store's heads are no events
    workload = int(pidfile.read_text())

    # Nothing garbled: every record is of this session, in its time window.
    for e in kept:
        assert e.get("session") == s["session"], e
        assert s["start"] <= e.get("time", "") <= s["end"], e
    opens = {(e["time"], e["process.pid"]): e for e in kept
             if e["type"] == "file.open" and e["file.path"] == "/proc/sysrq-trigger"}
    escapes = [e for e in kept if e["type"] == "security.escape"]
    # Positive control: the refills land on the opens (19 of 20 records).
    assert escapes, [e["type"] for e in kept]
    assert len(escapes) == len(opens)
    for esc in escapes:
        src = opens[(esc["time"], esc["process.pid"])]
        assert {k: esc.get(k) for k in ESCAPE_COMMON} == {k: src.get(k) for k in ESCAPE_COMMON}
        assert esc["process.parent_pid"] == workload and esc["process.name"] == "python3"
        assert esc["escape.derived_from"] == "file.open"
        assert esc["escape.category"] == src["file.sensitive_category"] == "procsys"
        assert esc["escape.syscall"] == src["file.syscall"]
        assert esc["escape.detail"] == f"open /proc/sysrq-trigger for {src['file.access']}"
        assert esc["file.path"] == "/proc/sysrq-trigger"
        assert esc["event.severity"] == "critical"

    # Every record made is either kept or counted; none was lost in the
    # kernel (drops.by_type), so every drop is the rate limit's.
    assert s["events"] == len(kept) < 20
    assert s["drops.by_type"] == {}
    made = 300 + 300 + 15 + 15 + 1  # opens, escapes, forks, child exits, exec
    assert s["drops"] + s["events"] >= made
