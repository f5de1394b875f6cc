"""test_crashed.py: live counts and crashed sessions (issue 15 §7).
`sessions`/`tree` count a running session from what the store holds; when
its recorder is killed (-9), the session is called crashed at once and the
next run marks it crashed in the store with its real counts and removes
what it left behind (its empty cgroup, its liveness file)."""
import json
import os
import signal
import subprocess
import time

from conftest import PROCTOR


def cgroup2_mount():
    return [l.split()[1] for l in open("/proc/mounts") if l.split()[2] == "cgroup2"][0]


def wait_for(cond, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def test_live_counts_then_crashed_then_repaired(proctor, tmp_path):
    ctr = tmp_path / "ctr"
    script = f"i=0; while :; do i=$((i+1)); /bin/echo $i > {ctr}; sleep 0.05; done"
    rec = subprocess.Popen([PROCTOR, "run", "--db", proctor.db, "--on-recorder-loss", "kill",
                            "--", "sh", "-c", script],
                           stdout=subprocess.DEVNULL, stderr=open(tmp_path / "err", "w"))
    try:
        assert wait_for(lambda: ctr.exists() and int(ctr.read_text() or 0) >= 10, 90)
        live = proctor.last_session()
        assert live["status"] == "running" and live["end"] is None
        assert live["events"] > 0 and live["processes"] >= 2  # counted while it runs
        tree = proctor.cli("tree", check=True).stdout.splitlines()[0]
        assert "  running  " in tree, tree
    finally:
        rec.send_signal(signal.SIGKILL)
        rec.wait()
    sid = live["session"]
    cg = f"{cgroup2_mount()}/proctor/{sid}"
    assert wait_for(lambda: not os.path.exists(cg) or
                    "populated 0" in open(f"{cg}/cgroup.events").read(), 10)
    now = proctor.last_session()
    assert now["status"] == "crashed" and now["end"] is None  # seen at once
    assert "crashed" in proctor.cli("sessions", check=True).stdout
    assert os.path.exists(f"/run/proctor/live/{sid}")
    # the next run marks it crashed, with the counts the store holds
    p = proctor.run(["true"])
    assert p.returncode == 0, p.stderr
    assert f"session {sid}: its recorder died; marked crashed" in p.stderr
    s = [x for x in proctor.sessions() if x["session"] == sid][0]
    stored = proctor.events(sid)
    assert s["status"] == "crashed" and s["end"] is not None and s["exit.code"] is None
    assert s["events"] == len(stored) > 0
    assert s["processes"] == len({e["process.pid"] for e in stored})
    assert s["end"] == max(e["time"] for e in stored)
    assert not os.path.exists(f"/run/proctor/live/{sid}") and not os.path.exists(cg)
    assert "crashed" in proctor.cli("tree", sid, check=True).stdout.splitlines()[0]
    # an ended session is never judged crashed; the repair ran once
    ended = proctor.last_session()
    assert ended["status"] == "ended" and ended["exit.code"] == 0
    p = proctor.run(["true"])
    assert "marked crashed" not in p.stderr
