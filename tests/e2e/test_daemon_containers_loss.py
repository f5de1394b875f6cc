"""test_daemon_containers_loss.py: --on-daemon-loss for sessions that have
no `run` client, labelled podman containers (docs/DAEMON.md "Restart
without loss"). The daemon's watchdog (src/daemon/watchdog.c), a process
of its own, stops every session's cgroup when the daemon dies (kill -9):
with freeze the container is frozen until a restarted daemon takes the
session back and thaws it, and every event of a scripted workload is in
the store exactly once; with kill it is killed, and the next daemon closes
the session with what was recorded. kill holds for a `run` session too."""
import json
import os
import subprocess
import time

import pytest

from conftest import PROCTOR, of_type, run
from test_daemon import Daemon, cgroup2_mount
from test_daemon_containers import check_container_fields, ended_session
from test_daemon_containers_restart import COUNTS, opens, stored_opens, workload
from test_daemon_restart import frozen, wait_for
from test_watch_container import CONF, IMAGE, ULIMITS, podman, podman_env  # noqa: F401


def hooked_daemon(tmp_path, podman_env, mode):  # noqa: F811
    hooks = tmp_path / "hooks.d"
    cfg = tmp_path / "daemon.yaml"
    cfg.write_text(f"auto_adopt:\n  containers:\n    hooks_dir: {hooks}\n")
    conf = tmp_path / "containers.conf"
    conf.write_text(CONF + f'hooks_dir = ["{hooks}"]\n')
    env = dict(podman_env, CONTAINERS_CONF=str(conf))
    return Daemon(tmp_path, "--config", str(cfg), "--on-daemon-loss", mode), env


def container_cgroup(env, name):
    pid = podman(env, "inspect", "-f", "{{.State.Pid}}", name).stdout.strip()
    with open(f"/proc/{pid}/cgroup") as f:
        [rel] = [line[3:].strip() for line in f if line.startswith("0::")]
    return cgroup2_mount() + rel


def start_container(d, env, tmp_path, name, agent):
    x = tmp_path / "x"
    x.mkdir()
    script = workload(x)
    cid = podman(env, "run", "-d", *ULIMITS, "--name", name, "--label",
                 f"proctor.agent={agent}", "--label", "proctor.project=shop", "-v",
                 f"{x}:/x", IMAGE, "sh", "-c", script).stdout.strip()
    wait_for(lambda: (x / "done-before").exists(), "phase before")
    wait_for(lambda: stored_opens(d, "before") == 3, "the first phase in the store")
    st = json.loads(d.cli("status", "--json", check=True).stdout)
    [live] = [s for s in st["sessions"] if s["agent"] == agent]
    return x, cid, script, live["id"]


def test_freeze_holds_a_container_until_a_daemon_takes_it_back(tmp_path, podman_env):  # noqa: F811
    d, env = hooked_daemon(tmp_path, podman_env, "freeze")
    d.start()
    name = f"proctor-loss-freeze-{os.getpid()}"
    try:
        x, cid, script, sid = start_container(d, env, tmp_path, name, "claude")
        cg = container_cgroup(env, name)
        assert not frozen(cg)
        d.kill9()
        wait_for(lambda: frozen(cg), "the watchdog freezing the container", timeout=10)
        err = d.p.stderr.read()  # EOF: the watchdog is done
        assert f"daemon lost: froze container session {sid} ({cg})" in err, err
        (x / "go-gap").touch()
        time.sleep(1.0)
        assert not (x / "done-gap").exists()  # frozen: not one step while no daemon runs
        assert frozen(cg)
        d.start()
        wait_for(lambda: not frozen(cg), "the thaw by the daemon that took it back")
        wait_for(lambda: (x / "done-gap").exists(), "phase gap after the thaw")
        st = json.loads(d.cli("status", "--json", check=True).stdout)
        assert [s["id"] for s in st["sessions"] if s["agent"] == "claude"] == [sid]
        assert (st["containers"]["resumed"], st["containers"]["adopted"]) == (1, 0)
        assert not os.path.exists(f"{d.sock}.containers/{sid}.frozen")  # the mark is gone
        (x / "go-after").touch()
        s = ended_session(d, name, timeout=30)
    finally:
        podman(env, "rm", "-f", name, check=False)
        d.stop()
        d.remove_pins()
    assert s["session"] == sid
    ev = d.store().events(sid)
    check_container_fields(ev, cid, name, "claude", "shop")
    assert len(of_type(ev, "session.adopt")) == 1
    assert opens(ev) == COUNTS  # every event of every phase, exactly once
    assert s["drops"] == 0 and s["events"] == len(ev)
    v = run([PROCTOR, "verify", sid, "--db", d.db])
    assert v.returncode == 0, v.stdout + v.stderr


def test_kill_kills_a_container_and_the_next_daemon_closes_it(tmp_path, podman_env):  # noqa: F811
    d, env = hooked_daemon(tmp_path, podman_env, "kill")
    d.start()
    name = f"proctor-loss-kill-{os.getpid()}"
    try:
        x, cid, script, sid = start_container(d, env, tmp_path, name, "codex")
        d.kill9()
        wait_for(lambda: podman(env, "inspect", "-f", "{{.State.Status}}", name,
                                check=False).stdout.strip() == "exited", "the container killed",
                 timeout=30)
        err = d.p.stderr.read()
        assert f"daemon lost: killed container session {sid}" in err, err
        assert podman(env, "inspect", "-f", "{{.State.ExitCode}}", name).stdout.strip() == "137"
        (x / "go-gap").touch()
        d.start()
        s = ended_session(d, name, timeout=30)
    finally:
        podman(env, "rm", "-f", name, check=False)
        d.stop()
        d.remove_pins()
    assert (s["session"], s["agent"], s["origin"]) == (sid, "codex", "auto")
    ev = d.store().events(sid)
    assert opens(ev) == {"before": 3, "gap": 0, "after": 0}
    assert not (x / "done-gap").exists()
    assert len(of_type(ev, "session.adopt")) == 1 and s["drops"] == 0


def test_kill_kills_a_run_session_too(tmp_path):
    d = Daemon(tmp_path, "--on-daemon-loss", "kill").start()
    ticks = tmp_path / "ticks"
    try:
        p = subprocess.Popen([PROCTOR, "run", "--", "sh", "-c",
                              f"while :; do echo t >>{ticks}; sleep 0.02; done"],
                             env=dict(d.env, PROCTOR_RESUME_WAIT="0.5"),
                             stderr=subprocess.PIPE, text=True)
        wait_for(lambda: ticks.exists() and ticks.stat().st_size > 0, "the workload's ticks")
        st = json.loads(d.cli("status", "--json", check=True).stdout)
        sid = st["sessions"][0]["id"]
        cg = os.path.join(cgroup2_mount(), "proctor", sid)
        d.kill9()
        p.wait(timeout=30)
        err = p.stderr.read()
        assert p.returncode == 137, err  # CMD died of SIGKILL
        assert "the daemon went away; CMD is killed (--on-daemon-loss kill)" in err
        assert f"daemon lost: killed session {sid} ({cg})" in d.p.stderr.read()
        assert not os.path.exists(cg)
        n = ticks.stat().st_size
        time.sleep(0.3)
        assert ticks.stat().st_size == n
    finally:
        d.stop()
        d.remove_pins()


def test_a_clean_stop_leaves_the_watchdog_nothing_to_do(tmp_path):
    d = Daemon(tmp_path, "--on-daemon-loss", "kill").start()
    r = d.run(["true"])
    assert r.returncode == 0, r.stderr
    d.stop()
    assert d.p.returncode == 0
    assert "daemon lost" not in d.p.stderr.read()  # EOF: the watchdog exited too
