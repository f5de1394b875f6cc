"""test_daemon_containers_restart.py: a labelled podman container running
while the daemon restarts (kill -9, or SIGTERM with the sessions kept)
keeps one session (docs/DAEMON.md "Labelled containers ... across a
restart"): the kernel records it into the pinned ring while no daemon
runs, the next daemon takes the session back from SOCKET.containers/, and
every event of a scripted workload, before, during and after the gap, is
in the store exactly once; the session ends when the container exits. A
container that ends while no daemon runs is closed by the next one, with
what the ring buffered."""
import json
import os
import time

import pytest

from conftest import PROCTOR, of_type, run
from test_daemon import Daemon
from test_daemon_containers import check_container_fields, ended_session
from test_daemon_restart import wait_for
from test_watch_container import CONF, IMAGE, ULIMITS, podman, podman_env  # noqa: F401

COUNTS = {"before": 3, "gap": 4, "after": 5}


@pytest.fixture
def hooked(tmp_path, podman_env):  # noqa: F811
    hooks = tmp_path / "hooks.d"
    cfg = tmp_path / "daemon.yaml"
    cfg.write_text(f"auto_adopt:\n  containers:\n    hooks_dir: {hooks}\n")
    conf = tmp_path / "containers.conf"
    conf.write_text(CONF + f'hooks_dir = ["{hooks}"]\n')
    env = dict(podman_env, CONTAINERS_CONF=str(conf))
    d = Daemon(tmp_path, "--config", str(cfg))
    yield d, env
    d.stop()
    d.remove_pins()


def workload(x):
    """Three phases of opens, each of its own file a known number of times,
    each after the test's go-ahead."""
    steps = []
    for phase, n in COUNTS.items():
        (x / phase).write_text(phase)
        if phase != "before":
            steps.append(f"while [ ! -e /x/go-{phase} ]; do sleep 0.05; done")
        steps.append(f"for i in $(seq {n}); do cat /x/{phase} >/dev/null; done")
        steps.append(f": >/x/done-{phase}")
    return "; ".join(steps)


def opens(ev):
    got = {ph: 0 for ph in COUNTS}
    for e in of_type(ev, "file.open"):
        ph = e.get("file.path", "")[3:]
        if e["file.path"].startswith("/x/") and ph in got:
            got[ph] += 1
    return got


def stored_opens(d, phase):
    return len(d.store().events(None, "--type", "file.open", "--path", f"/x/{phase}"))


@pytest.mark.parametrize("how", ["kill9", "sigterm"])
def test_a_container_keeps_one_session_across_a_daemon_restart(hooked, tmp_path, how):
    d, env = hooked
    d.start()
    x = tmp_path / "x"
    x.mkdir()
    name = f"proctor-restart-{how}-{os.getpid()}"
    script = workload(x)
    cid = podman(env, "run", "-d", *ULIMITS, "--name", name, "--label", "proctor.agent=claude",
                 "--label", "proctor.project=shop", "-v", f"{x}:/x", IMAGE, "sh", "-c",
                 script).stdout.strip()
    try:
        wait_for(lambda: (x / "done-before").exists(), "phase before")
        wait_for(lambda: stored_opens(d, "before") == 3, "the first phase in the store")
        st = json.loads(d.cli("status", "--json", check=True).stdout)
        [live] = [s for s in st["sessions"] if s["agent"] == "claude"]
        if how == "kill9":
            d.kill9()
        else:
            d.stop()
            assert "1 session(s) keep running" in d.p.stderr.read()
        (x / "go-gap").touch()  # recorded by the kernel into the pinned ring alone
        wait_for(lambda: (x / "done-gap").exists(), "phase gap")
        d.start()
        st = json.loads(d.cli("status", "--json", check=True).stdout)
        assert [s["id"] for s in st["sessions"] if s["agent"] == "claude"] == [live["id"]]
        assert (st["containers"]["resumed"], st["containers"]["adopted"]) == (1, 0)
        (x / "go-after").touch()
        s = ended_session(d, name, timeout=30)
    finally:
        podman(env, "rm", "-f", name, check=False)
    assert s["session"] == live["id"]
    assert (s["origin"], s["agent"], s["project"], s["command"]) == \
        ("auto", "claude", "shop", ["sh", "-c", script])
    ev = d.store().events(s["session"])
    check_container_fields(ev, cid, name, "claude", "shop")
    assert len(of_type(ev, "session.adopt")) == 1
    assert opens(ev) == COUNTS  # every event of every phase, exactly once
    assert s["drops"] == 0
    assert s["events"] == len(ev)  # the counts went on from the stored ones
    v = run([PROCTOR, "verify", s["session"], "--db", d.db])
    assert v.returncode == 0, v.stdout + v.stderr  # one chain across both daemons
    d.stop()
    assert not os.path.exists(d.pins)  # nothing live: the pins went with the last stop
    assert not os.path.exists(d.sock + ".containers")


def test_a_container_that_ended_while_no_daemon_ran_is_closed_by_the_next(hooked, tmp_path):
    d, env = hooked
    d.start()
    x = tmp_path / "x"
    x.mkdir()
    name = f"proctor-gone-{os.getpid()}"
    script = workload(x)
    podman(env, "run", "-d", *ULIMITS, "--name", name, "--label", "proctor.agent=aider",
           "-v", f"{x}:/x", IMAGE, "sh", "-c", script)
    try:
        wait_for(lambda: (x / "done-before").exists(), "phase before")
        d.kill9()
        (x / "go-gap").touch()
        (x / "go-after").touch()
        wait_for(lambda: podman(env, "inspect", "-f", "{{.State.Status}}", name,
                                check=False).stdout.strip() == "exited", "the container's exit")
        d.start()
        st = json.loads(d.cli("status", "--json", check=True).stdout)
        s = ended_session(d, name, timeout=30)
    finally:
        podman(env, "rm", "-f", name, check=False)
    assert st["containers"]["resumed"] == 1
    assert (s["agent"], s["origin"]) == ("aider", "auto")
    ev = d.store().events(s["session"])
    assert opens(ev) == COUNTS and len(of_type(ev, "session.adopt")) == 1
    assert [x["session"] for x in d.store().sessions() if x["container.name"] == name] == \
        [s["session"]]
