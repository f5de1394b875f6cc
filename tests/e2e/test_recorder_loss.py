"""test_recorder_loss.py: no unrecorded agent (issue 15 §1). kill -9 of
`proctor run` at several fixed points of a scripted session: with the
default (freeze) the session cgroup is frozen and the agent makes no more
progress; with kill it is gone; with continue it carries on (the documented
opt-out). The supervisor does it; the dead recorder does nothing."""
import os
import signal
import subprocess
import time

import pytest

from conftest import PROCTOR

DELAYS = [0.0, 0.3, 1.0]
SCRIPT = 'echo $$ > {pid}; i=0; while :; do i=$((i+1)); echo $i > {ctr}; sleep 0.02; done'


def cgroup2_mount():
    return [l.split()[1] for l in open("/proc/mounts") if l.split()[2] == "cgroup2"][0]


def wait_for(cond, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return False


def start_and_kill(tmp_path, delay, *opts):
    pidf, ctr = tmp_path / "pid", tmp_path / "ctr"
    errf = open(tmp_path / "stderr", "w")  # not a pipe: the supervisor keeps it open
    rec = subprocess.Popen([PROCTOR, "run", "--db", str(tmp_path / "p.db"), *opts, "--", "sh",
                            "-c", SCRIPT.format(pid=pidf, ctr=ctr)],
                           stdout=subprocess.DEVNULL, stderr=errf)
    try:
        assert wait_for(lambda: ctr.exists() and ctr.read_text().strip(), 90), "no agent"
        agent = int(pidf.read_text())
        cg = cgroup2_mount() + open(f"/proc/{agent}/cgroup").read().split("0::", 1)[1].strip()
        time.sleep(delay)
    finally:
        rec.send_signal(signal.SIGKILL)
        rec.wait()
    return agent, cg, ctr, (tmp_path / "stderr")


def counter(ctr):
    return int(ctr.read_text().strip() or 0)


def cleanup(cg):
    if os.path.isdir(cg):
        with open(f"{cg}/cgroup.kill", "w") as f:
            f.write("1")
        wait_for(lambda: "populated 0" in open(f"{cg}/cgroup.events").read())
        os.rmdir(cg)


@pytest.mark.parametrize("delay", DELAYS)
def test_kill9_recorder_freezes_session_by_default(tmp_path, delay):
    agent, cg, ctr, err = start_and_kill(tmp_path, delay)
    try:
        assert wait_for(lambda: "frozen 1" in open(f"{cg}/cgroup.events").read(), 5), \
            "session cgroup not frozen after the recorder died"
        before = counter(ctr)
        time.sleep(0.5)
        assert counter(ctr) == before, "the agent kept running unrecorded"
        assert os.path.exists(f"/proc/{agent}")
        assert "recorder lost: froze" in err.read_text()
    finally:
        cleanup(cg)


@pytest.mark.parametrize("delay", DELAYS)
def test_kill9_recorder_kills_session_with_kill(tmp_path, delay):
    agent, cg, ctr, _ = start_and_kill(tmp_path, delay, "--on-recorder-loss", "kill")
    try:
        assert wait_for(lambda: not os.path.exists(f"/proc/{agent}") or
                        open(f"/proc/{agent}/stat").read().split()[2] == "Z", 5)
        assert wait_for(lambda: not os.path.isdir(cg), 5), "session cgroup left behind"
    finally:
        cleanup(cg)


def test_kill9_recorder_with_continue_lets_agent_run(tmp_path):
    agent, cg, ctr, _ = start_and_kill(tmp_path, 0.2, "--on-recorder-loss", "continue")
    try:
        before = counter(ctr)
        assert wait_for(lambda: counter(ctr) > before + 5, 5)
    finally:
        cleanup(cg)


def test_normal_end_does_not_freeze_or_kill(tmp_path):
    p = subprocess.run([PROCTOR, "run", "--db", str(tmp_path / "p.db"), "--", "true"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "recorder lost" not in p.stderr


def test_bad_on_recorder_loss_is_usage_error(tmp_path):
    p = subprocess.run([PROCTOR, "run", "--on-recorder-loss", "pause", "--", "true"],
                       capture_output=True, text=True)
    assert p.returncode == 2
    assert "--on-recorder-loss: 'pause' is not freeze, kill or continue" in p.stderr
