"""test_daemon_auto_inode.py: a known agent pinned by path (docs/DAEMON.md,
`auto_adopt.rules: - {path: ...}`): the daemon resolves the path to the
file's (device, inode) and the kernel's exec program adopts an exec of that
file, under whatever name it is run (a hard link, the file renamed, a
symlink, a spoofed argv[0]); a different file with the agent's basename is
not adopted. A new file renamed over the path (an upgrade) is followed."""
import os
import select
import shutil
import subprocess
import time

from conftest import PROCTOR, of_type, run
from test_daemon import Daemon


def pinned_daemon(tmp_path, agent_path, *more_rules):
    cfg = tmp_path / "daemon.yaml"
    rules = "".join(f"    - {r}\n" for r in (f"{{path: {agent_path}, agent: pinned, "
                                                "project: p1}", *more_rules))
    cfg.write_text(f"auto_adopt:\n  rules:\n{rules}")
    return Daemon(tmp_path, "--config", str(cfg)).start()


def all_ended(d, want, timeout=20):
    """The sessions once want of them have ended (and, a moment later, no
    more: a session that should not exist would be there by then)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        ss = d.store().sessions()
        if len([s for s in ss if s["end"]]) >= want:
            time.sleep(1.5)  # two liveness checks: any extra session has ended too
            return d.store().sessions()
        time.sleep(0.2)
    raise AssertionError(f"sessions: {d.store().sessions()}")


def cat_copy(path):
    """An ELF agent of our own: a copy of cat (a file of its own, a new inode)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2("/usr/bin/cat", path)
    return path


def test_pinned_agent_is_adopted_by_its_file_under_any_name(tmp_path):
    marker = tmp_path / "marker"
    marker.write_text("x")
    agent = cat_copy(tmp_path / "bin" / "my-agent")
    decoy = cat_copy(tmp_path / "decoy" / "my-agent")  # same name, another file
    link = tmp_path / "elsewhere" / "innocent"
    link.parent.mkdir()
    os.link(agent, link)
    sym = tmp_path / "elsewhere" / "sym"
    sym.symlink_to(agent)
    d = pinned_daemon(tmp_path, agent)
    try:
        # not adopted: another file with the agent's basename, even with the
        # agent's path as its argv[0]; and cat itself
        assert subprocess.run([str(agent), str(marker)], executable=str(decoy),
                              stdout=subprocess.DEVNULL).returncode == 0
        assert subprocess.run(["cat", str(marker)], stdout=subprocess.DEVNULL).returncode == 0
        # adopted: the file by its path, by a hard link, by a symlink, renamed
        runs = [[str(agent), str(marker)], [str(link), str(marker)],
                [str(sym), str(marker)]]
        for argv in runs:
            assert subprocess.run(argv, stdout=subprocess.DEVNULL).returncode == 0
        renamed = tmp_path / "bin" / "renamed"
        os.rename(agent, renamed)
        time.sleep(1.2)  # the daemon looks at the path again: gone, the pin stays
        runs.append([str(renamed), str(marker)])
        assert subprocess.run(runs[-1], stdout=subprocess.DEVNULL).returncode == 0
        sessions = all_ended(d, len(runs))
    finally:
        d.stop()
    assert sorted(s["command"] for s in sessions) == sorted(runs)
    for s in sessions:
        assert (s["origin"], s["agent"], s["project"], s["exit.code"]) == \
            ("auto", "pinned", "p1", 0), s
        ev = d.store().events(s["session"])
        assert [e["type"] for e in ev[:2]] == ["session.adopt", "process.exec"]
        opens = [e for e in of_type(ev, "file.open") if e["file.path"] == str(marker)]
        assert len(opens) == 1 and opens[0]["agent"] == "pinned"


def test_a_rule_by_name_still_matches_beside_a_rule_by_path(tmp_path):
    """Rules by path and by name together: each exec is attributed to the
    rule the kernel matched (its index travels in the exec record)."""
    marker = tmp_path / "marker"
    marker.write_text("x")
    agent = cat_copy(tmp_path / "bin" / "codex")  # by path: agent "pinned"
    named = cat_copy(tmp_path / "other" / "named-agent")
    d = pinned_daemon(tmp_path, agent, "{exe: named-agent, agent: byname}")
    try:
        for exe in (agent, named):
            assert subprocess.run([str(exe), str(marker)],
                                  stdout=subprocess.DEVNULL).returncode == 0
        sessions = all_ended(d, 2)
    finally:
        d.stop()
    assert sorted((s["agent"], s["command"][0]) for s in sessions) == \
        [("byname", str(named)), ("pinned", str(agent))]


def test_an_upgraded_agent_is_followed_to_its_new_file(tmp_path):
    """A new file renamed over the pinned path (how installers replace a
    binary) is pinned within a second; the old file is no longer the agent."""
    marker = tmp_path / "marker"
    marker.write_text("x")
    agent = cat_copy(tmp_path / "bin" / "my-agent")
    old = tmp_path / "old-my-agent"
    os.link(agent, old)  # keeps the old file reachable
    d = pinned_daemon(tmp_path, agent)
    try:
        new = cat_copy(tmp_path / "bin" / ".my-agent.new")
        os.rename(new, agent)
        deadline, line = time.time() + 10, ""
        while "names a new file now" not in line:
            left = deadline - time.time()
            assert left > 0 and select.select([d.p.stderr], [], [], left)[0], line
            line = d.p.stderr.readline()
        assert subprocess.run([str(old), str(marker)],
                              stdout=subprocess.DEVNULL).returncode == 0
        assert subprocess.run([str(agent), str(marker)],
                              stdout=subprocess.DEVNULL).returncode == 0
        sessions = all_ended(d, 1)
    finally:
        d.stop()
    assert [s["command"] for s in sessions] == [[str(agent), str(marker)]]


def test_a_pinned_path_that_names_no_file_stops_the_daemon(tmp_path):
    """Checked before anything loads or listens: exit 3, the path and why."""
    script = tmp_path / "script"
    script.write_text("#!/bin/sh\ntrue\n")
    script.chmod(0o755)
    for path, why in ((tmp_path / "missing", "No such file or directory"),
                      (tmp_path, "not a regular file"),
                      (script, "a #! script: the kernel runs its interpreter, so pin the "
                               "interpreter or match the script by exe")):
        cfg = tmp_path / "daemon.yaml"
        cfg.write_text(f"auto_adopt:\n  rules:\n    - {{path: {path}}}\n")
        p = run([PROCTOR, "daemon", "--config", str(cfg), "--socket", str(tmp_path / "s"),
                 "--db", "none", "--jsonl", str(tmp_path / "j")])
        assert p.returncode == 3, p.stderr
        assert f"auto_adopt rule path {path}: {why}" in p.stderr, p.stderr
        assert not (tmp_path / "s").exists()
    agent = cat_copy(tmp_path / "a")
    os.link(agent, tmp_path / "b")
    cfg.write_text(f"auto_adopt:\n  rules:\n    - {{path: {tmp_path / 'a'}}}\n"
                   f"    - {{path: {tmp_path / 'b'}}}\n")
    p = run([PROCTOR, "daemon", "--config", str(cfg), "--socket", str(tmp_path / "s"),
             "--db", "none", "--jsonl", str(tmp_path / "j")])
    assert p.returncode == 3, p.stderr
    assert f"auto_adopt rule paths {tmp_path / 'a'} and {tmp_path / 'b'} are one file" \
        in p.stderr, p.stderr
