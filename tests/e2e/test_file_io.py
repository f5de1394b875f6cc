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


def test_pipes_are_not_files(proctor, tmp_path):
    # 100 bytes through a pipe: no file I/O. The same 100 bytes written to a
    # file afterwards are the positive control: exactly one file.write.
    t = str(tmp_path / "out")
    evs = run_py(proctor, "import os\nr, w = os.pipe()\nos.write(w, b'x' * 100)\nos.read(r, 100)\n"
                          "os.close(r); os.close(w)\n"
                          f"fd = os.open({t!r}, os.O_WRONLY | os.O_CREAT)\n"
                          "os.write(fd, b'x' * 100); os.close(fd)")
    assert [e["file.path"] for e in of_type(evs, "file.write") if e["file.bytes"] == 100] == [t]
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


def count_of(e):
    return e.get("file.open_count", 1)


def test_repeated_open_read_close_cycles_fold_with_exact_sums(proctor, tmp_path):
    # 400 open/read/close and 300 open/write/close cycles of one file each:
    # the summaries of the repeated opens are folded in the kernel and
    # emitted with the repeats, and every byte and call is still counted
    r, w = tmp_path / "hot-read", str(tmp_path / "hot-write")
    r.write_bytes(b"0123456")
    evs = run_py(proctor, "import os\n"
                          f"for i in range(400):\n    fd = os.open({str(r)!r}, os.O_RDONLY)\n"
                          "    os.read(fd, 100); os.close(fd)\n"
                          f"for i in range(300):\n    fd = os.open({w!r}, os.O_WRONLY | os.O_CREAT)\n"
                          "    os.write(fd, b'ab'); os.close(fd)\n")
    reads, writes = io(evs, "file.read", str(r)), io(evs, "file.write", w)
    assert (sum(e["file.bytes"] for e in reads), sum(e["file.operations"] for e in reads)) \
        == (400 * 7, 400)
    assert (sum(e["file.bytes"] for e in writes), sum(e["file.operations"] for e in writes)) \
        == (300 * 2, 300)
    assert sum(count_of(e) for e in reads) == 400 and sum(count_of(e) for e in writes) == 300
    assert len(reads) <= 6 and len(writes) <= 6, f"{len(reads)}/{len(writes)} summaries"
    folded = [e for e in reads + writes if e["file.summary_reason"] == "folded"]
    assert folded and all(count_of(e) >= 2 and "file.descriptor" not in e for e in folded)
    assert all(e["file.first_time"] <= e["time"] for e in folded)
    # the folded summary follows its file.open repeat record
    opens = [e for e in of_type(evs, "file.open") if e["file.path"] == str(r)]
    assert sum(e["file.open_count"] for e in opens) == 400


def test_folding_keeps_files_apart(proctor, tmp_path):
    # two files opened in turn: each file's sums stay its own
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"1")
    b.write_bytes(b"22")
    evs = run_py(proctor, "import os\n"
                          f"for i in range(200):\n"
                          f"    for p in ({str(a)!r}, {str(b)!r}):\n"
                          "        fd = os.open(p, os.O_RDONLY); os.read(fd, 10); os.close(fd)\n")
    for path, size in ((str(a), 1), (str(b), 2)):
        rs = io(evs, "file.read", path)
        assert sum(e["file.bytes"] for e in rs) == 200 * size
        assert sum(e["file.operations"] for e in rs) == 200
        assert sum(count_of(e) for e in rs) == 200
        assert len(rs) <= 6


def test_unlinked_file_summary_is_not_folded(proctor, tmp_path):
    # a file deleted while open keeps its own summary with file.deleted
    t = str(tmp_path / "gone")
    evs = run_py(proctor, "import os\n"
                          f"for i in range(20):\n    fd = os.open({t!r}, os.O_WRONLY | os.O_CREAT)\n"
                          "    os.write(fd, b'x'); os.close(fd)\n"
                          f"fd = os.open({t!r}, os.O_WRONLY); os.write(fd, b'yy'); os.unlink({t!r})\n"
                          "os.close(fd)\n")
    ws = [e for e in of_type(evs, "file.write") if e["file.path"].startswith(t)]
    assert sum(e["file.bytes"] for e in ws) == 22
    gone = [e for e in ws if e.get("file.deleted")]
    assert len(gone) == 1 and gone[0]["file.bytes"] == 2 and count_of(gone[0]) == 1
