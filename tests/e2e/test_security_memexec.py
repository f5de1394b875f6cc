"""test_security_memexec.py: security.memexec end to end: anonymous / W+X
executable memory with per-process aggregation (first event + exit summary,
nothing lost, no flood), memfd execution, and silence for ordinary code
loading."""
import os
import subprocess

from conftest import of_type

JIT = r"""
#include <sys/mman.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    int n = atoi(argv[1]);
    char *p = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (int i = 0; i < n; i++) {
        mprotect(p, 4096, PROT_READ | PROT_EXEC);
        mprotect(p, 4096, PROT_READ | PROT_WRITE);
    }
    return 0;
}
"""

FILE_WX = r"""
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
int main(void) {
    int fd = open("code.bin", O_RDWR | O_CREAT, 0600);
    ftruncate(fd, 4096);
    mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE, fd, 0);
    mmap(0, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0); /* ordinary: not reported */
    return 0;
}
"""


def cc(tmp_path, name, src):
    c = tmp_path / (name + ".c")
    c.write_text(src)
    exe = str(tmp_path / name)
    subprocess.run(["gcc", "-O1", "-o", exe, str(c)], check=True)
    return exe


def memexec(events):
    return of_type(events, "security.memexec")


def test_jit_flips_are_aggregated(proctor, tmp_path):
    exe = cc(tmp_path, "jit", JIT)
    p = proctor.run([exe, "20000"], "--grace", "1s")
    assert p.returncode == 0, p.stderr
    ev = memexec(proctor.events())
    assert len(ev) == 2, ev
    first, summary = ev
    assert first["memory.operation"] == "mprotect" and first["memory.protection"] == "r-x"
    assert first["memory.anonymous"] is True and first["memory.count"] == 1
    assert first["memory.length"] == 4096 and "memory.summary" not in first
    assert summary["memory.summary"] is True and summary["memory.count"] == 20000
    assert summary["memory.protection"] == "r-x" and summary["process.pid"] == first["process.pid"]
    assert summary["process.executable.path"] == exe
    assert proctor.last_session()["drops"] == 0


def test_single_flip_has_no_summary(proctor, tmp_path):
    exe = cc(tmp_path, "jit", JIT)
    proctor.run([exe, "1"], "--grace", "1s")
    ev = memexec(proctor.events())
    assert [e["memory.count"] for e in ev] == [1]


def test_file_mapping_wx_reported_rx_not(proctor, tmp_path):
    exe = cc(tmp_path, "filewx", FILE_WX)
    work = tmp_path / "w"
    work.mkdir()
    proctor.run([exe], "--grace", "1s", cwd=str(work))
    ev = memexec(proctor.events())
    assert len(ev) == 1, ev
    e = ev[0]
    assert (e["memory.operation"], e["memory.protection"]) == ("mmap", "rwx")
    assert e["memory.anonymous"] is False and e["file.name"] == "code.bin"
    assert e["memory.shared"] is False and e["event.outcome"] == "success"


def test_memfd_exec_execveat(proctor, tmp_path):
    exe = str(tmp_path / "memfd")
    subprocess.run(["gcc", "-O1", "-o", exe, os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "evasion",
        "sec_memfd_exec.c")], check=True)
    p = proctor.run([exe], "--grace", "1s")
    assert p.returncode == 0, p.stderr
    events = proctor.events()
    ev = memexec(events)
    assert len(ev) == 1, ev
    e = ev[0]
    assert e["memory.operation"] == "memfd_exec" and e["file.name"] == "memfd:payload"
    assert e["memory.protection"] == "r-x" and e["memory.anonymous"] is True
    # reported on the new image, whose name is the memfd's
    assert e["process.name"] == "memfd:payload"


def test_ordinary_loading_is_silent(proctor):
    # Loading shared objects maps code r-x from files: nothing to report. The
    # one anonymous rwx mapping afterwards is the positive control: the same
    # session does record executable memory when there is some.
    p = proctor.run(["python3", "-c", "import ssl, sqlite3, ctypes, json, mmap; print(1)\n"
                     "m = mmap.mmap(-1, 8192, prot=mmap.PROT_READ | mmap.PROT_WRITE"
                     " | mmap.PROT_EXEC)"],
                    "--grace", "1s")
    assert p.returncode == 0, p.stderr
    ev = memexec(proctor.events())
    assert [(e["memory.operation"], e["memory.protection"], e["memory.anonymous"],
             e["memory.length"]) for e in ev] == [("mmap", "rwx", True, 8192)], ev
