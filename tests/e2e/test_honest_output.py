"""test_honest_output.py: human output (log, tree, sessions, the run summary)
shows hostile file names, argv and labels visibly escaped: no fake line, no
raw control byte reaches the terminal. --json keeps the exact bytes."""
import json

from conftest import PROCTOR, run

FAKE = "12:00:00.000    999 fake            file.open          secret.key"
HOSTILE = "x\n" + FAKE + "\x1b[31mred\x1b[0m\r\x07\u202etxt.exe\x9b"


def no_raw_controls(text):
    bad = [c for c in text if (ord(c) < 0x20 and c not in "\n") or 0x7f <= ord(c) <= 0x9f
           or c in "\u202e\u2028"]
    assert not bad, f"raw control characters {bad!r} in output:\n{text!r}"


def test_hostile_file_name_and_argv(proctor, tmp_path):
    d = tmp_path / "w"
    d.mkdir()
    script = f"open({str(d / HOSTILE)!r}, 'w').close()"
    cmd = ["sh", "-c", 'python3 -c "$1" && /bin/echo "$2" >/dev/null', "sh", script, HOSTILE]
    p = proctor.run(cmd, "--agent", "a\x1b[2Jb")
    assert p.returncode == 0, p.stderr
    no_raw_controls(p.stderr)
    assert "agent=a\\x1b[2Jb" in p.stderr

    # the event is stored with the exact name
    evs = proctor.events(None, "--type", "file.open")
    assert any(e.get("file.path") == str(d / HOSTILE) for e in evs)

    log = proctor.cli("log", check=True).stdout
    no_raw_controls(log)
    assert not any(line.startswith(FAKE[:12]) for line in log.splitlines()), log
    n_events = len(proctor.events())
    assert len(log.splitlines()) == n_events
    line = next(l for l in log.splitlines() if "file.open" in l and FAKE in l)
    assert "x\\n" + FAKE + "\\x1b[31mred\\x1b[0m\\r\\x07\\u{202e}txt.exe\\u{009b}" in line

    tree = proctor.cli("tree", check=True).stdout
    no_raw_controls(tree)
    assert not any(l.lstrip("│├└─ ").startswith(FAKE[:12]) for l in tree.splitlines()), tree
    # whitespace runs (the newline too) are one space in the tree
    assert "/bin/echo 'x " + " ".join(FAKE.split()) + "\\x1b[31mred\\x1b[0m \\x07\\u{202e}txt.exe" in tree

    ses = proctor.cli("sessions", check=True).stdout
    no_raw_controls(ses)
    assert len(ses.splitlines()) == 2  # header + the one session
    assert "a\\x1b[2Jb" in ses


def test_invalid_utf8_is_shown_as_bytes(proctor, tmp_path):
    name = (tmp_path / "bad").as_posix().encode() + b"\xff\xfe\xc3"
    p = proctor.run(["python3", "-c", f"open({name!r}, 'w').close()"])
    assert p.returncode == 0, p.stderr
    log = proctor.cli("log", "--type", "file.open", check=True).stdout
    assert "bad\\xff\\xfe\\xc3" in log
