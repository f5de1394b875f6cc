"""test_lineage.py: tracking the agent cannot shed (issue 11 §3). A tracked
task and every descendant stay in their own session wherever they move: the
root cgroup, another session's cgroup, new namespaces, setsid and a double
fork. Each move out of a cgroup is recorded as process.cgroup_change, and
what the moved process does afterwards is recorded in its own session."""
import os
import subprocess
import time

import pytest

from conftest import PROCTOR, Proctor, of_type


def cgroup2_mount():
    return [l.split()[1] for l in open("/proc/mounts") if l.split()[2] == "cgroup2"][0]


def opens_of(events, path):
    return [e for e in of_type(events, "file.open") if e["file.path"] == str(path)]


def one_session(proctor):
    ss = proctor.sessions()
    assert len(ss) == 1, ss
    return ss[0]["session"] if "session" in ss[0] else ss[0]["id"]


def test_agent_moves_itself_to_root_cgroup_then_execs(proctor, tmp_path):
    mnt = cgroup2_mount()
    marker = tmp_path / "after-move"
    marker.write_text("m\n")
    p = proctor.run(["sh", "-c", f"echo $$ > {mnt}/cgroup.procs && grep ^0:: /proc/self/cgroup"
                     f" && exec cat {marker}"], "--grace", "1s")
    assert p.returncode == 0, p.stderr
    assert "0::/\n" in p.stdout
    sid = one_session(proctor)
    ev = proctor.events()
    assert {e["session"] for e in ev} == {sid}
    moves = of_type(ev, "process.cgroup_change")
    assert len(moves) == 1, moves
    mv = moves[0]
    assert mv["process.cgroup.relation"] == "untracked"
    assert mv["process.cgroup.path"] == "/"
    assert mv["process.cgroup.id"] == os.stat(mnt).st_ino
    assert mv["process.cgroup.previous_id"] != mv["process.cgroup.id"]
    cats = [e for e in of_type(ev, "process.exec") if e["process.name"] == "cat"]
    assert len(cats) == 1 and cats[0]["process.pid"] == mv["process.pid"]
    got = opens_of(ev, marker)
    assert len(got) == 1 and got[0]["process.pid"] == mv["process.pid"]
    # the child it forked from the root cgroup (grep) is recorded too
    greps = [e for e in of_type(ev, "process.exec") if e["process.name"] == "grep"]
    assert len(greps) == 1 and greps[0]["process.parent_pid"] == mv["process.pid"]
    assert sorted(e["process.pid"] for e in of_type(ev, "process.exit")) == sorted(
        [mv["process.pid"], greps[0]["process.pid"]])


def test_agent_joining_another_sessions_cgroup_stays_in_its_own(tmp_path):
    """Session B (its own recorder and store) idles; agent A moves into B's
    cgroup and works there. A's store has all of it, in A's session."""
    a, b = Proctor(tmp_path / "a.db"), Proctor(tmp_path / "b.db")
    marker = tmp_path / "in-b"
    marker.write_text("b\n")
    cgfile = tmp_path / "b-cgroup"
    mnt = cgroup2_mount()
    bproc = subprocess.Popen(
        [PROCTOR, "run", "--db", b.db, "--grace", "1s", "--", "sh", "-c",
         f"grep ^0:: /proc/self/cgroup | cut -d: -f3 > {cgfile}.tmp && mv {cgfile}.tmp {cgfile};"
         f" sleep 30"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(300):
            if cgfile.exists():
                break
            time.sleep(0.05)
        bcg = mnt + cgfile.read_text().strip()
        p = a.run(["sh", "-c", f"echo $$ > {bcg}/cgroup.procs && exec cat {marker}"],
                  "--grace", "1s")
        assert p.returncode == 0, p.stderr
    finally:
        bproc.kill()
        bproc.wait()
    sid = one_session(a)
    ev = a.events()
    assert {e["session"] for e in ev} == {sid}
    mv = of_type(ev, "process.cgroup_change")
    assert len(mv) == 1 and mv[0]["process.cgroup.id"] == os.stat(bcg).st_ino
    # standalone recorders do not know each other's sessions: B's cgroup is
    # not A's (the daemon, one engine, names it other_session)
    assert mv[0]["process.cgroup.relation"] == "untracked"
    got = opens_of(ev, marker)
    assert len(got) == 1 and got[0]["process.pid"] == mv[0]["process.pid"]


def test_agent_in_every_new_namespace_stays_recorded(proctor, tmp_path):
    marker = tmp_path / "in-ns"
    marker.write_text("n\n")
    p = proctor.run(["unshare", "--user", "--map-root-user", "--mount", "--uts", "--ipc",
                     "--net", "--pid", "--fork", "--cgroup", "--time", "sh", "-c",
                     f"hostname inside; exec cat {marker}"], "--grace", "1s")
    assert p.returncode == 0, p.stderr
    sid = one_session(proctor)
    ev = proctor.events()
    assert {e["session"] for e in ev} == {sid}
    names = [e["process.name"] for e in of_type(ev, "process.exec")]
    assert names == ["unshare", "sh", "hostname", "cat"], names
    got = opens_of(ev, marker)
    assert len(got) == 1 and got[0]["process.name"] == "cat"


def test_setsid_double_fork_to_root_cgroup_stays_recorded(proctor, tmp_path):
    """The agent double-forks a setsid'd grandchild that moves to the root
    cgroup; the middle process exits at once (the grandchild is reparented)
    and the agent waits for the grandchild's work to end."""
    mnt = cgroup2_mount()
    marker, done = tmp_path / "daemonized", tmp_path / "done"
    marker.write_text("d\n")
    inner = f"echo $$ > {mnt}/cgroup.procs && cat {marker} && touch {done}"
    p = proctor.run(["sh", "-c", f"(setsid sh -c '{inner}' &); "
                     f"for i in $(seq 200); do [ -e {done} ] && exit 0; sleep 0.05; done; exit 9"],
                    "--grace", "1s")
    assert p.returncode == 0, p.stderr
    sid = one_session(proctor)
    ev = proctor.events()
    assert {e["session"] for e in ev} == {sid}
    mv = of_type(ev, "process.cgroup_change")
    assert len(mv) == 1 and mv[0]["process.cgroup.path"] == "/"
    gpid = mv[0]["process.pid"]
    got = opens_of(ev, marker)
    assert len(got) == 1 and got[0]["process.parent_pid"] == gpid
    touch = [e for e in of_type(ev, "process.exec") if e["process.name"] == "touch"]
    assert len(touch) == 1 and touch[0]["process.parent_pid"] == gpid
    # the grandchild's parent (the middle subshell) exited before it did
    forks = {e["process.pid"]: e for e in of_type(ev, "process.fork") if not e["process.thread"]}
    middle = forks[gpid]["process.parent_pid"]
    exits = {e["process.pid"]: e["time"] for e in of_type(ev, "process.exit")}
    assert exits[middle] < exits[gpid]
