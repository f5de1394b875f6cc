"""test_daemon_containerd.py: labelled containerd containers (`ctr run
--label`) adopted by the daemon at their start (docs/DAEMON.md): containerd
(a private instance: its own root, state and socket) runs an image imported
with `ctr images import` from a local tarball of the debootstrap rootfs
(podman's image of test_watch_container.py, saved: no registry). containerd
does not run OCI hooks from a hooks directory, so the daemon's cgroup
fallback adopts it: the new cgroup /NS/ID, the shim's task bundle, the
labels and image from containerd's bbolt metadata. A container whose spec
names the daemon's OCI hook (createRuntime; `ctr run --config SPEC`, as a
CRI base spec or an NRI plugin would add it) is adopted by the hook,
synchronously, before its workload's first instruction: no go-ahead is
needed, and its cgroup can be any (here one the fallback does not know)."""
import json
import os
import shutil
import subprocess
import time

import pytest

from conftest import PROCTOR, of_type, run
from test_daemon import Daemon
from test_daemon_containers import ended_session
from test_watch_container import CACHE, IMAGE, ROOTFS_TAR, podman, podman_env  # noqa: F401

NS = "proctor-test"
ARCHIVE = f"{CACHE}/image-docker-archive.tar"


class Containerd:
    def __init__(self, tmp_path):
        self.root = tmp_path / "ctrd-root"
        self.state = tmp_path / "ctrd-state"
        self.addr = str(tmp_path / "ctrd.sock")
        cfg = tmp_path / "containerd.toml"
        # the CRI plugin wants a CNI setup this host has no use for
        cfg.write_text('version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n')
        self.log = open(tmp_path / "containerd.log", "w")
        self.p = subprocess.Popen(["containerd", "--config", str(cfg), "--root", str(self.root),
                                   "--state", str(self.state), "--address", self.addr],
                                  stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while self.ctr("version", check=False).returncode != 0:
            assert self.p.poll() is None and time.time() < deadline, "containerd did not start"
            time.sleep(0.2)

    def ctr(self, *args, check=True, timeout=300):
        return run(["ctr", "--address", self.addr, "--namespace", NS, *args], check=check,
                   timeout=timeout)

    def stop(self):
        self.p.terminate()
        self.p.wait(timeout=30)
        self.log.close()


@pytest.fixture
def containerd(tmp_path, podman_env):  # noqa: F811
    for tool in ("containerd", "ctr"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (scripts/install-deps.sh installs it)")
    if not os.path.exists(ARCHIVE):
        tmp = f"{ARCHIVE}.{os.getpid()}"
        podman(podman_env, "save", "--format", "docker-archive", "-o", tmp, IMAGE)
        os.rename(tmp, ARCHIVE)
    c = Containerd(tmp_path)
    try:
        c.ctr("images", "import", ARCHIVE)
        [image] = c.ctr("images", "ls", "-q").stdout.split()
        c.image = image
        yield c
    finally:
        for t in c.ctr("tasks", "ls", "-q", check=False).stdout.split():
            c.ctr("tasks", "kill", "-s", "KILL", t, check=False)
        for k in c.ctr("containers", "ls", "-q", check=False).stdout.split():
            c.ctr("tasks", "rm", "-f", k, check=False)
            c.ctr("containers", "rm", k, check=False)
        c.stop()


def daemon_for(tmp_path, c):
    cfg = tmp_path / "daemon.yaml"
    cfg.write_text(f"auto_adopt:\n  containers:\n    containerd_root: {c.root}\n"
                   f"    containerd_state: {c.state}\n")
    return Daemon(tmp_path, "--config", str(cfg)).start()


def test_labelled_containerd_container_is_adopted_at_its_start(containerd, tmp_path):
    c = containerd
    x = tmp_path / "x"
    x.mkdir()
    (x / "marker").write_text("m")
    cid = f"proctor-ctr-{os.getpid()}"
    other = f"proctor-ctr-unlabelled-{os.getpid()}"
    # the fallback races with the workload's first instructions (no hook
    # makes the runtime wait): the workload waits for the test's go-ahead
    script = ("while [ ! -e /x/go ]; do sleep 0.02; done; cat /x/marker >/dev/null; "
              "head -c 1 /etc/passwd >/dev/null")
    d = daemon_for(tmp_path, c)
    try:
        mount = ["--mount", f"type=bind,src={x},dst=/x,options=rbind:rw"]
        c.ctr("run", "-d", "--label", "proctor.agent=claude", "--label",
              "proctor.project=shop", *mount, c.image, cid, "sh", "-c", script)
        (x / "go").touch()
        c.ctr("run", "--rm", "--label", "other=1", c.image, other, "cat", "/etc/hostname")
        s = ended_session(d, cid)
        sessions = d.store().sessions()
    finally:
        d.stop()
    assert [x["session"] for x in sessions if x["container.name"] in (cid, other)] == \
        [s["session"]]
    assert (s["origin"], s["agent"], s["project"], s["command"]) == \
        ("auto", "claude", "shop", ["sh", "-c", script])
    ev = d.store().events(s["session"])
    for e in ev:
        assert (e["container.id"], e["container.name"], e["container.runtime"],
                e["container.image.name"], e["agent"], e["project"]) == \
            (cid, cid, "containerd", c.image, "claude", "shop"), e
    adopt = of_type(ev, "session.adopt")
    assert len(adopt) == 1 and adopt[0]["session.adopt.cgroup"] == f"/{NS}/{cid}"
    opened = [e["file.path"] for e in of_type(ev, "file.open")]
    assert opened.count("/x/marker") == 1 and "/etc/passwd" in opened
    execs = [os.path.basename(e["process.executable.path"]) for e in of_type(ev, "process.exec")
             if e["process.command_args"][:2] != ["runc", "init"]]
    assert {"cat", "head"} <= set(execs)


def hooked_spec(tmp_path, cid, x, sock, script):
    """ctr's default spec, on the debootstrap rootfs (no snapshot: --config),
    with the daemon's OCI hook at createRuntime and a cgroup of its own."""
    rootfs = tmp_path / "rootfs"
    rootfs.mkdir()
    run(["tar", "-C", str(rootfs), "-xf", ROOTFS_TAR], check=True, timeout=600)
    spec = json.loads(run(["ctr", "oci", "spec"], check=True).stdout)
    spec["root"] = {"path": str(rootfs)}
    spec["process"].update(args=["sh", "-c", script], env=["PATH=/usr/bin:/bin"],
                           terminal=False)
    spec["mounts"].append({"destination": "/x", "type": "bind", "source": str(x),
                           "options": ["rbind", "rw"]})
    spec["linux"]["cgroupsPath"] = f"/proctor-hook/{cid}"
    spec["hooks"] = {"createRuntime": [{"path": PROCTOR,
                                        "args": ["proctor", "oci-hook", "--socket", sock]}]}
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    return path


def test_containerd_container_with_the_hook_is_adopted_synchronously(containerd, tmp_path):
    c = containerd
    x = tmp_path / "x"
    x.mkdir()
    (x / "marker").write_text("m")
    cid = f"proctor-ctr-hook-{os.getpid()}"
    script = "cat /x/marker >/dev/null; head -c 1 /etc/passwd >/dev/null"  # no waiting
    d = daemon_for(tmp_path, c)
    try:
        spec = hooked_spec(tmp_path, cid, x, d.sock, script)
        c.ctr("run", "--config", str(spec), "--label", "proctor.agent=codex", "--label",
              "proctor.project=shop", cid)
        s = ended_session(d, cid)
    finally:
        d.stop()
    err = d.p.stderr.read()
    assert f"adopted containerd container {cid} ({cid[:12]}, agent codex) at its start " \
           "(OCI hook)" in err, err
    assert (s["origin"], s["agent"], s["project"], s["command"]) == \
        ("auto", "codex", "shop", ["sh", "-c", script])
    ev = d.store().events(s["session"])
    for e in ev:
        assert (e["container.id"], e["container.name"], e["container.runtime"],
                e["agent"], e["project"]) == (cid, cid, "containerd", "codex", "shop"), e
    adopt = of_type(ev, "session.adopt")
    assert len(adopt) == 1 and adopt[0]["session.adopt.cgroup"] == f"/proctor-hook/{cid}"
    # the workload's first instruction on: its exec of sh, and what it did at once
    execs = [e["process.command_args"] for e in of_type(ev, "process.exec")
             if e["process.command_args"][:2] != ["runc", "init"]]
    assert execs[0] == ["sh", "-c", script], execs
    opened = [e["file.path"] for e in of_type(ev, "file.open")]
    assert opened.count("/x/marker") == 1 and "/etc/passwd" in opened
