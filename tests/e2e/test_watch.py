"""test_watch.py: `proctor watch` adopts what is already running: a process
tree (moved into a session cgroup, each move recorded, moved back at the end)
or a cgroup in place. Nothing before adoption is claimed; bad targets exit 2
and leave no session behind."""
import os
import signal
import subprocess
import time

from conftest import PROCTOR, of_type, run

TIMEOUT = 60


def cgroup2_mount():
    with open("/proc/mounts") as f:
        for line in f:
            dev, mnt, fstype = line.split()[:3]
            if fstype == "cgroup2":
                return mnt
    raise AssertionError("no cgroup2 mount")


def cgroup_of(pid):
    try:
        with open(f"/proc/{pid}/cgroup") as f:
            for line in f:
                if line.startswith("0::"):
                    return line[3:].strip()
    except OSError:
        pass  # gone
    return None


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline") as f:
            return f.read()
    except OSError:
        return ""


def wait_file(path, timeout=TIMEOUT):
    end = time.time() + timeout
    while not os.path.exists(path):
        assert time.time() < end, f"{path} never appeared"
        time.sleep(0.02)


def start_watch(proctor, *target, agent="codex", project="shop"):
    """Start `proctor watch TARGET` and return it once adoption is live."""
    labels = (["--agent", agent] if agent else []) + (["--project", project] if project else [])
    p = subprocess.Popen([PROCTOR, "watch", *target, *labels, "--db", proctor.db],
                         stderr=subprocess.PIPE, text=True)
    lines = []
    for line in p.stderr:
        lines.append(line)
        if ": watching " in line:
            return p, lines
    p.wait(timeout=TIMEOUT)
    raise AssertionError(f"watch exited {p.returncode} before adopting:\n{''.join(lines)}")


def finish(p, lines):
    p.wait(timeout=TIMEOUT)
    lines += p.stderr.readlines()
    return p.returncode, "".join(lines)


# The tree: the root waits for GO after a marker it ran before adoption,
# with one child started before adoption that also waits; after GO each runs
# one command, then all exit.
TREE = r"""
cat /etc/issue.net >/dev/null 2>&1 || true
( while [ ! -e "$1/go" ]; do sleep 0.02; done; cat /etc/hostname >/dev/null ) &
touch "$1/ready"
while [ ! -e "$1/go" ]; do sleep 0.02; done
head -c 1 /etc/passwd >/dev/null
wait
"""


def test_watch_pid_adopts_tree_from_now_on(proctor, tmp_path):
    root = subprocess.Popen(["/bin/sh", "-c", TREE, "tree", str(tmp_path)])
    wait_file(tmp_path / "ready")
    before = cgroup_of(root.pid)
    w, lines = start_watch(proctor, "--pid", str(root.pid))
    assert cgroup_of(root.pid).startswith("/proctor/")
    (tmp_path / "go").touch()
    assert root.wait(timeout=TIMEOUT) == 0
    rc, err = finish(w, lines)
    assert rc == 0, err
    assert "(adopted) agent=codex project=shop" in err

    ev = proctor.events()
    ses = proctor.last_session()
    assert (ses["origin"], ses["container.name"], ses["k8s.pod.name"]) == ("watch", "", "")
    assert {e["session"] for e in ev} == {ses["session"]}
    assert {(e["agent"], e["project"]) for e in ev} == {("codex", "shop")}
    adopt = of_type(ev, "session.adopt")
    assert len(adopt) == 1
    assert adopt[0]["session.origin"] == "watch"
    assert adopt[0]["session.adopt.pid"] == root.pid
    # the root and its one child (and a sleep of either, if one was running)
    moved = {e["process.pid"]: e for e in of_type(ev, "process.adopt")}
    assert adopt[0]["session.adopt.moved"] == len(moved)
    assert root.pid in moved and 2 <= len(moved) <= 4
    assert {e["process.cgroup.previous"] for e in moved.values()} == {before}
    assert {e["process.cgroup.path"] for e in moved.values()} == {"/proctor/" + ses["session"]}
    # the two shells were moved and seeded (a sleep may have ended between
    # the move and the seed, or begun after the move: seeded, not moved)
    shells = {pid for pid, e in moved.items() if e["process.name"] == "sh"}
    assert len(shells) == 2 and root.pid in shells
    seeded = {e["process.pid"] for e in of_type(ev, "process.seed")}
    assert shells <= seeded
    # after adoption: both commands, each from its own parent in the tree
    execs = {os.path.basename(e["process.executable.path"]): e
             for e in of_type(ev, "process.exec")}
    assert execs["head"]["process.parent_pid"] == root.pid
    assert execs["cat"]["process.parent_pid"] in moved
    opened = {e["file.path"] for e in ev if e["type"] == "file.open"}
    assert {"/etc/hostname", "/etc/passwd"} <= opened
    # before adoption: nothing claimed
    assert "/etc/issue.net" not in opened
    assert not [e for e in of_type(ev, "process.exec")
                if "/etc/issue.net" in e["process.command_args"]]
    exits = {e["process.pid"] for e in of_type(ev, "process.exit")}
    assert root.pid in exits
    assert not os.path.exists(cgroup2_mount() + "/proctor/" + ses["session"])


def test_watch_pid_ctrl_c_moves_survivors_back(proctor, tmp_path):
    root = subprocess.Popen(["/bin/sh", "-c",
                             'touch "$1/ready"; while [ ! -e "$1/stop" ]; do sleep 0.05; done',
                             "loop", str(tmp_path)])
    try:
        wait_file(tmp_path / "ready")
        before = cgroup_of(root.pid)
        w, lines = start_watch(proctor, "--pid", str(root.pid))
        ses_cg = cgroup_of(root.pid)
        assert ses_cg.startswith("/proctor/")
        w.send_signal(signal.SIGINT)
        rc, err = finish(w, lines)
        assert rc == 0, err
        assert root.poll() is None, "watch must not stop the adopted tree"
        assert cgroup_of(root.pid) == before
        assert not os.path.exists(cgroup2_mount() + ses_cg)
    finally:
        (tmp_path / "stop").touch()
        root.wait(timeout=TIMEOUT)


def test_watch_cgroup_tracks_it_and_its_children_in_place(proctor, tmp_path):
    mnt = cgroup2_mount()
    name = f"proctor-watch-test-{os.getpid()}"
    cg, inner = f"{mnt}/{name}", f"{mnt}/{name}/inner"
    os.makedirs(inner)
    try:
        # one process in the cgroup, one in the cgroup below it
        prog = r'echo $$ > "$2/cgroup.procs"; touch "$1/ready$3"; ' \
               r'while [ ! -e "$1/go" ]; do sleep 0.02; done; cat /etc/hostname$3 2>/dev/null; :'
        a = subprocess.Popen(["/bin/sh", "-c", prog, "a", str(tmp_path), cg, ""])
        b = subprocess.Popen(["/bin/sh", "-c", prog, "b", str(tmp_path), inner, "-inner"])
        wait_file(tmp_path / "ready")
        wait_file(tmp_path / "ready-inner")
        w, lines = start_watch(proctor, "--cgroup", f"/{name}", agent="aider", project="cg")
        (tmp_path / "go").touch()
        assert a.wait(timeout=TIMEOUT) == 0 and b.wait(timeout=TIMEOUT) == 0
        rc, err = finish(w, lines)
        assert rc == 0, err
        ev = proctor.events()
        adopt = of_type(ev, "session.adopt")
        assert len(adopt) == 1 and adopt[0]["session.adopt.cgroup"] == f"/{name}"
        assert adopt[0]["session.adopt.moved"] == 0 and not of_type(ev, "process.adopt")
        assert {a.pid, b.pid} <= {e["process.pid"] for e in of_type(ev, "process.seed")}
        opens = {e["file.path"]: e["process.parent_pid"] for e in ev
                 if e["type"] == "file.open" and e["file.path"].startswith("/etc/hostname")}
        assert opens == {"/etc/hostname": a.pid, "/etc/hostname-inner": b.pid}
        assert {e["agent"] for e in ev} == {"aider"}
        assert os.path.isdir(inner), "an adopted cgroup is not ours to remove"
    finally:
        for d in (inner, cg):
            for _ in range(100):
                try:
                    os.rmdir(d)
                    break
                except OSError:
                    time.sleep(0.05)


def no_session_left(proctor):
    if os.path.exists(proctor.db):
        assert proctor.sessions() == []


def test_watch_bad_targets_exit_2(proctor, tmp_path):
    gone = subprocess.Popen(["/bin/true"])
    gone.wait()
    cases = [
        (["--pid", str(gone.pid)], f"no process {gone.pid}"),
        (["--pid", "abc"], "--pid: 'abc' is not a process id"),
        (["--cgroup", "/no-such-cgroup-here"], "no such cgroup"),
        (["--cgroup", "/"], "the root cgroup"),
        (["--cgroup", "/a/../.."], "give a cgroup as a path"),
        (["--container", "-x"], "not a container name or id"),
        ([], "give one of --pid PID, --cgroup PATH or --container NAME|ID"),
        (["--container", "x", "--cgroup", "/x"], "give one of --pid PID, --cgroup PATH or --container NAME|ID"),
    ]
    for args, msg in cases:
        p = run([PROCTOR, "watch", *args, "--db", proctor.db])
        assert p.returncode == 2, (args, p.stderr)
        assert msg in p.stderr, (args, p.stderr)
    no_session_left(proctor)


def test_watch_pid_already_in_a_session_exits_2(proctor, tmp_path):
    other = tmp_path / "other.db"
    r = subprocess.Popen([PROCTOR, "run", "--db", str(other), "--", "/bin/sh", "-c",
                          f'touch {tmp_path}/in; while [ ! -e {tmp_path}/stop ]; do sleep 0.05; done'])
    try:
        wait_file(tmp_path / "in")
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
        inside = [p for p in pids if (cgroup_of(p) or "").startswith("/proctor/")
                  and str(tmp_path) in cmdline(p)]
        assert inside
        p = run([PROCTOR, "watch", "--pid", str(inside[0]), "--db", proctor.db])
        assert p.returncode == 2, p.stderr
        assert f"process {inside[0]} is already in a session (cgroup /proctor/" in p.stderr
        assert cgroup_of(inside[0]).startswith("/proctor/")
        no_session_left(proctor)
    finally:
        (tmp_path / "stop").touch()
        assert r.wait(timeout=TIMEOUT) == 0
