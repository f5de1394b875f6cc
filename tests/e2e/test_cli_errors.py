"""test_cli_errors.py: bad input gets a clear message and a non-zero exit:
unknown flags and commands, missing values, a command that cannot run, a
missing or foreign store, an unknown user, not being root."""
import os

from conftest import PROCTOR, run


def check(args, code, needle):
    p = run([PROCTOR, *args])
    assert p.returncode == code, f"{args}: exit {p.returncode}\n{p.stderr}"
    assert needle in p.stderr, f"{args}: {p.stderr!r} lacks {needle!r}"
    assert "Segmentation" not in p.stderr


def test_unknown_command_and_flags(tmp_path):
    check(["frobnicate"], 2, "unknown command 'frobnicate'")
    check(["--bogus"], 2, "unknown option '--bogus'")
    check(["run", "--bogus", "--", "true"], 2, "unknown option '--bogus'")
    check(["run", "--agent"], 2, "needs a value")
    check(["run"], 2, "no command given")
    check(["run", "--grace", "soon", "--", "true"], 2, "not a duration")
    check(["run", "--ringbuf-mb", "3", "--", "true"], 2, "power of two")
    check(["run", "--user", "no-such-user-xyz", "--", "true"], 2, "no such user")
    check(["log", "--pid", "abc"], 2, "not a process id")
    check(["sessions", "extra"], 2, "unexpected argument")
    check([], 2, "usage")


def test_command_that_cannot_execute(tmp_path):
    db = str(tmp_path / "p.db")
    check(["run", "--db", db, "--", "/no/such/program"], 127, "cannot execute '/no/such/program'")
    script = tmp_path / "noexec.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    check(["run", "--db", db, "--", str(script)], 126, "Permission denied")
    # the failed attempt is still a recorded session
    p = run([PROCTOR, "sessions", "--json", "--db", db])
    assert p.returncode == 0 and p.stdout.count('"exit.code":127') == 1


def test_missing_and_foreign_store(tmp_path):
    check(["sessions", "--db", str(tmp_path / "none.db")], 3, "no store at")
    junk = tmp_path / "junk.db"
    junk.write_bytes(os.urandom(4096))
    check(["log", "--db", str(junk)], 3, "not a proctor store")
    check(["run", "--db", str(junk), "--", "true"], 3, "not a proctor store")
    check(["tree", "nosuchsession", "--db", str(tmp_path / "none.db")], 3, "no store at")


def test_unknown_session(proctor):
    proctor.run(["true"])
    p = proctor.cli("tree", "zzzz")
    assert p.returncode == 1 and "no session matches 'zzzz'" in p.stderr


def test_not_root(tmp_path):
    p = run(["runuser", "-u", "nobody", "--", PROCTOR, "run", "--db", str(tmp_path / "x.db"),
             "--", "true"])
    assert p.returncode == 3 and "needs root" in p.stderr
