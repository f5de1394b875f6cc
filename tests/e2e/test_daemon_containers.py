"""test_daemon_containers.py: labelled containers adopted by the daemon at
their start (docs/DAEMON.md), with no `watch`: podman (runc, a debootstrap
rootfs, as in test_watch_container.py) runs the daemon's OCI hook at
createRuntime; the daemon reads the container's name, image and labels from
podman's own state and tracks its cgroup before the workload's first
instruction, so even a container that lives ~100 ms is recorded with its
name. An unlabelled container is not adopted; without a daemon the hook
lets every container start. Without the hook, the daemon's fallback adopts
a labelled podman container when its cgroup appears.

Auto-adoption is host-wide: a container another test on this host starts
can become a session of these daemons too, so sessions are picked by the
test's own container names."""
import json
import os
import socket
import time

import pytest

from conftest import PROCTOR, of_type, run
from test_daemon import Daemon, recv, send
from test_watch_container import CONF, IMAGE, ULIMITS, podman, podman_env  # noqa: F401


@pytest.fixture
def hooked(tmp_path, podman_env):  # noqa: F811
    """A daemon that installs its OCI hook in a directory of the test's own,
    and a podman configuration that reads hooks from there only."""
    hooks = tmp_path / "hooks.d"
    cfg = tmp_path / "daemon.yaml"
    cfg.write_text(f"auto_adopt:\n  containers:\n    hooks_dir: {hooks}\n")
    conf = tmp_path / "containers.conf"
    conf.write_text(CONF + f'hooks_dir = ["{hooks}"]\n')
    env = dict(podman_env, CONTAINERS_CONF=str(conf))
    d = Daemon(tmp_path, "--config", str(cfg)).start()
    yield d, env
    d.stop()


def ended_session(d, name, timeout=20):
    """The one session of container name, once it has ended."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        mine = [s for s in d.store().sessions() if s["container.name"] == name]
        if mine and mine[0]["end"]:
            assert len(mine) == 1, mine
            return mine[0]
        time.sleep(0.2)
    raise AssertionError(f"sessions: {d.store().sessions()}")


def check_container_fields(ev, cid, name, agent, project):
    assert ev
    for e in ev:
        assert (e["container.id"], e["container.name"], e["container.runtime"],
                e["container.image.name"]) == (cid, name, "podman", "localhost/" + IMAGE), e
        assert (e["agent"], e["project"]) == (agent, project), e


def test_labelled_container_is_adopted_at_its_start(hooked, tmp_path):
    d, env = hooked
    name = f"proctor-auto-{os.getpid()}"
    (tmp_path / "x").mkdir()
    script = ('while [ ! -e /x/go ]; do sleep 0.02; done; cat /etc/hostname >/dev/null; '
              'head -c 1 /etc/passwd >/dev/null; touch /x/done')
    cid = podman(env, "run", "-d", *ULIMITS, "--name", name, "--label", "proctor.agent=claude",
                 "--label", "proctor.project=shop", "-v", f"{tmp_path / 'x'}:/x", IMAGE,
                 "sh", "-c", script).stdout.strip()
    try:
        st = json.loads(d.cli("status", "--json", check=True).stdout)
        live = [s for s in st["sessions"] if s["origin"] == "auto" and s["agent"] == "claude"
                and s["project"] == "shop"]
        assert len(live) == 1
        assert st["containers"]["adopted"] >= 1 and st["containers"]["last_adopt_ms"] > 0
        (tmp_path / "x" / "go").touch()
        deadline = time.time() + 30
        while not (tmp_path / "x" / "done").exists():
            assert time.time() < deadline
            time.sleep(0.05)
        s = ended_session(d, name)
    finally:
        podman(env, "rm", "-f", name, check=False)
    assert s["session"] == live[0]["id"]
    assert (s["origin"], s["container.name"], s["agent"], s["project"]) == \
        ("auto", name, "claude", "shop")
    assert s["command"] == ["sh", "-c", script]
    ev = d.store().events(s["session"])
    check_container_fields(ev, cid, name, "claude", "shop")
    adopt = of_type(ev, "session.adopt")
    assert len(adopt) == 1 and adopt[0]["session.origin"] == "auto"
    assert adopt[0]["session.adopt.cgroup"] == f"/libpod_parent/libpod-{cid}"
    # from the workload's first instruction: after the runtime's own exec
    # (runc init, when the cgroup fallback saw the cgroup first), sh's exec
    execs = [os.path.basename(e["process.executable.path"]) for e in of_type(ev, "process.exec")
             if e["process.command_args"][:2] != ["/usr/bin/runc", "init"]]
    assert execs[0] == "dash" and {"cat", "head", "touch"} <= set(execs)
    opened = {e["file.path"] for e in ev if e["type"] == "file.open"}
    assert {"/etc/hostname", "/etc/passwd"} <= opened


def test_a_container_that_lives_100ms_is_recorded_with_its_name(hooked):
    d, env = hooked
    name = f"proctor-short-{os.getpid()}"
    t0 = time.time()
    p = podman(env, "run", "--rm", *ULIMITS, "--name", name, "--label", "proctor.agent=aider",
               IMAGE, "cat", "/etc/hostname")
    assert p.returncode == 0 and p.stdout.strip()
    took = time.time() - t0
    s = ended_session(d, name)
    assert (s["origin"], s["container.name"], s["agent"], s["project"]) == \
        ("auto", name, "aider", "")
    assert s["command"] == ["cat", "/etc/hostname"]
    ev = d.store().events(s["session"])
    cid = ev[0]["container.id"]
    check_container_fields(ev, cid, name, "aider", "")
    # the runtime's own exec (runc init) is there too when the cgroup
    # fallback saw the cgroup before the hook asked; nothing else is
    execs = of_type(ev, "process.exec")
    runtime = [e for e in execs if e["process.command_args"][:2] == ["/usr/bin/runc", "init"]]
    assert len(runtime) <= 1
    [ex] = [e for e in execs if e not in runtime]
    assert ex["process.executable.path"] == "/usr/bin/cat"
    assert ex["process.command_args"] == ["cat", "/etc/hostname"]
    assert [e["file.path"] for e in of_type(ev, "file.open") if e["process.pid"] ==
            ex["process.pid"] and e["file.path"] == "/etc/hostname"] == ["/etc/hostname"]
    print(f"podman run of the short container took {took:.2f} s")


def test_unlabelled_container_is_not_adopted_and_no_daemon_blocks_nothing(hooked, tmp_path):
    d, env = hooked
    name = f"proctor-unlabelled-{os.getpid()}"
    p = podman(env, "run", "--rm", *ULIMITS, "--name", name, "--label", "other=1", IMAGE,
               "cat", "/etc/hostname")
    assert p.returncode == 0
    st = json.loads(d.cli("status", "--json", check=True).stdout)
    assert st["containers"]["ignored"] >= 1
    assert [s for s in d.store().sessions() if s["container.name"] == name] == []
    d.stop()
    assert f"container {name}" not in d.p.stderr.read()
    # the hook stays installed; with no daemon it lets a labelled container run
    p = podman(env, "run", "--rm", *ULIMITS, "--label", "proctor.agent=x", IMAGE, "true")
    assert p.returncode == 0, p.stderr


def test_without_the_hook_the_cgroup_fallback_adopts_the_container(tmp_path,
                                                                   podman_env):  # noqa: F811
    """podman with no hooks directory: the daemon sees the container's cgroup
    appear and adopts it from podman's state, before the workload goes on."""
    d = Daemon(tmp_path).start()
    name = f"proctor-fallback-{os.getpid()}"
    (tmp_path / "x").mkdir()
    script = 'while [ ! -e /x/go ]; do sleep 0.02; done; cat /etc/hostname >/dev/null'
    try:
        cid = podman(podman_env, "run", "-d", *ULIMITS, "--name", name, "--label",
                     "proctor.agent=codex", "-v", f"{tmp_path / 'x'}:/x", IMAGE, "sh", "-c",
                     script).stdout.strip()
        (tmp_path / "x" / "go").touch()
        # well below the 30 s a never-populated cgroup is given: the workload
        # ends within ~50 ms of go, often between two liveness checks, and its
        # recorded processes end the session at the next check
        s = ended_session(d, name, timeout=20)
    finally:
        podman(podman_env, "rm", "-f", name, check=False)
        d.stop()
    assert (s["origin"], s["agent"], s["project"], s["command"]) == \
        ("auto", "codex", "", ["sh", "-c", script])
    ev = d.store().events(s["session"])
    check_container_fields(ev, cid, name, "codex", "")
    assert of_type(ev, "session.adopt")[0]["session.adopt.cgroup"] == \
        f"/libpod_parent/libpod-{cid}"
    cats = [e for e in of_type(ev, "process.exec") if e["process.executable.path"] ==
            "/usr/bin/cat"]
    assert len(cats) == 1
    assert "when its cgroup appeared (no OCI hook yet)" in d.p.stderr.read()


def test_container_start_requests_are_checked(hooked, tmp_path):
    d, _ = hooked
    s = socket.socket(socket.AF_UNIX)
    s.connect(d.sock)
    send(s, {"op": "hello", "version": 1, "proctor": "x"})
    assert recv(s)["ok"]
    bad = [{}, {"id": "-ab", "pid": 1, "bundle": "/b"},
           {"id": "a" * 64, "pid": -1, "bundle": "/b"}]
    for state in bad:
        send(s, {"op": "container.start", "state": state})
        r = recv(s)
        assert not r["ok"] and r["error"] == ("container.start: the state needs id (64 hex "
                                              "digits, or a containerd name), pid and bundle"), r
    # a containerd name whose bundle is no containerd task's: refused
    send(s, {"op": "container.start", "state": {"id": "ab", "pid": 1, "bundle": "/b"}})
    r = recv(s)
    assert not r["ok"] and "container ab: pid 1's cgroup" in r["error"], r
    # a pid whose cgroup is not the container's: refused, nothing adopted
    send(s, {"op": "container.start",
             "state": {"id": "a" * 64, "pid": os.getpid(), "bundle": "/b"}})
    r = recv(s)
    assert not r["ok"] and f"pid {os.getpid()}'s cgroup" in r["error"], r
    s.close()
    p = run([PROCTOR, "oci-hook", "--socket", d.sock], input="not json")
    assert p.returncode == 0 and "the OCI state on stdin is not a JSON object" in p.stderr
    p = run([PROCTOR, "oci-hook", "--socket", str(tmp_path / "none.sock")],
            input=json.dumps({"id": "a" * 64, "pid": 1, "bundle": "/b"}))
    assert (p.returncode, p.stderr) == (0, "")


def test_malformed_containers_config_is_refused_with_its_line(tmp_path):
    cases = {
        "auto_adopt:\n  containers:\n    hooks_dir: rel/dir\n":
            ":3:16: 'hooks_dir' must be an absolute path",
        "auto_adopt:\n  containers:\n    labels: [a]\n":
            ":3:5: unknown key 'labels' in containers",
        "auto_adopt:\n  containers: {enabled: sometimes}\n":
            ":2:25: 'enabled' must be true or false",
        "auto_adopt:\n  containers: [x]\n": ":2:15: 'containers' must be a mapping",
        "auto_adopt:\n  containers: {agent_label: ''}\n": "'agent_label' must not be empty",
    }
    for text, want in cases.items():
        cfg = tmp_path / "daemon.yaml"
        cfg.write_text(text)
        p = run([PROCTOR, "daemon", "--config", str(cfg), "--socket", str(tmp_path / "s")])
        assert p.returncode == 2, (text, p.stderr)
        assert want in p.stderr, (text, p.stderr)
        assert not (tmp_path / "s").exists()


def test_installed_hook_and_the_packaged_one_agree(hooked, tmp_path):
    d, _ = hooked
    mine = json.loads((tmp_path / "hooks.d" / "proctor.json").read_text())
    assert mine == {"version": "1.0.0",
                    "hook": {"path": os.path.realpath(PROCTOR),
                             "args": ["proctor", "oci-hook", "--socket", d.sock]},
                    "when": {"always": True}, "stages": ["createRuntime"]}
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    dist = json.load(open(os.path.join(repo, "dist", "oci", "proctor.json")))
    assert dist == dict(mine, hook={"path": "/usr/local/bin/proctor",
                                    "args": ["proctor", "oci-hook"]})
