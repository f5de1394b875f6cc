"""test_watch_container.py: `proctor watch --container` on a real podman
container (runc; a rootfs made with debootstrap and imported, no registry),
started with labels: its events carry the container fields and the labels'
agent and project. The rootfs tarball is built once and cached under
/var/cache/proctor-test; without the Debian mirror the tests skip."""
import os
import shutil

import pytest

from conftest import PROCTOR, of_type, run
from test_watch import finish, start_watch, wait_file

CACHE = "/var/cache/proctor-test"
ROOTFS_TAR = f"{CACHE}/rootfs.tar"
IMAGE = "proctor-test:bookworm"
# crun fails on this host's hybrid cgroups: runc, cgroupfs driver. The
# ulimits: podman raises nofile/nproc by default, which needs CAP_SYS_RESOURCE.
CONF = '[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n'
ULIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]


def build_rootfs():
    """The cached tarball of a minimal debootstrap rootfs, or a skip reason."""
    if os.path.exists(ROOTFS_TAR):
        return None
    os.makedirs(CACHE, exist_ok=True)
    work = f"{CACHE}/rootfs-build.{os.getpid()}"
    p = run(["debootstrap", "--variant=minbase", "bookworm", work, "http://deb.debian.org/debian"],
            timeout=1800)
    if p.returncode != 0:
        shutil.rmtree(work, ignore_errors=True)
        last = ((p.stderr or p.stdout).strip().splitlines() or [""])[-1]
        return f"debootstrap cannot build the test rootfs (Debian mirror unreachable?): {last}"
    run(["tar", "-C", work, "-cf", ROOTFS_TAR + ".tmp", "."], check=True, timeout=600)
    os.rename(ROOTFS_TAR + ".tmp", ROOTFS_TAR)
    shutil.rmtree(work, ignore_errors=True)
    return None


@pytest.fixture(scope="module")
def podman_env(tmp_path_factory):
    for tool in ("podman", "runc", "debootstrap"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (scripts/install-deps.sh installs it)")
    why = build_rootfs()
    if why:
        pytest.skip(why)
    conf = tmp_path_factory.mktemp("podman") / "containers.conf"
    conf.write_text(CONF)
    env = dict(os.environ, CONTAINERS_CONF=str(conf))
    if run(["podman", "image", "exists", IMAGE], env=env).returncode != 0:
        run(["podman", "import", ROOTFS_TAR, IMAGE], env=env, check=True, timeout=600)
    return env


def podman(env, *args, check=True):
    return run(["podman", *args], env=env, check=check, timeout=120)


def test_watch_container_with_labels(proctor, tmp_path, podman_env, monkeypatch):
    name = f"proctor-watch-{os.getpid()}"
    script = ('while [ ! -e /x/go ]; do sleep 0.02; done; cat /etc/hostname >/dev/null; '
              'head -c 1 /etc/passwd >/dev/null; touch /x/done')
    cid = podman(podman_env, "run", "-d", *ULIMITS, "--name", name,
                 "--label", "proctor.agent=claude", "--label", "proctor.project=shop",
                 "-v", f"{tmp_path}:/x", IMAGE, "sh", "-c", script).stdout.strip()
    try:
        assert len(cid) == 64
        for k, v in podman_env.items():
            monkeypatch.setenv(k, v)  # proctor asks podman with the same config
        w, lines = start_watch(proctor, "--container", name, agent=None, project=None)
        (tmp_path / "go").touch()
        wait_file(tmp_path / "done")
        rc, err = finish(w, lines)
        assert rc == 0, err
        assert f"watching podman container {name} ({cid[:12]}" in err
    finally:
        podman(podman_env, "rm", "-f", name, check=False)

    ev = proctor.events()
    assert ev
    for e in ev:
        assert (e["container.id"], e["container.name"], e["container.runtime"],
                e["container.image.name"]) == (cid, name, "podman", "localhost/" + IMAGE), e
        assert (e["agent"], e["project"]) == ("claude", "shop")
        assert not [k for k in e if k.startswith("k8s.")]
    ses = proctor.last_session()
    assert (ses["origin"], ses["container.name"], ses["k8s.pod.name"]) == ("watch", name, "")
    adopt = of_type(ev, "session.adopt")
    assert len(adopt) == 1 and adopt[0]["session.adopt.cgroup"] == f"/libpod_parent/libpod-{cid}"
    execs = {os.path.basename(e["process.executable.path"]) for e in of_type(ev, "process.exec")}
    assert {"cat", "head", "touch"} <= execs
    opened = {e["file.path"] for e in ev if e["type"] == "file.open"}
    assert {"/etc/hostname", "/etc/passwd"} <= opened


def test_watch_container_with_cri_labels_carries_the_pod(proctor, tmp_path, podman_env,
                                                         monkeypatch):
    """A container as the kubelet labels it through CRI: its events carry
    k8s.pod.name, k8s.pod.uid and k8s.namespace.name from those labels."""
    name = f"proctor-watch-pod-{os.getpid()}"
    uid = "0f5e9c2a-3b7d-4e1f-9a8b-6c5d4e3f2a1b"
    script = 'while [ ! -e /x/go ]; do sleep 0.02; done; cat /etc/hostname >/dev/null; touch /x/done'
    cid = podman(podman_env, "run", "-d", *ULIMITS, "--name", name,
                 "--label", "io.kubernetes.pod.name=web-7d4b9",
                 "--label", "io.kubernetes.pod.namespace=shop",
                 "--label", f"io.kubernetes.pod.uid={uid}",
                 "--label", "proctor.agent=codex",
                 "-v", f"{tmp_path}:/x", IMAGE, "sh", "-c", script).stdout.strip()
    try:
        for k, v in podman_env.items():
            monkeypatch.setenv(k, v)
        w, lines = start_watch(proctor, "--container", name, agent=None, project=None)
        (tmp_path / "go").touch()
        wait_file(tmp_path / "done")
        rc, err = finish(w, lines)
        assert rc == 0, err
    finally:
        podman(podman_env, "rm", "-f", name, check=False)

    ev = proctor.events()
    assert ev and of_type(ev, "process.exec")
    for e in ev:
        assert (e["container.id"], e["container.name"]) == (cid, name), e
        assert (e["k8s.pod.name"], e["k8s.pod.uid"], e["k8s.namespace.name"]) == \
            ("web-7d4b9", uid, "shop"), e
        assert (e["agent"], e["project"]) == ("codex", "")
    ses = proctor.last_session()
    assert (ses["origin"], ses["container.name"], ses["k8s.pod.name"]) == \
        ("watch", name, "web-7d4b9")


def test_watch_container_not_found_exits_2(proctor, podman_env, monkeypatch):
    for k, v in podman_env.items():
        monkeypatch.setenv(k, v)
    p = run([PROCTOR, "watch", "--container", "no-such-container-here", "--db", proctor.db])
    assert p.returncode == 2, p.stderr
    assert "no container 'no-such-container-here' (asked podman" in p.stderr
    assert not os.path.exists(proctor.db) or proctor.sessions() == []
