"""test_policy_files.py: the files section enforced (docs/POLICY.md "files"):
files.deny by fanotify permission events, write_only_under by Landlock; each
denial is a policy.violation with verdict blocked and the file untouched;
the fail mode (a stalled decision is answered within the timeout: denied in
enforce, allowed in audit); and the file evasion attempts, each with its
stated result."""
import os
import subprocess
import time

import pytest

from conftest import PROCTOR, of_type, run

from engines import ENGINES, engine, engine_daemon  # noqa: F401 (the module's daemon)


@pytest.fixture(params=ENGINES)
def proctor(request, tmp_path):
    """Each test once standalone, once through the daemon (engines.py)."""
    return engine(request, tmp_path)


HERE = os.path.dirname(os.path.abspath(__file__))


def make_dirs(tmp_path):
    home, ws, out = tmp_path / "home", tmp_path / "ws", tmp_path / "out"
    (home / ".ssh").mkdir(parents=True)
    ws.mkdir()
    out.mkdir()
    key = home / ".ssh" / "id_rsa"
    key.write_text("KEY\n")
    return home, ws, out, key


def policy(tmp_path, text):
    f = tmp_path / "p.yaml"
    f.write_text(text)
    return str(f)


def violations(proctor):
    return of_type(proctor.events(), "policy.violation")


def ssh_policy(tmp_path, home, ws, extra=""):
    return policy(tmp_path, f"""files:
  deny:
    - path: "{home}/.ssh/**"
      access: [read, write]
      name: no-ssh
      reason: "SSH keys are off limits"
{extra}""")


def test_never_touch_ssh_keys(proctor, tmp_path):
    home, ws, out, key = make_dirs(tmp_path)
    f = ssh_policy(tmp_path, home, ws)
    script = (f"cat {key}; echo read=$?; echo x > {key}; echo write=$?; "
              f"cat {home}/.ssh/../.ssh/id_rsa; echo dots=$?; echo ok > {ws}/a; echo ws=$?")
    p = proctor.run(["/bin/sh", "-c", script], "--policy", f, cwd=ws)
    assert p.returncode == 0, p.stderr
    assert [w for w in p.stdout.split() if "=" in w] == ["read=1", "write=2", "dots=1", "ws=0"]
    assert "Operation not permitted" in p.stderr
    assert key.read_text() == "KEY\n"
    got = violations(proctor)
    assert len(got) == 3, got
    for v in got:
        assert (v["policy.rule"], v["policy.reason"], v["policy.verdict"], v["policy.effect"],
                v["policy.mechanism"], v["policy.mode"]) == (
            "no-ssh", "SSH keys are off limits", "blocked", "block", "fanotify", "enforce"), v
        assert v["file.path"] == str(key)
        assert v["policy.labels"] == []
    assert sorted(v["process.name"] for v in got) == ["cat", "cat", "sh"]


def test_write_only_inside_the_workspace(proctor, tmp_path):
    home, ws, out, key = make_dirs(tmp_path)
    (out / "old").write_text("old\n")
    f = policy(tmp_path, f"""files:
  write_only_under: ["{ws}/**"]
""")
    script = (f"echo a > {ws}/a; echo ws=$?; echo b > {out}/b; echo new=$?; "
              f"echo c >> {out}/old; echo append=$?; rm {out}/old; echo rm=$?; "
              f"mkdir {out}/d; echo mkdir=$?; echo n > /dev/null; echo null=$?; "
              f"cat {out}/old >/dev/null; echo read=$?")
    p = proctor.run(["/bin/sh", "-c", script], "--policy", f, cwd=ws)
    assert p.returncode == 0, p.stderr
    assert [w for w in p.stdout.split() if "=" in w] == [
        "ws=0", "new=2", "append=2", "rm=1", "mkdir=1", "null=0", "read=0"]
    assert (ws / "a").read_text() == "a\n"
    assert sorted(os.listdir(out)) == ["old"] and (out / "old").read_text() == "old\n"
    got = violations(proctor)
    assert {(v["policy.rule"], v["policy.verdict"], v["policy.mechanism"]) for v in got} == {
        ("files.write_only_under", "blocked", "landlock")}, got
    assert sorted((v["policy.access"], v["file.path"]) for v in got) == sorted([
        ("open", f"{out}/b"), ("open", f"{out}/old"), ("unlink", f"{out}/old"),
        ("mkdir", f"{out}/d")]), got
    assert got[0]["policy.reason"] == f"writes outside {ws}/** are denied"


def test_audit_and_notify_let_through_and_record(proctor, tmp_path):
    home, ws, out, key = make_dirs(tmp_path)
    f = policy(tmp_path, f"""files:
  mode: audit
  deny:
    - path: "{home}/.ssh/**"
      access: [read]
      name: audit-ssh
    - path: "{out}/n"
      name: notify-n
      effect: notify
      mode: enforce
  write_only_under: ["{ws}/**"]
""")
    (out / "n").write_text("n\n")
    script = f"cat {key}; echo read=$?; cat {out}/n; echo n=$?; echo b > {out}/b; echo w=$?"
    p = proctor.run(["/bin/sh", "-c", script], "--policy", f, cwd=ws)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["KEY", "read=0", "n", "n=0", "w=0"]
    got = {v["policy.rule"]: v for v in violations(proctor)}
    assert sorted(got) == ["audit-ssh", "files.write_only_under", "notify-n"], got
    assert (got["audit-ssh"]["policy.verdict"], got["audit-ssh"]["policy.mode"]) == (
        "would_block", "audit")
    assert got["notify-n"]["policy.verdict"] == "notified"
    w = got["files.write_only_under"]
    assert (w["policy.verdict"], w["policy.mechanism"], w["file.path"]) == (
        "would_block", "landlock", f"{out}/b")
    assert ("p.yaml:7: notify-n: create, delete, rename and metadata changes of a matching file "
            "are not enforced by this build (they need seccomp_unotify); its opens are "
            "(fanotify)") in p.stderr


def test_untracked_processes_are_not_judged(proctor, tmp_path):
    """An open by a process outside the session is allowed at once."""
    home, ws, out, key = make_dirs(tmp_path)
    f = ssh_policy(tmp_path, home, ws)
    flag = tmp_path / "started"
    outside = subprocess.Popen(["/bin/sh", "-c", f"while [ ! -e {flag} ]; do sleep 0.05; done; "
                                f"cat {key}"], stdout=subprocess.PIPE, text=True)
    p = proctor.run(["/bin/sh", "-c", f"touch {flag}; sleep 1; cat {key}; echo in=$?"],
                    "--policy", f, cwd=ws)
    assert outside.communicate(timeout=30)[0] == "KEY\n"
    assert p.stdout.split() == ["in=1"], p.stdout
    assert len(violations(proctor)) == 1


def test_fail_mode_enforce_fails_closed_within_the_timeout(proctor, tmp_path):
    """The decider stalls 20 s per decision; the timeout is 300 ms: the open
    is answered (denied) by the fail mode, never hangs."""
    home, ws, out, key = make_dirs(tmp_path)
    (ws / "free").write_text("free\n")
    f = ssh_policy(tmp_path, home, ws)
    env = dict(os.environ, PROCTOR_TEST_POLICY_STALL_MS="20000", PROCTOR_POLICY_TIMEOUT_MS="300")
    script = (f"s=$(date +%s%N); cat {key}; echo key=$?; cat {home}/.ssh/other 2>/dev/null; "
              f"e=$(date +%s%N); echo ms=$(( (e - s) / 1000000 ))")
    (home / ".ssh" / "other").write_text("o\n")
    t0 = time.monotonic()
    p = proctor.run(["/bin/sh", "-c", script], "--policy", f, cwd=ws, env=env, timeout=200)
    words = dict(w.split("=") for w in p.stdout.split() if "=" in w)
    assert words["key"] == "1", p.stdout
    # two opens, each answered by the 300 ms timeout (the reader polls every 10 ms)
    assert 550 <= int(words["ms"]) < 5000, words
    assert key.read_text() == "KEY\n"
    got = violations(proctor)
    assert sorted((v["policy.rule"], v["policy.verdict"], v.get("policy.undecidable"))
                  for v in got) == [("fail-closed", "blocked", True)] * 2, got
    assert {v["file.path"] for v in got} == {str(key), str(home / ".ssh" / "other")}
    assert time.monotonic() - t0 < 180


def test_fail_mode_audit_fails_open(proctor, tmp_path):
    home, ws, out, key = make_dirs(tmp_path)
    f = policy(tmp_path, f"""files:
  mode: audit
  deny:
    - path: "{home}/.ssh/**"
""")
    env = dict(os.environ, PROCTOR_TEST_POLICY_STALL_MS="20000", PROCTOR_POLICY_TIMEOUT_MS="300")
    p = proctor.run(["/bin/sh", "-c", f"cat {key}; echo key=$?"], "--policy", f, cwd=ws, env=env,
                    timeout=200)
    assert p.stdout.split() == ["KEY", "key=0"], p.stdout
    assert violations(proctor) == []


def build_evasion(tmp_path):
    exe = str(tmp_path / "file_deny_evasion")
    run(["gcc", "-O1", "-o", exe, os.path.join(HERE, "progs", "file_deny_evasion.c"), "-luring"],
        check=True)
    return exe


def evasion_results(p):
    return dict(line.split("=", 1) for line in p.stdout.splitlines() if "=" in line)


def test_file_evasion_with_landlock_and_fanotify(proctor, tmp_path):
    """Every other name and call for the denied key, from the workspace."""
    home, ws, out, key = make_dirs(tmp_path)
    exe = build_evasion(tmp_path)
    f = ssh_policy(tmp_path, home, ws, extra=f'  write_only_under: ["{ws}/**"]\n')
    p = proctor.run([exe, str(key), str(ws)], "--policy", f, cwd=ws)
    assert p.returncode == 0, p.stderr
    assert evasion_results(p) == {
        "symlink": "EPERM",            # fanotify: the open of the target inode
        "hardlink": "EXDEV",           # Landlock: a link out of ~/.ssh into the workspace
        "rename": "EACCES",            # Landlock: removing from ~/.ssh is a write outside
        "proc_self_fd": "EPERM",       # an O_PATH fd re-opened: a real open of the inode
        "dirfd": "EPERM",
        "openat2": "EPERM",
        "io_uring_openat": "EPERM",
        "open_by_handle_at": "EPERM",
        "mmap_o_path": "EBADF",        # no readable fd can be had to map or send
        "sendfile_o_path": "EBADF",
    }, p.stdout
    assert key.read_text() == "KEY\n"
    got = violations(proctor)
    assert sorted((v["policy.mechanism"], v["policy.rule"]) for v in got) == sorted(
        [("fanotify", "no-ssh")] * 6 +
        [("landlock", "files.write_only_under")] * 2), got


def test_file_evasion_with_fanotify_alone(proctor, tmp_path):
    """Without write_only_under the hard link and the rename succeed, but the
    file keeps its inode mark and its place in the decision cache: opened by
    its new name it is still denied."""
    home, ws, out, key = make_dirs(tmp_path)
    exe = build_evasion(tmp_path)
    f = ssh_policy(tmp_path, home, ws)
    p = proctor.run([exe, str(key), str(ws)], "--policy", f, cwd=ws)
    r = evasion_results(p)
    assert (r["hardlink"], r["rename"], r["symlink"], r["proc_self_fd"]) == (
        "EPERM", "EPERM", "EPERM", "EPERM"), p.stdout
    assert key.read_text() == "KEY\n"
    paths = sorted(v["file.path"] for v in violations(proctor) if v["policy.rule"] == "no-ssh")
    assert f"{ws}/hl" in paths and f"{ws}/rn" in paths, paths


def test_unenforceable_glob_is_refused(proctor, tmp_path):
    f = policy(tmp_path, """files:
  write_only_under: ["/tmp/*/x/**"]
""")
    p = proctor.run(["/bin/true"], "--policy", f)
    assert p.returncode != 0
    assert "p.yaml:2:22: write_only_under \"/tmp/*/x/**\": Landlock takes" in p.stderr


def test_leading_wildcard_glob_matches_at_any_depth(proctor, tmp_path):
    """files.deny "**/.env" has no literal directory: the session's own
    mounts are marked (its own mount namespace) and each of its opens is
    decided: .env at the top, one and three levels down is denied, x.env
    and .envrc are not. Through the daemon the policy is refused (exit 2):
    only proctor run --standalone makes the namespace."""
    ws = tmp_path / "ws"
    for sub in ("", "a", "a/b/c"):
        (ws / sub).mkdir(parents=True, exist_ok=True)
        (ws / sub / ".env").write_text("S=1\n")
    (ws / "a" / "x.env").write_text("x\n")
    (ws / ".envrc").write_text("y\n")
    f = policy(tmp_path, """files:
  deny:
    - {path: "**/.env", name: no-env, reason: "env files hold secrets"}
""")
    names = [".env", "a/.env", "a/b/c/.env", "a/x.env", ".envrc"]
    script = "; ".join(f"cat {ws}/{n} >/dev/null 2>&1; echo $?" for n in names)
    p = proctor.run(["/bin/sh", "-c", script], "--policy", f, cwd=ws)
    if type(proctor).__name__ == "DaemonProctor":
        assert p.returncode == 2, p.stderr
        assert p.stderr.strip().splitlines()[-1] == (
            f"proctor: error: invalid policy: {f}: a rule with a bare deny: open/write or a "
            f"glob with a leading wildcard (**/x) is decided on the session's own mounts, "
            f"which only proctor run --standalone makes (docs/POLICY.md)")
        assert p.stdout == ""
        return
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["1", "1", "1", "0", "0"], p.stdout
    assert [(v["policy.rule"], v["policy.verdict"], v["policy.mechanism"], v["file.path"])
            for v in violations(proctor)] == [
        ("no-env", "blocked", "fanotify", f"{ws}/{n}") for n in names[:3]]
