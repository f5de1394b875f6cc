"""test_policy_temporal.py: temporal rules (docs/POLICY.md "rules: temporal"),
the contract's tests-before-commit example in a real git repository: the
commit's exec is killed by the exec-kill hook while the rule is unsatisfied
(no commit object is made), allowed after a process named like pytest exited
0, blocked again after a write under src/ and right after a failing test run;
the satisfied bit is kept by the kernel (set at the test's exit, cleared by
the write's open), so none of this depends on how fast proctor reads its
records. The laundering attempts through history, each with its result. Also
the fanotify fix: a violation names the opener's user, not root."""
import os
import shutil
import subprocess
import tempfile

from conftest import PROCTOR, of_type

REASON = "run the tests after your last change under src/ before committing"
SPEC_RULE = f"""rules:
  - name: tests-before-commit
    deny: {{exec: {{argv: ["git", "commit", "**"]}}}}
    unless:
      succeeded: {{argv: ["*pytest*", "**"]}}
      after: {{write: "${{workspace}}/src/**"}}
    reason: "{REASON}"
"""


def repo(tmp_path):
    """A git repository with one staged file under src/, and a fake pytest
    (#! script) under tmp/bin that exits with its first argument."""
    ws = tmp_path / "ws"
    (ws / "src").mkdir(parents=True)
    git = ["git", "-C", str(ws)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "config", "user.email", "t@example.com"], check=True)
    subprocess.run([*git, "config", "user.name", "t"], check=True)
    (ws / "src" / "a.py").write_text("a\n")
    subprocess.run([*git, "add", "-A"], check=True)
    b = tmp_path / "bin"
    b.mkdir()
    (b / "pytest").write_text('#!/bin/sh\nexit "${1:-0}"\n')
    (b / "pytest").chmod(0o755)
    pol = tmp_path / "p.yaml"
    pol.write_text(SPEC_RULE)
    return ws, b, str(pol)


def commits(ws):
    p = subprocess.run(["git", "-C", str(ws), "log", "--format=%s"], capture_output=True,
                       text=True)
    return p.stdout.split()


def objects(ws):
    """Every commit object in the repository, reachable or not."""
    p = subprocess.run(["git", "-C", str(ws), "cat-file", "--batch-all-objects",
                        "--batch-check=%(objecttype)"], capture_output=True, text=True,
                       check=True)
    return p.stdout.split().count("commit")


def violations(proctor):
    return of_type(proctor.events(), "policy.violation")


def test_tests_before_commit(proctor, tmp_path):
    ws, b, pol = repo(tmp_path)
    script = (f"git commit -qm one; echo c1=$?; "
              f"{b}/pytest 0; git commit -qm two; echo c2=$?; "
              f"echo b >> src/a.py; git commit -qam three; echo c3=$?; "
              f"{b}/pytest 0; git commit -qam four; echo c4=$?; "
              f"echo c >> src/a.py; {b}/pytest 1; git commit -qam five; echo c5=$?; "
              f"{b}/pytest 0 && git commit -qam six; echo c6=$?")
    p = proctor.run(["/bin/sh", "-c", script], "--policy", pol, cwd=ws)
    assert p.returncode == 0, p.stderr
    assert [w for w in p.stdout.split() if w.startswith("c")] == \
        ["c1=137", "c2=0", "c3=137", "c4=0", "c5=137", "c6=0"]
    # a killed commit never ran: no commit object of it exists
    assert commits(ws) == ["six", "four", "two"]
    assert objects(ws) == 3
    got = violations(proctor)
    assert [v["process.command_args"] for v in got] == [
        ["git", "commit", "-qm", "one"], ["git", "commit", "-qam", "three"],
        ["git", "commit", "-qam", "five"]]
    for v in got:
        assert (v["policy.rule"], v["policy.reason"], v["policy.effect"], v["policy.verdict"],
                v["policy.mechanism"], v["policy.mode"], v["policy.killed"]) == (
            "tests-before-commit", REASON, "block", "blocked", "exec_kill", "enforce", True), v
        assert v["policy.matched_rules"] == ["tests-before-commit"]
        assert os.path.basename(v["process.executable.path"]) == "git"


def test_without_after_one_success_is_enough(proctor, tmp_path):
    ws, b, pol = repo(tmp_path)
    (tmp_path / "p.yaml").write_text(SPEC_RULE.replace(
        '      after: {write: "${workspace}/src/**"}\n', ""))
    script = (f"{b}/pytest 1; git commit -qm one; echo c1=$?; {b}/pytest 0; "
              f"echo b >> src/a.py; git commit -qam two; echo c2=$?")
    p = proctor.run(["/bin/sh", "-c", script], "--policy", pol, cwd=ws)
    assert [w for w in p.stdout.split() if w.startswith("c")] == ["c1=137", "c2=0"], p.stderr
    assert commits(ws) == ["two"]


def test_a_write_elsewhere_and_a_read_do_not_reset(proctor, tmp_path):
    ws, b, pol = repo(tmp_path)
    script = (f"{b}/pytest 0; echo x > {tmp_path}/elsewhere; cat src/a.py >/dev/null; "
              f"echo y > notes.txt; git commit -qm one; echo c1=$?")
    p = proctor.run(["/bin/sh", "-c", script], "--policy", pol, cwd=ws)
    assert [w for w in p.stdout.split() if w.startswith("c")] == ["c1=0"], p.stderr
    assert violations(proctor) == []


def test_audit_mode_records_would_block_and_commits(proctor, tmp_path):
    ws, b, pol = repo(tmp_path)
    (tmp_path / "p.yaml").write_text(SPEC_RULE + "    mode: audit\n")
    p = proctor.run(["/bin/sh", "-c", "git commit -qm one; echo c1=$?"], "--policy", pol, cwd=ws)
    assert [w for w in p.stdout.split() if w.startswith("c")] == ["c1=0"], p.stderr
    (v,) = violations(proctor)
    assert (v["policy.verdict"], v["policy.mode"], v["policy.killed"]) == \
        ("would_block", "audit", False)


def test_laundering_through_history(proctor, tmp_path):
    """Each with its stated result (docs/POLICY.md, temporal evasion table)."""
    ws, b, pol = repo(tmp_path)
    shutil.copy(shutil.which("git"), b / "mygit")
    shutil.copy(shutil.which("git"), b / "git-commit")
    os.symlink(shutil.which("git"), b / "g")
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    e = "--allow-empty -qm"
    script = (
        # sh -c: the shell execs git with the same argv: blocked
        f"sh -c 'git commit {e} via-sh'; echo sh=$?; "
        # a symlink named g: the executable resolves to git: blocked
        f"{b}/g commit {e} via-symlink; echo link=$?; "
        # git -c core.hooksPath=...: argv[1] is -c, not commit: not caught
        f"git -c core.hooksPath={hooks} commit {e} via-hookspath; echo hooks=$?; "
        # a renamed copy: neither argv[0] nor the executable is named git: not caught
        f"{b}/mygit commit {e} via-copy; echo copy=$?; "
        # git's dashed form, a copy named git-commit: not caught either
        f"{b}/git-commit {e} via-dashed; echo dashed=$?")
    p = proctor.run(["/bin/sh", "-c", script], "--policy", pol, cwd=ws)
    assert p.returncode == 0, p.stderr
    assert [w for w in p.stdout.split() if "=" in w] == \
        ["sh=137", "link=137", "hooks=0", "copy=0", "dashed=0"]
    assert commits(ws) == ["via-dashed", "via-copy", "via-hookspath"]
    got = violations(proctor)
    assert [v["process.command_args"] for v in got] == [
        ["git", "commit", "--allow-empty", "-qm", "via-sh"],
        [f"{b}/g", "commit", "--allow-empty", "-qm", "via-symlink"]]
    # what is not caught is still recorded, with its argv
    ex = [e["process.command_args"] for e in of_type(proctor.events(), "process.exec")]
    assert ["git", "-c", f"core.hooksPath={hooks}", "commit", "--allow-empty", "-qm",
            "via-hookspath"] in ex
    assert [f"{b}/mygit", "commit", "--allow-empty", "-qm", "via-copy"] in ex
    assert [f"{b}/git-commit", "--allow-empty", "-qm", "via-dashed"] in ex


def test_fanotify_violation_names_the_openers_user(proctor, tmp_path):
    d = tempfile.mkdtemp(dir="/tmp", prefix="proctor-t12-")
    try:
        os.chmod(d, 0o755)
        secret = os.path.join(d, "secret")
        with open(secret, "w") as f:
            f.write("S\n")
        os.chmod(secret, 0o644)
        pol = tmp_path / "p.yaml"
        pol.write_text(f'files:\n  deny:\n    - path: "{d}/**"\n      name: no-d\n')
        p = proctor.run(["/bin/sh", "-c", f"cat {secret}; echo cat=$?"], "--policy", str(pol),
                        "--user", "nobody", cwd="/tmp")
        assert "cat=1" in p.stdout, p.stderr
        (v,) = violations(proctor)
        assert (v["policy.rule"], v["policy.mechanism"], v["policy.verdict"]) == \
            ("no-d", "fanotify", "blocked")
        assert (v["process.user.id"], v["process.user.name"]) == (65534, "nobody"), v
        assert v["process.group.id"] == 65534, v
    finally:
        shutil.rmtree(d)


def test_write_unless_tests_passed(proctor, tmp_path):
    """A temporal rule that denies a write (fanotify, reading the kernel's
    satisfied bit while the opener waits): no write under dist/ before a
    passing test run, one right after it passes, one after a later write
    under src/ (or right after a failing run) is refused again; reads of
    dist/ always pass."""
    ws, b, _ = repo(tmp_path)
    (ws / "dist").mkdir()
    (ws / "dist" / "old").write_text("old\n")
    pol = tmp_path / "w.yaml"
    pol.write_text(f"""rules:
  - name: release-after-tests
    deny: {{write: "{ws}/dist/**"}}
    unless:
      succeeded: {{argv: ["*pytest*", "**"]}}
      after: {{write: "{ws}/src/**"}}
    reason: "run the tests after your last change under src/ before writing dist/"
""")
    d = ws / "dist"
    w = "w() { if (echo $2 >> $1) 2>/dev/null; then echo ok; else echo no; fi; }"
    script = "; ".join([
        w, f"w {d}/a 1", f"cat {d}/old > /dev/null && echo read", f"{b}/pytest 0",
        f"w {d}/b 2", f"w {ws}/src/a.py x", f"w {d}/c 3", f"{b}/pytest 1", f"w {d}/d 4",
        f"{b}/pytest 0", f"w {d}/e 5"])
    p = proctor.run(["/bin/sh", "-c", script], "--policy", str(pol))
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["no", "read", "ok", "ok", "no", "no", "ok"], p.stdout
    assert (d / "b").read_text() == "2\n" and (d / "e").read_text() == "5\n"
    v = violations(proctor)
    assert [(x["policy.rule"], x["policy.verdict"], x["policy.mechanism"], x["policy.access"],
             x["file.path"]) for x in v] == [
        ("release-after-tests", "blocked", "fanotify", "write", f"{d}/a"),
        ("release-after-tests", "blocked", "fanotify", "write", f"{d}/c"),
        ("release-after-tests", "blocked", "fanotify", "write", f"{d}/d")], v
    assert v[0]["policy.reason"] == \
        "run the tests after your last change under src/ before writing dist/"
    c = subprocess.run([PROCTOR, "policy", "check", str(pol)], capture_output=True, text=True)
    assert "release-after-tests: fanotify (temporal: satisfied bit kept by the kernel): " \
           "enforced" in c.stdout, c.stdout


def test_after_exec_argv_resets(proctor, tmp_path):
    """after: {exec: {argv: [git, add, "**"]}}: a `git add` (matched by its
    argv, as the kernel copied it) resets the rule before it returns; a
    `git status` does not; a commit after a reset needs a new passing run."""
    ws, b, pol = repo(tmp_path)
    (tmp_path / "p.yaml").write_text(SPEC_RULE.replace(
        'after: {write: "${workspace}/src/**"}', 'after: {exec: {argv: [git, add, "**"]}}'))
    script = (f"{b}/pytest 0; git status -s >/dev/null; git commit -qm one; echo c1=$?; "
              f"echo b >> src/a.py; git add src/a.py; git commit -qm two; echo c2=$?; "
              f"{b}/pytest 0; git commit -qm three; echo c3=$?")
    p = proctor.run(["/bin/sh", "-c", script], "--policy", pol, cwd=ws)
    assert p.returncode == 0, p.stderr
    assert [w for w in p.stdout.split() if w.startswith("c")] == ["c1=0", "c2=137", "c3=0"]
    assert commits(ws) == ["three", "one"]
    got = violations(proctor)
    assert [(v["policy.rule"], v["policy.verdict"], v["process.command_args"]) for v in got] == [
        ("tests-before-commit", "blocked", ["git", "commit", "-qm", "two"])]


def test_unless_with_a_label(proctor, tmp_path):
    """if: {label} with unless: the rule holds only for a process that has
    the label, and only while unsatisfied. An unlabelled commit passes
    untested; a labelled one is killed until a test passes; a labelled
    write under out/ (deny: {write: GLOB} with if and unless, fanotify) is
    refused until then too, and passes after."""
    ws, b, pol = repo(tmp_path)
    sec = tmp_path / "secret"
    sec.write_text("S\n")
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "p.yaml").write_text(f"""\
labels:
  secret: {{sources: ["{sec}"]}}
rules:
  - name: labelled-commit-needs-tests
    if: {{label: secret}}
    deny: {{exec: {{argv: ["git", "commit", "**"]}}}}
    unless: {{succeeded: {{argv: ["*pytest*", "**"]}}}}
  - name: labelled-write-needs-tests
    if: {{label: secret}}
    deny: {{write: "{out}/**"}}
    unless: {{succeeded: {{argv: ["*pytest*", "**"]}}}}
""")
    lab = f"read l < {sec}"  # this shell reads the secret: labelled from here on
    script = (f"sh -c 'git commit -qm one; echo c1=$?; echo x > {out}/a; echo w1=$?'; "
              f"sh -c '{lab}; git commit -qam two; echo c2=$?; echo x > {out}/b; echo w2=$?; "
              f"{b}/pytest 0; echo b >> src/a.py; git commit -qam three; echo c3=$?; "
              f"echo x > {out}/c; echo w3=$?'")
    p = proctor.run(["/bin/sh", "-c", script], "--policy", pol, cwd=ws)
    assert p.returncode == 0, p.stderr
    assert [w for w in p.stdout.split() if w[0] in "cw"] == [
        "c1=0", "w1=0", "c2=137", "w2=2", "c3=0", "w3=0"], p.stdout
    assert commits(ws) == ["three", "one"]
    got = violations(proctor)
    assert [(v["policy.rule"], v["policy.verdict"], v["policy.mechanism"],
             v["policy.labels"]) for v in got] == [
        ("labelled-commit-needs-tests", "blocked", "exec_kill", ["secret"]),
        ("labelled-write-needs-tests", "blocked", "fanotify", ["secret"])], got
    assert got[1]["file.path"] == f"{out}/b"
