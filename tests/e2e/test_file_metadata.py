"""test_file_metadata.py: one file.metadata event per operation, with the
absolute path(s), the operation's own fields and the result."""
import os

import pytest

from conftest import of_type

PY = "/usr/bin/python3"


def meta(proctor, code, tmp_path, user=None):
    opts = ["--grace", "1s"] + (["--user", user] if user else [])
    proctor.run([PY, "-c", "import os\n" + code], *opts, cwd=str(tmp_path))
    return [e for e in of_type(proctor.events(), "file.metadata") if e["process.name"] == "python3"]


def only(evs, op):
    got = [e for e in evs if e["file.operation"] == op]
    assert len(got) == 1, (op, evs)
    return got[0]


def test_unlink_and_failure(proctor, tmp_path):
    (tmp_path / "f").write_text("x")
    evs = meta(proctor, "os.unlink('f')\ntry: os.unlink('f')\nexcept OSError: pass", tmp_path)
    ok, bad = [e for e in evs if e["file.operation"] == "unlink"]
    assert ok["file.path"] == str(tmp_path / "f") and ok["event.outcome"] == "success"
    assert ok["file.syscall"] == "unlink"
    assert bad["event.outcome"] == "failure" and bad["error.code"] == "ENOENT"
    assert "file.target_path" not in ok


def test_mkdir_rmdir(proctor, tmp_path):
    evs = meta(proctor, "os.mkdir('d', 0o710)\nos.rmdir('d')", tmp_path)
    m = only(evs, "mkdir")
    assert (m["file.path"], m["file.mode"], m["file.syscall"]) == (str(tmp_path / "d"), "0710", "mkdir")
    r = only(evs, "rmdir")
    assert r["file.path"] == str(tmp_path / "d") and r["event.outcome"] == "success"


def test_unlinkat_removedir_is_rmdir(proctor, tmp_path):
    (tmp_path / "d").mkdir()
    evs = meta(proctor, "fd = os.open('.', os.O_RDONLY)\nos.rmdir('d', dir_fd=fd)", tmp_path)
    r = only(evs, "rmdir")
    assert (r["file.path"], r["file.syscall"]) == (str(tmp_path / "d"), "unlinkat")


def test_rename(proctor, tmp_path):
    (tmp_path / "a").write_text("x")
    evs = meta(proctor, "os.rename('a', 'b')", tmp_path)
    e = only(evs, "rename")
    assert e["file.path"] == str(tmp_path / "a")
    assert e["file.target_path"] == str(tmp_path / "b")
    assert e["event.outcome"] == "success" and e["file.syscall"] == "rename"


def test_link_and_symlink(proctor, tmp_path):
    (tmp_path / "orig").write_text("x")
    evs = meta(proctor, "os.link('orig', 'hard')\nos.symlink('/etc/passwd', 'soft')", tmp_path)
    l = only(evs, "link")
    assert (l["file.path"], l["file.target_path"]) == (str(tmp_path / "hard"), str(tmp_path / "orig"))
    s = only(evs, "symlink")
    assert (s["file.path"], s["file.target_path"]) == (str(tmp_path / "soft"), "/etc/passwd")
    assert s["file.symlink_contents"] == "/etc/passwd"


def test_chmod_chown(proctor, tmp_path):
    (tmp_path / "f").write_text("x")
    evs = meta(proctor, "os.chmod('f', 0o6755)\nos.chown('f', 1234, -1)\nos.lchown('f', -1, 99)", tmp_path)
    c = only(evs, "chmod")
    assert (c["file.path"], c["file.mode"]) == (str(tmp_path / "f"), "6755")
    owns = [e for e in evs if e["file.operation"] == "chown"]
    assert owns[0]["file.owner.id"] == 1234 and "file.group.id" not in owns[0]
    assert owns[1]["file.group.id"] == 99 and "file.owner.id" not in owns[1]
    assert owns[1]["file.syscall"] == "lchown"


def test_chmod_denied(proctor, tmp_path):
    os.chmod(tmp_path, 0o755)
    evs = meta(proctor, "try: os.chmod('/etc/passwd', 0o777)\nexcept OSError: pass", tmp_path, user="nobody")
    c = only(evs, "chmod")
    assert (c["file.path"], c["event.outcome"], c["error.code"]) == ("/etc/passwd", "failure", "EPERM")


def test_truncate_utimes_xattr(proctor, tmp_path):
    (tmp_path / "f").write_text("0123456789")
    evs = meta(proctor, "os.truncate('f', 4)\nos.utime('f', (1, 1))\nos.setxattr('f', 'user.k', b'vv')", tmp_path)
    t = only(evs, "truncate")
    assert (t["file.path"], t["file.size"]) == (str(tmp_path / "f"), 4)
    u = only(evs, "utimes")
    assert u["file.path"] == str(tmp_path / "f")
    x = only(evs, "setxattr")
    assert (x["file.xattr.name"], x["file.xattr.size"], x["event.outcome"]) == ("user.k", 2, "success")


def test_sensitive_metadata(proctor, tmp_path):
    evs = meta(proctor, "try: os.chmod('/sys/kernel/mm/nothere', 0o777)\nexcept OSError: pass", tmp_path)
    c = only(evs, "chmod")
    assert c["file.sensitive_category"] == "procsys"
