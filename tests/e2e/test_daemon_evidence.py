"""test_daemon_evidence.py: the daemon's side of issue 15. `fail_closed: true`
in daemon.yaml records every session fail-closed (a 1 MiB ring, 30,000
distinct opens: frozen, 0 drops, every open stored); a daemon that dies and
comes back with no kernel state left (the pins gone) marks the sessions it
owned crashed with their real counts and removes their empty cgroups and
control sockets."""
import json
import os
import re
import subprocess
import time

from conftest import PROCTOR, run
from siem_receivers import free_port
from test_daemon import Daemon, cgroup2_mount
from test_fail_closed import N, build_opener


def wait_for(pred, what, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def start_noting(dm):
    """Start dm, returning what it said before it listened (its repairs)."""
    dm.p = subprocess.Popen([PROCTOR, "daemon", "--db", dm.db, "--pin-dir", dm.pins, *dm.opts],
                            env=dm.env, stderr=subprocess.PIPE, text=True)
    said = []
    for line in dm.p.stderr:
        if "listening on " + dm.sock in line:
            return "".join(said)
        said.append(line)
    raise AssertionError("the daemon did not start: " + "".join(said))


def test_fail_closed_setting_records_every_open(tmp_path):
    exe, d = build_opener(tmp_path)
    cfg = tmp_path / "daemon.yaml"
    # no auto-adoption: other agents on the host are not this test's sessions
    cfg.write_text("fail_closed: true\nringbuf_mb: 1\n"
                   "auto_adopt: {agents: false, containers: {enabled: false}}\n")
    port = free_port()
    dm = Daemon(tmp_path, "--config", str(cfg), "--metrics", f"127.0.0.1:{port}").start()
    try:
        scraped = tmp_path / "metrics"
        p = dm.run(["sh", "-c", f"{exe} {d} {N} && curl -s http://127.0.0.1:{port}/metrics"
                    f" > {scraped}"], "--daemon", timeout=300)
        assert p.returncode == 0, p.stderr
        assert "(via the daemon)" in p.stderr, p.stderr
        s = dm.store().last_session()
        assert s["drops"] == 0, s
        opened = {e["file.path"] for e in dm.store().events(s["session"], "--type", "file.open")
                  if e["file.path"].startswith(str(d) + "/")}
        assert opened == {f"{d}/f{i:05d}" for i in range(N)}
        text = scraped.read_text()
        freezes = re.search(r"^proctor_failclosed_freezes_total (\d+)$", text, re.M)
        assert freezes and int(freezes.group(1)) >= 1, text
        assert re.search(r"^proctor_ringbuf_lost_events_total 0$", text, re.M), text
    finally:
        dm.stop()
        dm.remove_pins()


def test_bad_fail_closed_setting_is_refused(tmp_path):
    cfg = tmp_path / "daemon.yaml"
    cfg.write_text("fail_closed: sometimes\n")
    p = run([PROCTOR, "daemon", "--config", str(cfg), "--socket", str(tmp_path / "s.sock")],
            timeout=30)
    assert p.returncode == 2, p.stderr
    assert f"{cfg}:1:14: 'fail_closed' must be true or false" in p.stderr


def test_daemon_death_without_kernel_state_marks_its_sessions_crashed(tmp_path):
    cfg = tmp_path / "daemon.yaml"  # only this test's session
    cfg.write_text("auto_adopt: {agents: false, containers: {enabled: false}}\n")
    dm = Daemon(tmp_path, "--config", str(cfg)).start()
    marker = tmp_path / "opened"
    marker.write_text("x")
    client = subprocess.Popen([PROCTOR, "run", "--daemon", "--", "sh", "-c",
                               f"for i in 1 2 3 4 5; do cat {marker} >/dev/null; done;"
                               " exec sleep 600"],
                              env=dm.env, stderr=subprocess.PIPE, text=True)
    try:
        store = dm.store()
        sid = wait_for(lambda: [s["session"] for s in store.sessions()], "the session")[0]
        wait_for(lambda: len(store.events(sid, "--type", "file.open", "--path", str(marker))) == 5,
                 "the opens in the store")
        cg = os.path.join(cgroup2_mount(), "proctor", sid)
        state = f"{dm.sock}.sessions/{sid}.json"
        assert os.path.isdir(cg) and os.path.exists(state)
        dm.kill9()
        client.kill()
        client.wait()
        with open(os.path.join(cg, "cgroup.kill"), "w") as f:  # its processes end too
            f.write("1")
        wait_for(lambda: "populated 0" in open(os.path.join(cg, "cgroup.events")).read(),
                 "the session cgroup empty")
        dm.remove_pins()  # nothing survives in the kernel (as after a reboot)
        said = start_noting(dm)
        assert said == (f"proctor: error: session {sid}: its daemon died and nothing kept"
                        " recording it; marked crashed\n"), said
        st = json.loads(dm.cli("status", "--json", check=True).stdout)
        assert st["sessions"] == [] and st["pins"]["reopened"] is False
        s = store.last_session()
        assert s["session"] == sid
        assert s["status"] == "crashed" and s["end"] is not None and s["exit.code"] is None, s
        assert s["events"] == len(store.events(sid)) > 5
        assert s["processes"] >= 2
        assert not os.path.exists(cg) and not os.path.exists(state)
        assert not os.path.exists(f"/run/proctor/sessions/{sid}.sock")
    finally:
        if client.poll() is None:
            client.kill()
        dm.stop()
        dm.remove_pins()
