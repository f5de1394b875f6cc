"""test_shutdown.py: shutdown escalates (issue 15 §7). The first SIGTERM or
SIGINT to `proctor run` is forwarded to CMD and starts the grace period; a
second one, or the grace running out, ends the session with cgroup.kill,
and the summary says why and what was killed."""
import re
import signal
import subprocess
import time

from conftest import PROCTOR

# ignores SIGTERM and SIGINT, and leaves a child that does too
STUBBORN = ("import os, signal, subprocess, time\n"
            "for s in (signal.SIGTERM, signal.SIGINT): signal.signal(s, signal.SIG_IGN)\n"
            "subprocess.Popen(['sleep', '300'])\n"
            "open('{ready}', 'w').write(str(os.getpid()))\n"
            "time.sleep(300)\n")


def start(proctor, tmp_path, *opts):
    ready = tmp_path / "ready"
    p = subprocess.Popen([PROCTOR, "run", "--db", proctor.db, *opts, "--", "/usr/bin/python3",
                          "-c", STUBBORN.format(ready=ready)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    end = time.monotonic() + 90
    while not (ready.exists() and ready.read_text()) and time.monotonic() < end:
        time.sleep(0.05)
    assert ready.exists(), "the agent never started"
    time.sleep(0.3)  # its sleep child is started too
    return p, int(ready.read_text())


def killed(stderr, why):
    """{pid: comm} of the summary's line "proctor: WHY: killed N processes: a(1), b(2)"."""
    m = re.search(rf"^proctor: {why}: killed (\d+) process(?:es)?: (.*)$", stderr, re.M)
    assert m, stderr
    got = {int(pid): comm for comm, pid in re.findall(r"([^ ,(]+)\((\d+)\)", m.group(2))}
    assert len(got) == int(m.group(1)), stderr
    return got


def agent_and_sleep(got, py):
    return got.get(py) == "python3" and sorted(got.values()) == ["python3", "sleep"]


def test_second_sigterm_kills_the_session(proctor, tmp_path):
    p, py = start(proctor, tmp_path, "--grace", "120s")
    p.send_signal(signal.SIGTERM)
    time.sleep(1)
    assert p.poll() is None, "one SIGTERM, ignored by CMD, must not end the run"
    t0 = time.monotonic()
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=60)
    assert time.monotonic() - t0 < 30  # not the 120 s grace
    assert p.returncode == 128 + 9, err
    got = killed(err, "a second SIGTERM")
    assert agent_and_sleep(got, py), err
    ev = proctor.events()
    exits = {e["process.pid"]: e.get("process.exit.signal") for e in ev
             if e["type"] == "process.exit"}
    assert exits == {pid: "SIGKILL" for pid in got}


def test_second_sigint_kills_the_session(proctor, tmp_path):
    p, py = start(proctor, tmp_path, "--grace", "120s")
    p.send_signal(signal.SIGINT)
    time.sleep(1)
    assert p.poll() is None
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert agent_and_sleep(killed(err, "a second SIGINT"), py), err


def test_grace_running_out_after_sigterm_kills_the_session(proctor, tmp_path):
    p, py = start(proctor, tmp_path, "--grace", "1s")
    t0 = time.monotonic()
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=60)
    took = time.monotonic() - t0
    assert 1 <= took < 30, took
    assert agent_and_sleep(killed(err, "the grace period ran out"), py), err


def test_leftover_after_cmd_exit_is_named(proctor):
    p = proctor.run(["sh", "-c", "sleep 300 & echo started"], "--grace", "500ms")
    assert p.returncode == 0, p.stderr
    assert list(killed(p.stderr, "the grace period ran out").values()) == ["sleep"]


def test_clean_exit_kills_nothing(proctor):
    p = proctor.run(["true"])
    assert p.returncode == 0 and "killed" not in p.stderr, p.stderr
