"""test_file_io.py: file.read / file.write summaries end to end: one
summary per open file with exact byte and operation counts, emitted at
close, close_range, dup2 over the fd, close-on-exec and exit; pipes are not
files; a full slot table evicts with a partial summary and loses nothing."""
from conftest import of_type

PY = "/usr/bin/python3"


def io(events, typ, path):
    return [e for e in of_type(events, typ) if e["file.path"] == path]


def run_py(proctor, code, **kw):
    p = proctor.run([PY, "-c", code], "--grace", "1s", **kw)
    assert p.returncode == 0, p.stderr
    return proctor.events()


def test_write_summary_at_close(proctor, tmp_path):
    t = str(tmp_path / "out")
    evs = run_py(proctor, f"import os\nfd = os.open({t!r}, os.O_WRONLY | os.O_CREAT)\n"
                          "for i in range(3): os.write(fd, b'x' * 1000)\nos.close(fd)")
    [w] = io(evs, "file.write", t)
    assert (w["file.bytes"], w["file.operations"]) == (3000, 3)
    assert w["file.summary_reason"] == "close"
    assert w["event.outcome"] == "success"
    assert w["process.name"] == "python3"
    assert not io(evs, "file.read", t)


def test_read_and_write_on_one_fd(proctor, tmp_path):
    t = tmp_path / "rw"
    t.write_bytes(b"0123456789")
    evs = run_py(proctor, f"import os\nfd = os.open({str(t)!r}, os.O_RDWR)\n"
                          "os.pread(fd, 4, 0); os.pread(fd, 100, 4); os.pwrite(fd, b'ab', 0)\n"
                          "os.readv(fd, [bytearray(3)])\nos.close(fd)")
    [r] = io(evs, "file.read", str(t))
    [w] = io(evs, "file.write", str(t))
    assert (r["file.bytes"], r["file.operations"]) == (4 + 6 + 3, 3)
    assert (w["file.bytes"], w["file.operations"]) == (2, 1)
    assert r["file.descriptor"] == w["file.descriptor"]


def test_summary_at_exit_without_close(proctor, tmp_path):
    t = str(tmp_path / "leak")
    evs = run_py(proctor, f"import os\nfd = os.open({t!r}, os.O_WRONLY | os.O_CREAT)\n"
                          "os.write(fd, b'abc')\nos._exit(0)")
    [w] = io(evs, "file.write", t)
    assert (w["file.bytes"], w["file.summary_reason"]) == (3, "exit")


def test_close_range_and_dup2(proctor, tmp_path):
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    evs = run_py(proctor, f"import os\nfa = os.open({a!r}, os.O_WRONLY | os.O_CREAT)\n"
                          f"fb = os.open({b!r}, os.O_WRONLY | os.O_CREAT)\n"
                          "os.write(fa, b'1'); os.write(fb, b'22')\n"
                          "os.dup2(fa, fb)\n"            # closes b's fd
                          "os.closerange(fa, fa + 1)\n"  # close_range(2) in CPython 3.11? fallback close
                          "os.close(fb)")
    [wa] = io(evs, "file.write", a)
    [wb] = io(evs, "file.write", b)
    assert wb["file.summary_reason"] == "dup" and wb["file.bytes"] == 2
    assert wa["file.summary_reason"] in ("close", "close_range") and wa["file.bytes"] == 1


def test_close_range_syscall(proctor, tmp_path):
    t = str(tmp_path / "cr")
    evs = run_py(proctor, "import ctypes, os\nlibc = ctypes.CDLL(None)\n"
                          f"fd = os.open({t!r}, os.O_WRONLY | os.O_CREAT)\nos.write(fd, b'xy')\n"
                          "assert libc.syscall(436, 3, 0xffffffff, 0) == 0\n")
    [w] = io(evs, "file.write", t)
    assert (w["file.bytes"], w["file.summary_reason"]) == (2, "close_range")


def test_close_on_exec(proctor, tmp_path):
    t = str(tmp_path / "cloexec")
    evs = run_py(proctor, f"import os\nfd = os.open({t!r}, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC)\n"
                          "os.write(fd, b'12345')\nos.execv('/bin/true', ['true'])")
    [w] = io(evs, "file.write", t)
    assert (w["file.bytes"], w["file.summary_reason"]) == (5, "exec")


def test_pipes_are_not_files(proctor):
    evs = run_py(proctor, "import os\nr, w = os.pipe()\nos.write(w, b'x' * 100)\nos.read(r, 100)\n"
                          "os.close(r); os.close(w)")
    assert not [e for e in of_type(evs, "file.write") if e["file.bytes"] == 100]
    assert not [e for e in of_type(evs, "file.read") if e["file.bytes"] == 100]


def test_many_open_files_evict_without_loss(proctor, tmp_path):
    # 40 files written at once exceed the 32 per-process slots: the oldest
    # are flushed early as partial summaries; totals stay exact.
    code = (f"import os\nfds = [os.open(os.path.join({str(tmp_path)!r}, f'f{{i}}'), os.O_WRONLY | os.O_CREAT) for i in range(40)]\n"
            "for r in range(3):\n    for fd in fds: os.write(fd, b'x' * 10)\n"
            "for fd in fds: os.close(fd)")
    evs = run_py(proctor, code)
    for i in range(40):
        ws = io(evs, "file.write", str(tmp_path / f"f{i}"))
        assert sum(w["file.bytes"] for w in ws) == 30, (i, ws)
        assert sum(w["file.operations"] for w in ws) == 3
    partial = [w for w in of_type(evs, "file.write") if w.get("file.partial")]
    assert partial and all(w["file.summary_reason"] == "evicted" for w in partial)


def test_mmap_read_mapping_counted(proctor, tmp_path):
    t = tmp_path / "m"
    t.write_bytes(b"z" * 4096)
    evs = run_py(proctor, f"import mmap, os\nfd = os.open({str(t)!r}, os.O_RDONLY)\n"
                          "m = mmap.mmap(fd, 4096, prot=mmap.PROT_READ)\nos.close(fd)\nm[0]")
    [r] = io(evs, "file.read", str(t))
    assert r["file.mmaps"] == 1 and r["file.operations"] == 0


def test_long_open_file_gets_periodic_partial_summaries(proctor, tmp_path):
    # a file kept open past the 10 s period is reported at its next
    # operation (partial), then counting restarts; sums stay exact
    t = str(tmp_path / "long")
    evs = run_py(proctor, f"import os, time\nfd = os.open({t!r}, os.O_WRONLY | os.O_CREAT)\n"
                          "os.write(fd, b'a')\ntime.sleep(10.5)\nos.write(fd, b'bb')\nos.close(fd)")
    ws = io(evs, "file.write", t)
    assert [(w["file.bytes"], w["file.summary_reason"]) for w in ws] == [(1, "periodic"), (2, "close")]
    assert ws[0]["file.partial"] is True and "file.partial" not in ws[1]
