"""test_file_open.py: file.open end to end: exact fields on success and
failure, path resolution against cwd, creat(2), the in-kernel folding of
repeated opens (counts add up exactly, nothing lost) and the window."""
import os
import sys

from conftest import of_type

PY = "/usr/bin/python3"


def opens(events, path=None):
    out = of_type(events, "file.open")
    return [e for e in out if path is None or e["file.path"] == path]


def test_open_success_exact_fields(proctor, tmp_path):
    target = tmp_path / "a.txt"
    code = f"import os; fd = os.open({str(target)!r}, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640); os.write(fd, b'hello'); os.close(fd)"
    p = proctor.run([PY, "-c", code], "--grace", "1s")
    assert p.returncode == 0, p.stderr
    [e] = opens(proctor.events(), str(target))
    assert e["file.flags"] == ["O_WRONLY", "O_CREAT", "O_TRUNC", "O_CLOEXEC"]
    assert e["file.access"] == "write"
    assert e["event.outcome"] == "success"
    assert "error.code" not in e
    assert e["file.mode"] == "0640"
    assert e["file.syscall"] == "openat"
    assert e["file.open_count"] == 1
    assert isinstance(e["file.descriptor"], int) and e["file.descriptor"] >= 3
    assert e["process.name"] == "python3"
    assert "file.requested_path" not in e  # requested == resolved


def test_open_failure_resolved_against_cwd(proctor, tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    code = "import os\ntry: os.open('../nothere/./x', os.O_RDONLY)\nexcept OSError: pass"
    proctor.run([PY, "-c", code], "--grace", "1s", cwd=str(sub))
    [e] = opens(proctor.events(), str(tmp_path / "nothere" / "x"))
    assert e["event.outcome"] == "failure"
    assert e["error.code"] == "ENOENT"
    assert e["file.access"] == "read"
    assert "file.descriptor" not in e


def test_open_permission_denied(proctor, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("x")
    os.chmod(secret, 0o600)
    code = f"import os\ntry: os.open({str(secret)!r}, os.O_RDONLY)\nexcept PermissionError: print('denied')"
    p = proctor.run([PY, "-c", code], "--grace", "1s", "--user", "nobody")
    assert "denied" in p.stdout, p.stderr
    [e] = opens(proctor.events(), str(secret))
    assert e["error.code"] == "EACCES" and e["event.outcome"] == "failure"
    assert e["process.user.id"] == 65534


def test_creat_syscall(proctor, tmp_path):
    target = tmp_path / "c.txt"
    code = ("import ctypes; libc = ctypes.CDLL(None, use_errno=True); "
            f"fd = libc.syscall(85, {str(target).encode()!r}, 0o600); assert fd >= 0")
    p = proctor.run([PY, "-c", code], "--grace", "1s")
    assert p.returncode == 0, p.stderr
    [e] = opens(proctor.events(), str(target))
    assert e["file.syscall"] == "creat"
    assert e["file.flags"] == ["O_WRONLY", "O_CREAT", "O_TRUNC"]
    assert e["file.mode"] == "0600"


def test_repeated_opens_fold_without_loss(proctor, tmp_path):
    target = tmp_path / "hot"
    target.write_text("x")
    code = f"import os\nfor i in range(500):\n    os.close(os.open({str(target)!r}, os.O_RDONLY))"
    p = proctor.run([PY, "-c", code], "--grace", "1s")
    assert p.returncode == 0, p.stderr
    evs = opens(proctor.events(), str(target))
    assert sum(e["file.open_count"] for e in evs) == 500
    assert len(evs) <= 6, f"{len(evs)} events for 500 opens: folding is not working"
    first = [e for e in evs if not e.get("file.open_repeat")]
    reps = [e for e in evs if e.get("file.open_repeat")]
    assert first[0]["file.open_count"] == 1
    assert reps and all(e["file.flags"] == ["O_RDONLY", "O_CLOEXEC"] for e in reps)
    assert all(e["event.outcome"] == "success" for e in evs)
    assert all(e["file.open_first_time"] <= e["time"] for e in reps)


def test_failed_and_successful_opens_fold_separately(proctor, tmp_path):
    code = ("import os\n"
            "for i in range(50):\n"
            "    try: os.open('missing', os.O_RDONLY)\n"
            "    except OSError: pass\n"
            "    os.close(os.open('.', os.O_RDONLY))\n")
    proctor.run([PY, "-c", code], "--grace", "1s", cwd=str(tmp_path))
    evs = proctor.events()
    miss = opens(evs, str(tmp_path / "missing"))
    dot = opens(evs, str(tmp_path))
    assert sum(e["file.open_count"] for e in miss) == 50
    assert all(e["error.code"] == "ENOENT" for e in miss)
    assert sum(e["file.open_count"] for e in dot if e["process.name"] == "python3") == 50


def test_open_after_window_is_a_new_event(proctor, tmp_path):
    target = tmp_path / "slow"
    target.write_text("x")
    code = (f"import os, time\nos.close(os.open({str(target)!r}, os.O_RDONLY))\n"
            f"time.sleep(1.3)\nos.close(os.open({str(target)!r}, os.O_RDONLY))")
    proctor.run([PY, "-c", code], "--grace", "1s")
    evs = opens(proctor.events(), str(target))
    assert [e["file.open_count"] for e in evs] == [1, 1]
    assert not any(e.get("file.open_repeat") for e in evs)


def test_long_path_is_cut_and_flagged(proctor, tmp_path):
    # a name longer than the 4096-byte cap: the failure is still recorded
    name = "/" + "a" * 5000
    code = f"import os\ntry: os.open({name!r}, os.O_RDONLY)\nexcept OSError: pass"
    proctor.run([PY, "-c", code], "--grace", "1s")
    evs = [e for e in of_type(proctor.events(), "file.open") if e["file.path"].startswith("/aaaa")]
    assert len(evs) == 1
    assert evs[0]["file.path_truncated"] is True
    assert evs[0]["error.code"] == "ENAMETOOLONG"
    assert len(evs[0]["file.path"]) == 4095


def test_deep_path_keeps_leaf_and_flags_truncation(proctor, tmp_path):
    # 70 directories: more than the 64 components the kernel walk follows
    deep = tmp_path
    for i in range(70):
        deep = deep / f"d{i}"
    deep.mkdir(parents=True)
    (deep / "leaf.txt").write_text("x")
    code = "import os\nos.close(os.open('leaf.txt', os.O_RDONLY))"
    proctor.run([PY, "-c", code], "--grace", "1s", cwd=str(deep))
    evs = [e for e in of_type(proctor.events(), "file.open") if e["file.path"].endswith("/d69/leaf.txt")]
    assert len(evs) == 1, [e["file.path"] for e in of_type(proctor.events(), "file.open")][-3:]
    e = evs[0]
    assert e["file.path_truncated"] is True
    assert e["event.outcome"] == "success"
    assert e["file.requested_path"] == "leaf.txt"
