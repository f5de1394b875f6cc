"""test_store_faults.py: database faults (issue 15 §10). A corrupt, truncated
or foreign file is a clear error naming the file, never a crash, never a
silent empty answer; two writers on one store both complete."""
import os
import re
import subprocess
import time

from conftest import PROCTOR, Proctor, of_type, run

HERE = os.path.dirname(os.path.abspath(__file__))


def filled_store(tmp_path, n=3000):
    exe = str(tmp_path / "open_many")
    subprocess.run(["gcc", "-O1", "-o", exe, os.path.join(HERE, "progs", "open_many.c")],
                   check=True)
    d = tmp_path / "files"
    d.mkdir()
    for i in range(n):
        (d / f"f{i:05d}").touch()
    pr = Proctor(tmp_path / "full.db")
    p = pr.run([exe, str(d), str(n)])
    assert p.returncode == 0, p.stderr
    return pr


def test_damaged_pages_are_an_error_naming_the_file(tmp_path):
    pr = filled_store(tmp_path)
    assert len(pr.events()) > 3000
    size = os.path.getsize(pr.db)
    garbage = min(1 << 20, size // 4)  # a v2 store of 3000 opens is about 1 MiB
    with open(pr.db, "r+b") as f:  # garbage in the middle: event pages
        f.seek(size // 2 - garbage // 2)
        f.write(os.urandom(garbage))
    p = pr.cli("log", "--json")
    assert p.returncode == 1 and p.stdout == "", p.stdout[:200]
    assert f"{pr.db}: database disk image is malformed" in p.stderr, p.stderr
    v = pr.cli("verify", "--all")
    assert v.returncode != 0
    assert f"{pr.db}: reading the records of" in v.stderr and "malformed" in v.stderr, v.stderr
    assert "truncated" not in v.stdout  # a damaged file is not a cut chain


def test_truncated_and_foreign_files_are_refused_naming_the_file(tmp_path):
    pr = filled_store(tmp_path, n=50)
    cut = tmp_path / "cut.db"
    with open(pr.db, "rb") as f:
        cut.write_bytes(f.read(8192))
    junk = tmp_path / "junk.db"
    junk.write_bytes(os.urandom(10000))
    marker = tmp_path / "ran"
    for path, why in ((cut, "database disk image is malformed"), (junk, "file is not a database")):
        for args in (["sessions"], ["log"], ["verify", "--all"]):
            p = run([PROCTOR, *args, "--db", str(path)])
            assert p.returncode == 3, (args, p.stderr)
            assert f"{path} is not a proctor store ({why})" in p.stderr, (args, p.stderr)
        p = run([PROCTOR, "run", "--db", str(path), "--", "touch", str(marker)])
        assert p.returncode == 3 and str(path) in p.stderr, p.stderr
        assert not marker.exists(), "the agent ran with no store to record it"


def test_two_writers_on_one_store_both_complete(tmp_path):
    pr = Proctor(tmp_path / "shared.db")
    cmd = ["sh", "-c", "for i in $(seq 1 40); do /bin/echo $i > /dev/null; done"]
    procs = [subprocess.Popen([PROCTOR, "run", "--db", pr.db, "--", *cmd],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    errs = [p.communicate(timeout=240)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    sessions = pr.sessions()
    assert len(sessions) == 2
    for s in sessions:
        assert s["drops"] == 0 and s["end"] is not None
        evs = pr.events(s["session"])
        assert len(evs) == s["events"]
        assert len([e for e in of_type(evs, "process.exec")
                    if e["process.executable.path"] == "/usr/bin/echo"]) == 40
    assert pr.cli("verify", "--all").returncode == 0


def test_full_disk_keeps_the_earliest_events_and_the_processes(tmp_path):
    """A 2 MiB filesystem fills during the session: the store keeps the
    earliest events (never a random tail), writes the session's end (counts,
    final checkpoint) from the space it reserved, stays consistent (verify)
    and the counts say what was stored and what was lost. (The retry of a
    refused batch's process records alone is unit-tested: whether they fit
    depends on the room left.)"""
    mnt = tmp_path / "small"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)], check=True)
    try:
        pr = Proctor(mnt / "p.db")
        p = pr.run(["sh", "-c", "for i in $(seq 1 400); do /bin/echo $i > /dev/null; done"])
        assert p.returncode == 0, p.stderr
        m = re.search(r", (\d+) processes, (\d+) events, (\d+) drops \(events were lost\)",
                      p.stderr)
        assert m, p.stderr
        procs, events, drops = map(int, m.groups())
        assert "database or disk is full" in p.stderr
        assert f"sink sqlite:{pr.db} lost {drops} events" in p.stderr
        s = pr.last_session()
        assert (s["events"], s["drops"]) == (events, drops) and s["end"] is not None
        assert s["drops.by_sink"] == {f"sqlite:{pr.db}": drops}, s
        stored = pr.events(s["session"])
        assert len(stored) == events - drops > 0
        # the earliest: the session's first exec and the first iterations
        execs = [e for e in stored if e["type"] == "process.exec"]
        assert execs[0]["process.command_args"][0] == "sh"
        echoed = [int(e["process.command_args"][1]) for e in execs
                  if e["process.executable.path"] == "/usr/bin/echo"]
        assert echoed[:3] == [1, 2, 3]
        # the session's end was written (the store's reserve), its chain intact
        assert pr.cli("verify", "--all").returncode == 0
    finally:
        subprocess.run(["umount", "-l", str(mnt)])


def session_cgroup(recorder_pid):
    """The cgroup v2 directory of the agent `proctor run` (recorder_pid) started."""
    root = [l.split()[1] for l in open("/proc/mounts") if l.split()[2] == "cgroup2"][0]
    for child in run(["pgrep", "-P", str(recorder_pid)]).stdout.split():  # the supervisor too
        rel = [l[3:].strip() for l in open(f"/proc/{child}/cgroup") if l.startswith("0::")][0]
        if rel.startswith("/proctor/"):
            return root + rel
    return None


def test_full_disk_under_fail_closed_freezes_the_agent_until_space_returns(tmp_path):
    """--fail-closed with a full disk: the store's writer holds the batch it
    cannot write and retries it, and the session is frozen meanwhile (not its
    records dropped) until space returns, then thawed. The agent fills the disk
    itself, then runs 1,000 echos; the test frees the space once the session is
    frozen: 0 drops, every echo stored, the chain intact. (64 MiB: the WAL of
    ~50,000 events must fit after the space returns.)"""
    mnt = tmp_path / "small"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mnt)], check=True)
    filler = mnt / "filler"
    try:
        pr = Proctor(mnt / "p.db")
        script = (f"dd if=/dev/zero of={filler} bs=64k 2>/dev/null; "
                  "for i in $(seq 1 1000); do /bin/echo $i > /dev/null; done")
        p = subprocess.Popen([PROCTOR, "run", "--db", pr.db, "--ringbuf-mb", "1",
                              "--fail-closed", "--", "sh", "-c", script],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        frozen, cg, deadline = False, None, time.monotonic() + 120
        while not frozen and time.monotonic() < deadline and p.poll() is None:
            try:
                cg = cg or session_cgroup(p.pid)
                full = os.statvfs(mnt).f_bavail * os.statvfs(mnt).f_frsize < 65536
                frozen = bool(cg) and full and "frozen 1" in open(f"{cg}/cgroup.events").read()
            except (OSError, IndexError):
                pass
            time.sleep(0.05)
        held_frozen = frozen
        time.sleep(0.5)  # frozen it stays while the disk is full
        still = bool(cg) and "frozen 1" in open(f"{cg}/cgroup.events").read()
        filler.unlink(missing_ok=True)  # space returns: the held batch is written
        err = p.communicate(timeout=300)[1]
        assert held_frozen and still, "the session was not kept frozen: " + err
        assert p.returncode == 0, err
        assert "fail-closed: holding" in err and "the store took the held records" in err, err
        assert re.search(r", \d+ events, 0 drops, exit 0", err), err
        m = re.search(r"fail-closed: frozen (\d+) times", err)
        assert m and int(m.group(1)) >= 1, err
        s = pr.last_session()
        assert s["drops"] == 0 and s["drops.by_sink"] == {}
        stored = pr.events(s["session"])
        assert len(stored) == s["events"]
        echoed = [int(e["process.command_args"][1]) for e in of_type(stored, "process.exec")
                  if e["process.executable.path"] == "/usr/bin/echo"]
        assert echoed == list(range(1, 1001))
        assert pr.cli("verify", "--all").returncode == 0
    finally:
        subprocess.run(["umount", "-l", str(mnt)])
