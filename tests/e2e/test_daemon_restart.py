"""test_daemon_restart.py: a daemon restart loses nothing (docs/DAEMON.md
"Restart without loss"): the programs, links and maps are pinned in bpffs, so
the kernel keeps recording a session into the pinned ring buffer while no
daemon runs; a new daemon re-opens the pins, takes the session back, drains
what was buffered, and the `run` client resumes. Also: SIGTERM with live
sessions keeps them (and the pins), --stop-sessions ends them, and pinned
state of another build is refused while sessions live in it."""
import json
import os
import shutil
import subprocess
import time

import pytest

from conftest import PROCTOR, of_type, run
from test_daemon import Daemon, cgroup2_mount


@pytest.fixture
def daemon(tmp_path):
    d = Daemon(tmp_path).start()
    yield d
    d.stop()
    d.remove_pins()


def wait_for(pred, what, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Workload:
    """A scripted session in three phases of file opens: before the daemon
    dies, while none runs (the gap), and after a new one took over. Each
    phase opens its own file a known number of times, then waits for the
    test's go-ahead (a file) before the next."""

    COUNTS = {"before": 3, "gap": 4, "after": 5}

    def __init__(self, d, tmp_path, *run_opts):
        self.dir = tmp_path
        for phase in self.COUNTS:
            (tmp_path / phase).write_text(phase)
        steps = []
        for phase, n in self.COUNTS.items():
            if phase != "before":
                steps.append(f"while [ ! -e {tmp_path}/go-{phase} ]; do sleep 0.05; done")
            steps.append(f"for i in $(seq {n}); do cat {tmp_path}/{phase} >/dev/null; done")
            steps.append(f": >{tmp_path}/done-{phase}")
        self.p = subprocess.Popen([PROCTOR, "run", "--agent", "claude", *run_opts, "--", "sh",
                                   "-c", "; ".join(steps) + "; exit 7"],
                                  env=dict(d.env, PROCTOR_RESUME_WAIT="60"),
                                  stderr=subprocess.PIPE, text=True)

    def done(self, phase):
        return (self.dir / f"done-{phase}").exists()

    def go(self, phase):
        (self.dir / f"go-{phase}").write_text("")
        wait_for(lambda: self.done(phase), f"phase {phase}")

    def opens(self, events):
        """Opens of each phase's file, by phase."""
        paths = {str(self.dir / ph): ph for ph in self.COUNTS}
        got = {ph: 0 for ph in self.COUNTS}
        for e in of_type(events, "file.open"):
            if e.get("file.path") in paths:
                got[paths[e["file.path"]]] += 1
        return got


def stored_opens(d, w, phase):
    ev = d.store().events(None, "--type", "file.open", "--path", str(w.dir / phase))
    return len(ev)


def test_kill9_mid_session_then_restart_loses_no_event(daemon, tmp_path):
    w = Workload(daemon, tmp_path)
    wait_for(lambda: w.done("before"), "phase before")
    # the daemon stored the first phase (its batch interval passed) ...
    wait_for(lambda: stored_opens(daemon, w, "before") == 3, "the first phase in the store")
    daemon.kill9()
    # ... then nothing reads the ring while the workload goes on
    w.go("gap")
    assert os.path.exists(os.path.join(daemon.pins, "stamp"))
    daemon.start()
    st = json.loads(daemon.cli("status", "--json", check=True).stdout)
    assert st["pins"] == {"dir": daemon.pins, "reopened": True, "sessions_resumed": 1}
    assert [s["agent"] for s in st["sessions"]] == ["claude"]
    w.go("after")
    w.p.wait(timeout=60)
    err = w.p.stderr.read()
    assert w.p.returncode == 7, err
    assert "the daemon went away" in err and "resumed" in err and "(via the daemon)" in err
    store = daemon.store()
    s = store.last_session()
    assert (s["agent"], s["exit.code"]) == ("claude", 7)
    ev = store.events(s["session"])
    assert w.opens(ev) == Workload.COUNTS  # every event of every phase, exactly once
    assert s["drops"] == 0
    assert s["events"] == len(ev)  # the counts went on from the stored ones
    assert f"{s['events']} events" in err
    v = run([PROCTOR, "verify", s["session"], "--db", daemon.db])
    assert v.returncode == 0, v.stdout + v.stderr  # one chain across both daemons


def test_sigterm_keeps_live_sessions_for_the_next_daemon(daemon, tmp_path):
    w = Workload(daemon, tmp_path)
    wait_for(lambda: w.done("before"), "phase before")
    daemon.stop()  # SIGTERM: the session keeps running, the pins stay
    assert "1 session(s) keep running" in daemon.p.stderr.read()
    assert w.p.poll() is None
    w.go("gap")
    daemon.start()
    w.go("after")
    w.p.wait(timeout=60)
    assert w.p.returncode == 7
    s = daemon.store().last_session()
    assert w.opens(daemon.store().events(s["session"])) == Workload.COUNTS


def test_stop_sessions_ends_them_and_removes_the_pins(tmp_path):
    d = Daemon(tmp_path, "--stop-sessions").start()
    try:
        w = Workload(d, tmp_path, "--grace", "100ms")
        wait_for(lambda: w.done("before"), "phase before")
        d.stop()
        w.p.wait(timeout=60)
        assert w.p.returncode != 0  # its processes were killed with the session
        assert not os.path.exists(d.pins)
        s = d.store().last_session()
        assert s["exit.code"] == -1 and not w.done("gap")
    finally:
        d.stop()
        d.remove_pins()


def set_stamp_abi(pins, abi):
    """Make the pinned state look like another build's (its ABI version);
    returns the ABI version it had."""
    out = run(["bpftool", "-j", "map", "lookup", "pinned", pins + "/stamp", "key",
               "0", "0", "0", "0"], check=True).stdout
    value = [int(b, 16) for b in json.loads(out)["value"]]
    was = int.from_bytes(bytes(value[0:4]), "little")
    value[0:4] = list(abi.to_bytes(4, "little"))
    run(["bpftool", "map", "update", "pinned", pins + "/stamp", "key", "0", "0", "0", "0",
         "value", *[str(b) for b in value]], check=True)
    return was


def test_pins_of_another_build_are_refused_while_sessions_live(daemon, tmp_path):
    w = Workload(daemon, tmp_path)
    wait_for(lambda: w.done("before"), "phase before")
    daemon.kill9()
    abi = set_stamp_abi(daemon.pins, 999)
    p = run([PROCTOR, "daemon", "--db", daemon.db, "--pin-dir", daemon.pins], env=daemon.env)
    assert p.returncode == 3
    assert f"the BPF state pinned in {daemon.pins} is from proctor " in p.stderr
    assert "(ABI 999," in p.stderr and "with live sessions; this is proctor " in p.stderr
    assert os.path.exists(daemon.pins + "/stamp")  # left alone
    # this build's daemon takes the session back; its client died in the
    # gap, so the session ends (hang-up grace, then its cgroup is killed)
    w.p.kill()
    w.p.wait()
    set_stamp_abi(daemon.pins, abi)
    daemon.start()
    st = wait_for(lambda: (lambda j: j if not j["sessions"] else None)(
        json.loads(daemon.cli("status", "--json", check=True).stdout)), "the session's end")
    assert st["pins"]["sessions_resumed"] == 1
    s = daemon.store().last_session()
    assert s["exit.code"] == -1
    assert w.opens(daemon.store().events(s["session"]))["before"] == 3


def test_pins_of_another_build_are_replaced_when_no_session_lives(tmp_path):
    d = Daemon(tmp_path).start()
    try:
        d.kill9()  # no session: nothing tracked in the pinned maps
        set_stamp_abi(d.pins, 999)
        d.start()
        st = json.loads(d.cli("status", "--json", check=True).stdout)
        assert st["pins"]["reopened"] is False
        p = d.run(["true"], "--daemon")
        assert p.returncode == 0, p.stderr
    finally:
        d.stop()
        d.remove_pins()


def frozen(cg):
    with open(cg + "/cgroup.events") as f:
        return "frozen 1" in f.read().split("\n")


def test_on_daemon_loss_freeze_stops_the_session_until_a_daemon_returns(tmp_path):
    d = Daemon(tmp_path, "--on-daemon-loss", "freeze").start()
    ticks, stop = tmp_path / "ticks", tmp_path / "stop"
    try:
        p = subprocess.Popen([PROCTOR, "run", "--", "sh", "-c",
                              f"while [ ! -e {stop} ]; do echo t >>{ticks}; sleep 0.02; done"],
                             env=d.env, stderr=subprocess.PIPE, text=True)
        wait_for(lambda: ticks.exists() and ticks.stat().st_size > 0, "the workload's ticks")
        st = json.loads(d.cli("status", "--json", check=True).stdout)
        cg = os.path.join(cgroup2_mount(), "proctor", st["sessions"][0]["id"])
        assert not frozen(cg)
        d.kill9()
        wait_for(lambda: frozen(cg), "the client freezing the session")
        n = ticks.stat().st_size
        time.sleep(1.0)
        assert ticks.stat().st_size == n  # no progress while no daemon runs
        d.start()
        wait_for(lambda: not frozen(cg), "the thaw on re-adoption")
        wait_for(lambda: ticks.stat().st_size > n, "progress after the restart")
        stop.write_text("")
        p.wait(timeout=60)
        err = p.stderr.read()
        assert p.returncode == 0, err
        assert "CMD is frozen until a daemon takes the session back" in err
        assert "resumed" in err
    finally:
        d.stop()
        d.remove_pins()


def test_on_daemon_loss_takes_freeze_kill_or_continue(tmp_path):
    p = run([PROCTOR, "daemon", "--on-daemon-loss", "pause"],
            env=dict(os.environ, PROCTOR_SOCKET=str(tmp_path / "s")))
    assert p.returncode == 2
    assert "--on-daemon-loss: 'pause' is not freeze, kill or continue" in p.stderr


def frozen(cg):
    with open(os.path.join(cg, "cgroup.events")) as f:
        return "frozen 1" in f.read()


def test_a_policy_session_is_frozen_without_a_daemon_and_enforced_again_after(daemon, tmp_path):
    """--policy through the daemon (docs/DAEMON.md "The per-run policy"): its
    egress programs and fanotify engine die with the daemon, so the client
    freezes the session until a daemon installs the policy again; the
    restarted daemon enforces it (exec kill, files.deny) before it thaws."""
    blk = tmp_path / "blk"
    shutil.copy("/usr/bin/touch", blk)
    secret = tmp_path / "secret"
    secret.write_text("S\n")
    pol = tmp_path / "p.yaml"
    pol.write_text(f"""exec:
  deny:
    - argv: ["blk", "**"]
      name: r-blk
files:
  deny:
    - path: "{secret}"
      access: [read]
      name: r-secret
""")
    script = (f"cat {secret}; echo before=$?; {blk} {tmp_path}/m1; echo blk1=$?; "
              f": >{tmp_path}/done-before; "
              f"while [ ! -e {tmp_path}/go ]; do sleep 0.05; done; : >{tmp_path}/done-gap; "
              f"cat {secret}; echo after=$?; {blk} {tmp_path}/m2; echo blk2=$?")
    p = subprocess.Popen([PROCTOR, "run", "--daemon", "--policy", str(pol), "--", "sh", "-c",
                          script], env=dict(daemon.env, PROCTOR_RESUME_WAIT="60"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: (tmp_path / "done-before").exists(), "the first phase")
    (sid,) = [s["id"] for s in json.loads(daemon.cli("status", "--json",
                                                      check=True).stdout)["sessions"]]
    cg = f"{cgroup2_mount()}/proctor/{sid}"
    daemon.kill9()
    wait_for(lambda: frozen(cg), "the client freezing the session")
    (tmp_path / "go").write_text("")
    time.sleep(1)
    assert not (tmp_path / "done-gap").exists()  # frozen: nothing runs unenforced
    daemon.start()
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    assert out.split() == ["before=1", "blk1=137", "after=1", "blk2=137"], (out, err)
    assert "is frozen until a daemon takes the session back" in err and "resumed" in err
    assert not (tmp_path / "m1").exists() and not (tmp_path / "m2").exists()
    store = daemon.store()
    s = store.last_session()
    vs = of_type(store.events(s["session"]), "policy.violation")
    assert sorted(v["policy.rule"] for v in vs) == ["r-blk", "r-blk", "r-secret", "r-secret"], vs
    assert {v["policy.mechanism"] for v in vs} == {"exec_kill", "fanotify"}
