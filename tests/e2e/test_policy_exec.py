"""test_policy_exec.py: the exec section enforced by the exec-kill hook
(bpf/policy/exec.bpf.c, docs/POLICY.md "exec"): each effect and mode gives
its verdict and does (or does not) stop the program before its first
instruction; allow_only; and a process outside the session is never judged. The evasion cases are
tests/evasion/policy_exec_*."""
import os
import shutil
import subprocess

import pytest

from conftest import PROCTOR, of_type

from engines import ENGINES, engine, engine_daemon  # noqa: F401 (the module's daemon)


@pytest.fixture(params=ENGINES)
def proctor(request, tmp_path):
    """Each test once standalone, once through the daemon (engines.py)."""
    return engine(request, tmp_path)


def setup_bin(tmp_path, *names):
    """Copies of touch under tmp/bin: running one creates its file
    arguments (POSIXLY_CORRECT: every word after the first file is a file)."""
    b = tmp_path / "bin"
    b.mkdir(exist_ok=True)
    for n in names:
        shutil.copy("/usr/bin/touch", b / n)
    return b


def policy(tmp_path, text):
    f = tmp_path / "p.yaml"
    f.write_text(text)
    return str(f)


def violations(proctor):
    return of_type(proctor.events(), "policy.violation")


ENV = dict(os.environ, POSIXLY_CORRECT="1")


def test_effects_and_modes(proctor, tmp_path):
    b = setup_bin(tmp_path, "blk", "kil", "ntf", "aud", "ok")
    f = policy(tmp_path, f"""exec:
  deny:
    - argv: ["blk", "**"]
      name: r-block
      reason: "blk is denied"
    - path: "{b}/kil"
      name: r-kill
      effect: kill
    - argv: ["ntf", "**"]
      name: r-notify
      effect: notify
    - argv: ["aud", "**"]
      name: r-audit
      mode: audit
""")
    script = "; ".join(f"{b}/{n} {tmp_path}/m-{n}; echo {n}=$?" for n in
                       ("blk", "kil", "ntf", "aud", "ok"))
    p = proctor.run(["/bin/sh", "-c", script], "--policy", f, env=ENV)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["blk=137", "kil=137", "ntf=0", "aud=0", "ok=0"]
    assert not (tmp_path / "m-blk").exists() and not (tmp_path / "m-kil").exists()
    assert (tmp_path / "m-ntf").exists() and (tmp_path / "m-aud").exists()
    got = {v["policy.rule"]: v for v in violations(proctor)}
    assert sorted(got) == ["r-audit", "r-block", "r-kill", "r-notify"]
    want = {"r-block": ("block", "blocked", True, "enforce"),
            "r-kill": ("kill", "killed", True, "enforce"),
            "r-notify": ("notify", "notified", False, "enforce"),
            "r-audit": ("block", "would_block", False, "audit")}
    for rule, (effect, verdict, killed, mode) in want.items():
        v = got[rule]
        assert (v["policy.effect"], v["policy.verdict"], v["policy.killed"],
                v["policy.mode"]) == (effect, verdict, killed, mode), v
        assert v["policy.mechanism"] == "exec_kill"
        assert v["policy.labels"] == []
    assert got["r-block"]["policy.reason"] == "blk is denied"
    assert got["r-block"]["process.command_args"] == [f"{b}/blk", f"{tmp_path}/m-blk"]
    assert got["r-kill"]["process.executable.path"] == f"{b}/kil"
    # the killed image's process.exit says SIGKILL
    exits = [e for e in of_type(proctor.events(), "process.exit")
             if e["process.pid"] == got["r-block"]["process.pid"]]
    assert len(exits) == 1 and exits[0].get("process.exit.signal") == "SIGKILL", exits


def test_allow_only(proctor, tmp_path):
    b = setup_bin(tmp_path, "inside")
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy("/usr/bin/touch", other / "outside")
    f = policy(tmp_path, f'exec:\n  allow_only: ["/usr/bin/**", "/bin/**", "{b}/**"]\n')
    p = proctor.run(["/bin/sh", "-c", f"{b}/inside {tmp_path}/m1; {other}/outside {tmp_path}/m2; "
                     "echo $?"], "--policy", f, env=ENV)
    assert p.stdout.split() == ["137"], p.stderr
    assert (tmp_path / "m1").exists() and not (tmp_path / "m2").exists()
    (v,) = violations(proctor)
    assert v["policy.rule"] == "exec.allow_only" and v["policy.verdict"] == "blocked"
    assert v["policy.reason"] == f"only programs under /usr/bin/**, /bin/**, {b}/** may run"
    assert v["process.executable.path"] == f"{other}/outside"


def test_outside_the_session_nothing_is_judged(proctor, tmp_path):
    b = setup_bin(tmp_path, "git")
    f = policy(tmp_path, 'exec:\n  deny:\n    - argv: ["git", "push", "**"]\n')
    ready = tmp_path / "ready"
    run = proctor.popen(["/bin/sh", "-c", f"touch {ready}; sleep 3"], "--policy", f, env=ENV,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for _ in range(300):
        if ready.exists():
            break
        subprocess.run(["sleep", "0.1"])
    assert ready.exists()
    # the same program, run by a process outside the session while it is live
    subprocess.run([str(b / "git"), "push", str(tmp_path / "outside")], env=ENV, check=True)
    assert (tmp_path / "outside").exists()
    proctor.ran(run.communicate(timeout=60)[1])
    assert run.returncode == 0
    assert violations(proctor) == []
