"""test_daemon_fail_closed.py: `proctor run --fail-closed` through the daemon
(issue 15 §4, docs/DAEMON.md): the daemon records that session alone
fail-closed. With the daemon's ring at 1 MiB, 30,000 distinct file opens:
the session is frozen while the daemon is behind and thawed once it has
caught up, 0 drops, every open stored; the freezes are in the run's summary
and the daemon's /metrics; another session of the same daemon, recorded
without the option, is never frozen."""
import json
import os
import re
import subprocess
import threading
import time

from conftest import PROCTOR
from siem_receivers import free_port
from test_daemon import Daemon, cgroup2_mount
from test_daemon_restart import frozen, wait_for
from test_fail_closed import N, build_opener

QUIET = "auto_adopt: {agents: false, containers: {enabled: false}}\n"


def test_run_fail_closed_via_the_daemon_records_every_open(tmp_path):
    exe, d = build_opener(tmp_path)
    cfg = tmp_path / "daemon.yaml"
    cfg.write_text(QUIET)  # only this test's sessions
    port = free_port()
    dm = Daemon(tmp_path, "--config", str(cfg), "--ringbuf-mb", "1",
                "--metrics", f"127.0.0.1:{port}").start()
    stop = tmp_path / "stop"
    other = subprocess.Popen([PROCTOR, "run", "--daemon",
                              "--agent", "other", "--", "sh", "-c",
                              f"while [ ! -e {stop} ]; do sleep 0.05; done"],
                             env=dm.env, stderr=subprocess.PIPE, text=True)
    seen_frozen, done = [], threading.Event()
    try:
        st = wait_for(lambda: [s for s in json.loads(dm.cli("status", "--json").stdout or "{}")
                               .get("sessions", []) if s["agent"] == "other"], "the other session")
        other_cg = os.path.join(cgroup2_mount(), "proctor", st[0]["id"])

        def watch():
            while not done.is_set():
                if frozen(other_cg):
                    seen_frozen.append(time.time())
                time.sleep(0.002)
        t = threading.Thread(target=watch)
        t.start()
        scraped = tmp_path / "metrics"
        p = dm.run(["sh", "-c", f"{exe} {d} {N} && curl -s http://127.0.0.1:{port}/metrics"
                    f" > {scraped}"], "--daemon", "--fail-closed", "--agent", "flood",
                   timeout=300)
        done.set()
        t.join()
        assert p.returncode == 0, p.stderr
        assert "(via the daemon)" in p.stderr, p.stderr
        assert re.search(r", \d+ events, 0 drops, exit 0", p.stderr), p.stderr
        m = re.search(r"fail-closed: frozen (\d+) times, (\S+) in all", p.stderr)
        assert m and int(m.group(1)) >= 1, p.stderr
        assert "kernel ring buffer losses" not in p.stderr
        [s] = [x for x in dm.store().sessions() if x["agent"] == "flood"]
        assert s["drops"] == 0, s
        opened = {e["file.path"] for e in dm.store().events(s["session"], "--type", "file.open")
                  if e["file.path"].startswith(str(d) + "/")}
        assert opened == {f"{d}/f{i:05d}" for i in range(N)}
        text = scraped.read_text()
        freezes = re.search(r"^proctor_failclosed_freezes_total (\d+)$", text, re.M)
        frozen_s = re.search(r"^proctor_failclosed_frozen_seconds_total ([0-9.]+)$", text, re.M)
        # scraped before the session ended: at most the summary's count
        assert freezes and 1 <= int(freezes.group(1)) <= int(m.group(1)), text
        assert frozen_s and float(frozen_s.group(1)) > 0, text
        assert re.search(r"^proctor_ringbuf_lost_events_total 0$", text, re.M), text
        assert seen_frozen == []  # the session without --fail-closed ran on
    finally:
        done.set()
        stop.write_text("")
        other.wait(timeout=60)
        dm.stop()
        dm.remove_pins()
    assert other.returncode == 0, other.stderr.read()


def test_run_fail_closed_via_the_daemon_summary_without_pressure(tmp_path):
    cfg = tmp_path / "daemon.yaml"
    cfg.write_text(QUIET)
    dm = Daemon(tmp_path, "--config", str(cfg)).start()
    try:
        p = dm.run(["true"], "--fail-closed")  # no --daemon: it goes to the daemon anyway
        assert p.returncode == 0, p.stderr
        assert "(via the daemon)" in p.stderr, p.stderr
        assert "fail-closed: frozen 0 times, 0us in all" in p.stderr, p.stderr
        q = dm.run(["true"])
        assert "fail-closed" not in q.stderr, q.stderr
    finally:
        dm.stop()
