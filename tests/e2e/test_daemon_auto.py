"""test_daemon_auto.py: the daemon's configuration file and auto-adoption of
known agents (docs/DAEMON.md): an executable named like a known agent,
started outside proctor, becomes its own session (origin auto) from its
exec on, with nothing lost between exec and adoption."""
import json
import os
import subprocess
import time

from conftest import PROCTOR, execs, of_type, run
from test_daemon import Daemon


def agent_script(path, marker, tail="/bin/true"):
    path.write_text(f"#!/bin/sh\ncat {marker} >/dev/null\n{tail}\nexit 3\n")
    path.chmod(0o755)
    return path


def wait_session(d, pred, timeout=15):
    """The one session matching pred once it has ended."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        done = [s for s in d.store().sessions() if pred(s) and s["end"]]
        if done:
            assert len(done) == 1, done
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no ended session matched; sessions: {d.store().sessions()}")


def test_known_agent_started_outside_proctor_becomes_a_session(tmp_path):
    marker = tmp_path / "marker"
    marker.write_text("x")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    claude = agent_script(bindir / "claude", marker, tail="/bin/true; sleep 1.5")
    d = Daemon(tmp_path).start()
    try:
        p = subprocess.Popen([str(claude)])  # not via proctor: a plain child of pytest
        live = []
        for _ in range(50):
            st = json.loads(d.cli("status", "--json", check=True).stdout)
            live = [s for s in st["sessions"] if s["origin"] == "auto"]
            if live:
                break
            time.sleep(0.1)
        assert [(s["agent"], s["project"]) for s in live] == [("claude", "")]
        assert p.wait(timeout=30) == 3
        s = wait_session(d, lambda s: s["origin"] == "auto")
    finally:
        d.stop()
    assert (s["agent"], s["exit.code"], s["command"]) == ("claude", 3, ["/bin/sh", str(claude)])
    assert s["session"] == live[0]["id"]
    ev = d.store().events(s["session"])
    assert [e["type"] for e in ev[:2]] == ["session.adopt", "process.exec"]
    assert ev[0]["session.origin"] == "auto" and ev[0]["session.adopt.pid"] == p.pid
    root = [e for e in ev if e["process.pid"] == p.pid]
    # from the exec on: the new image's first open (the loader's) is there
    first_open = of_type(root, "file.open")[0]
    assert first_open["file.path"] == "/etc/ld.so.cache"
    assert [os.path.basename(e["process.executable.path"]) for e in execs(ev)] == \
        ["dash", "cat", "true", "sleep"]
    opens = [e for e in of_type(ev, "file.open") if e["file.path"] == str(marker)]
    assert len(opens) == 1 and opens[0]["agent"] == "claude"
    assert all(e["session"] == s["session"] for e in ev)


def test_config_rules_replace_the_builtin_agents(tmp_path):
    marker = tmp_path / "marker"
    marker.write_text("x")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    mine = agent_script(bindir / "my-agent", marker)
    claude = agent_script(bindir / "claude", marker)
    cfg = tmp_path / "daemon.yaml"
    cfg.write_text("auto_adopt:\n  rules:\n    - {exe: my-agent, agent: custom, project: p1}\n")
    d = Daemon(tmp_path, "--config", str(cfg)).start()
    try:
        assert subprocess.run([str(claude)]).returncode == 3  # no longer a rule
        assert subprocess.run([str(mine)]).returncode == 3
        s = wait_session(d, lambda s: s["origin"] == "auto")
        time.sleep(1.5)  # a session for claude would have ended by now too
        sessions = d.store().sessions()
    finally:
        d.stop()
    assert (s["agent"], s["project"], s["command"]) == ("custom", "p1", ["/bin/sh", str(mine)])
    assert [x["session"] for x in sessions] == [s["session"]]


def test_agents_false_turns_auto_adoption_off(tmp_path):
    marker = tmp_path / "marker"
    marker.write_text("x")
    claude = agent_script(tmp_path / "claude", marker)
    cfg = tmp_path / "daemon.yaml"
    cfg.write_text("auto_adopt: {agents: false}\n")
    d = Daemon(tmp_path, "--config", str(cfg)).start()
    try:
        assert subprocess.run([str(claude)]).returncode == 3
        time.sleep(1.5)
        st = json.loads(d.cli("status", "--json", check=True).stdout)
        sessions = d.store().sessions()
    finally:
        d.stop()
    assert st["sessions"] == [] and st["sessions_auto_adopted"] == 0 and sessions == []


def test_malformed_config_is_refused_with_its_line(tmp_path):
    cases = {
        "auto_adopt:\n  rules:\n    - {exe: a}\n  rules: []\n": ":4:3: duplicate key 'rules'",
        "socket: /x\nbogus: 1\n": ":2:1: unknown key 'bogus' in the daemon configuration",
        "auto_adopt:\n  rules:\n    - {exe: /usr/bin/claude}\n":
            ":3:13: 'exe' must be an executable's name, without '/'",
        "auto_adopt:\n  rules:\n    - {agent: x}\n": ":3:7: a rule needs 'exe'",
        "ringbuf_mb: 3\n": ":1:13: 'ringbuf_mb' must be a power of two",
        "auto_adopt: {agents: maybe}\n": ":1:22: 'agents' must be true or false",
    }
    for text, want in cases.items():
        cfg = tmp_path / "daemon.yaml"
        cfg.write_text(text)
        p = run([PROCTOR, "daemon", "--config", str(cfg), "--socket", str(tmp_path / "s")])
        assert p.returncode == 2, (text, p.stderr)
        assert f"{cfg}{want}" in p.stderr, (text, p.stderr)
        assert not (tmp_path / "s").exists()  # nothing started
    p = run([PROCTOR, "daemon", "--config", str(tmp_path / "missing.yaml")])
    assert p.returncode == 2 and "missing.yaml" in p.stderr


def test_unattributed_events_are_recorded_and_counted(tmp_path):
    """A process that escaped its session's cgroup (lineage keeps it
    tracked) and outlives the session: its later events belong to no live
    session. They are still recorded, with session "", and each is counted
    in proctor_attribution_missing_total and in status."""
    import urllib.request
    from test_lineage import cgroup2_mount

    marker = tmp_path / "late-marker"
    marker.write_text("x")
    jsonl = tmp_path / "d.jsonl"
    port = 19000 + os.getpid() % 1000
    d = Daemon(tmp_path, "--jsonl", str(jsonl), "--metrics", f"127.0.0.1:{port}").start()
    try:
        escapee = (f"echo $$ > {cgroup2_mount()}/cgroup.procs; sleep 1.5; "
                   f"cat {marker} >/dev/null")
        p = d.run(["sh", "-c", f"sh -c '{escapee}' & sleep 0.3"], "--daemon")
        assert p.returncode == 0, p.stderr
        deadline = time.time() + 15
        late = []
        while time.time() < deadline and not late:
            time.sleep(0.3)
            late = [e for e in map(json.loads, jsonl.read_text().splitlines())
                    if e.get("file.path") == str(marker) and e["type"] == "file.open"]
        time.sleep(0.5)  # the escapee's exit follows its open
        st = json.loads(d.cli("status", "--json", check=True).stdout)
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
        events = [json.loads(l) for l in jsonl.read_text().splitlines()]
    finally:
        d.stop()
    assert len(late) == 1 and late[0]["session"] == "" and late[0]["agent"] == ""
    # the events apart from the store's chain heads (store.chain_head)
    unattributed = [e for e in events if e["session"] == "" and e["type"] != "store.chain_head"]
    assert unattributed and "process.exit" in [e["type"] for e in unattributed]
    assert st["attribution_missing"] == len(unattributed)
    assert f"proctor_attribution_missing_total {len(unattributed)}\n" in metrics


def test_an_auto_adopted_agent_cannot_register_its_own_session(tmp_path):
    """A request from inside a tracked session must never change its
    tracking: an auto-adopted agent is in no session cgroup, so the daemon
    asks the kernel (lineage) and refuses its `proctor run`."""
    marker = tmp_path / "marker"
    marker.write_text("x")
    out = tmp_path / "run.out"
    d = Daemon(tmp_path).start()
    claude = agent_script(tmp_path / "claude", marker,
                          tail=f"{PROCTOR} run --daemon -- /bin/true 2>{out}; echo rc=$? >>{out}")
    try:
        assert subprocess.run([str(claude)], env=d.env).returncode == 3
        s = wait_session(d, lambda s: s["origin"] == "auto")
        sessions = d.store().sessions()
    finally:
        d.stop()
    text = out.read_text()
    assert f"refused: the request comes from inside session {s['session']}" in text, text
    assert text.strip().endswith("rc=3"), text
    assert [x["session"] for x in sessions] == [s["session"]]
