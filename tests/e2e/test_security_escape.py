"""test_security_escape.py: security.escape end to end, one test per
category (namespace, seccomp, ptrace, module, mount, bpf, perf_event,
io_uring) with the exact fields; `proctor log --escape`; and nothing from
processes outside the session."""
import json
import os
import subprocess
import time

import pytest

from conftest import AGENT_UID, PROCTOR, of_type, require, userns_problem

PY = "/usr/bin/python3"
PRELUDE = "import ctypes, os; libc = ctypes.CDLL(None, use_errno=True); libc.syscall.restype = ctypes.c_long\n"


def escapes(events, category=None):
    return [e for e in of_type(events, "security.escape")
            if category is None or e["escape.category"] == category]


proctor_last_stdout = [""]


def run_py(proctor, code, *opts):
    p = proctor.run([PY, "-c", PRELUDE + code], "--grace", "1s", *opts)
    assert p.returncode == 0, p.stderr
    proctor_last_stdout[0] = p.stdout.strip()
    return proctor.events()


def only(events, category):
    ev = escapes(events, category)
    assert len(ev) == 1, ev
    return ev[0]


def test_namespace_unshare(proctor):
    require(userns_problem())
    e = only(run_py(proctor, "libc.unshare(0x10000000 | 0x04000000)", "--user", "proctor-agent"),
             "namespace")
    assert e["escape.syscall"] == "unshare"
    assert e["escape.detail"] == "flags=CLONE_NEWUTS|CLONE_NEWUSER"
    assert e["event.outcome"] == "success" and e["process.user.id"] == AGENT_UID


def test_namespace_plain_fork_and_threads_are_not_escapes(proctor):
    ev = run_py(proctor, "import threading\n"
                "t = threading.Thread(target=lambda: 0); t.start(); t.join()\n"
                "pid = os.fork()\n"
                "os._exit(0) if pid == 0 else os.waitpid(pid, 0)\n"
                "libc.unshare(0x400)  # CLONE_FILES: not a namespace\n"
                "assert libc.unshare(0x04000000) == 0  # CLONE_NEWUTS: the positive control\n")
    # Only the control is an escape; the thread and the fork were recorded.
    assert [(e["escape.syscall"], e["escape.detail"]) for e in escapes(ev)] == \
        [("unshare", "flags=CLONE_NEWUTS")]
    forks = of_type(ev, "process.fork")
    assert sorted(bool(e.get("process.thread")) for e in forks) == [False, True], forks


def test_seccomp_strict_via_prctl_in_child(proctor):
    ev = run_py(proctor, "pid = os.fork()\n"
                "if pid == 0:\n"
                "    libc.prctl(22, 1, 0, 0, 0)\n"
                "    libc.syscall(60, 0)\n"
                "os.waitpid(pid, 0)\n")
    e = only(ev, "seccomp")
    assert (e["escape.syscall"], e["escape.detail"]) == ("prctl", "op=PR_SET_SECCOMP mode=SECCOMP_MODE_STRICT")
    assert e["event.outcome"] == "success"


def test_ptrace_attach_eperm(proctor):
    e = only(run_py(proctor, "libc.ptrace(16, 1, 0, 0)", "--user", "proctor-agent"), "ptrace")
    assert e["escape.syscall"] == "ptrace"
    assert e["escape.detail"] == "request=PTRACE_ATTACH pid=1"
    assert e["escape.target_pid"] == 1
    assert (e["event.outcome"], e["error.code"]) == ("failure", "EPERM")


def test_module_delete(proctor):
    e = only(run_py(proctor, "libc.syscall(176, b'overlay', 0)", "--user", "proctor-agent"), "module")
    assert (e["escape.syscall"], e["escape.detail"]) == ("delete_module", "name=overlay flags=0x0")
    assert e["event.outcome"] == "failure" and e["error.code"] in ("EPERM", "ENOSYS")


def test_mount_long_path_truncated(proctor):
    long = "/tmp" + ("/" + "d" * 49) * 8
    ev = run_py(proctor, "import errno\n"
                f"libc.mount(b'none', b'{long}', b'tmpfs', 0, None)\n"
                "print(errno.errorcode[ctypes.get_errno()])\n", "--user", "proctor-agent")
    e = only(ev, "mount")
    assert e["escape.syscall"] == "mount" and e["event.outcome"] == "failure"
    assert e["error.code"] == proctor_last_stdout[0]  # what the program saw (ENOENT here)
    assert e["escape.truncated"] is True
    assert e["escape.detail"] == ("source=none target=" + long[:255] + "... fstype=tmpfs flags=0")


def test_bpf_eperm(proctor):
    # a valid BPF_MAP_CREATE (array, 4-byte keys/values, 1 entry)
    ev = run_py(proctor, "attr = (ctypes.c_uint32 * 32)(2, 4, 4, 1)\n"
                "libc.syscall(321, 0, attr, 128)\n", "--user", "proctor-agent")
    e = only(ev, "bpf")
    assert (e["escape.syscall"], e["escape.detail"]) == ("bpf", "cmd=BPF_MAP_CREATE map_type=2")
    assert e["error.code"] == "EPERM"


def test_bpf_map_operations_are_aggregated(proctor):
    # the error the program saw is the one recorded
    ev = run_py(proctor, "import errno\nattr = ctypes.create_string_buffer(128)\n"
                "for i in range(300): libc.syscall(321, 1, attr, 128)\n"
                "print(errno.errorcode[ctypes.get_errno()])\n", "--user", "proctor-agent")
    seen = proctor_last_stdout[0]
    ev = escapes(ev, "bpf")
    assert len(ev) == 2, ev
    assert ev[0]["escape.detail"] == "cmd=BPF_MAP_LOOKUP_ELEM" and ev[0]["escape.count"] == 1
    assert ev[1]["escape.summary"] is True and ev[1]["escape.count"] == 300
    assert ev[0]["error.code"] == ev[1]["error.code"] == seen


def test_perf_event_open(proctor):
    ev = run_py(proctor, "attr = ctypes.create_string_buffer(128)\n"
                "ctypes.memmove(attr, (ctypes.c_uint32 * 2)(2, 128), 8)\n"  # TRACEPOINT, size
                "libc.syscall(298, attr, -1, 0, -1, 0)\n", "--user", "proctor-agent")
    e = only(ev, "perf_event")
    assert e["escape.detail"] == "type=PERF_TYPE_TRACEPOINT config=0x0 pid=-1 cpu=0"
    assert e["event.outcome"] == "failure"


def test_io_uring_setup(proctor):
    ev = run_py(proctor, "p = ctypes.create_string_buffer(120)\n"
                "libc.syscall(425, 16, p)\n")
    e = only(ev, "io_uring")
    assert (e["escape.syscall"], e["escape.detail"]) == ("io_uring_setup", "entries=16 flags=0x0")
    assert e["event.outcome"] == "success"


def test_log_escape_filter(proctor):
    run_py(proctor, "libc.unshare(0x10000000)\nlibc.syscall(105, 0)\n", "--user", "proctor-agent")
    all_ev = proctor.events()
    assert of_type(all_ev, "security.privilege") and of_type(all_ev, "process.exec")
    only_esc = proctor.events(None, "--escape")
    assert only_esc and all(e["type"] == "security.escape" for e in only_esc)
    assert len(only_esc) == len(escapes(all_ev))
    text = proctor.cli("log", "--escape", check=True).stdout
    assert "unshare flags=CLONE_NEWUSER" in text and "security.privilege" not in text


def test_untracked_processes_are_not_recorded(proctor):
    # the same escape attempts from outside the session: nothing recorded;
    # the one attempt inside the session (the positive control) is
    loop = subprocess.Popen(["sh", "-c", "while :; do unshare -U true; done"])
    try:
        time.sleep(0.2)
        p = proctor.run(["sh", "-c", "unshare -U true; sleep 0.5"], "--grace", "1s")
        assert p.returncode == 0
    finally:
        loop.kill()
        loop.wait()
    assert [(e["escape.syscall"], e["escape.detail"], e["process.name"])
            for e in escapes(proctor.events())] == [("unshare", "flags=CLONE_NEWUSER", "unshare")]


VM_MANY = r"""
#define _GNU_SOURCE
#include <signal.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
static long secret = 42;
int main(void) {
    pid_t kids[20];
    long buf;
    struct iovec l = {&buf, sizeof(buf)}, r = {&secret, sizeof(secret)};
    for (int k = 0; k < 20; k++)
        if ((kids[k] = fork()) == 0) { pause(); _exit(0); }
    for (int k = 0; k < 20; k++)
        for (int i = 0; i < 5; i++)
            process_vm_readv(kids[k], &l, 1, &r, 1, 0);
    for (int k = 0; k < 20; k++) { kill(kids[k], SIGKILL); waitpid(kids[k], 0, 0); }
    return 0;
}
"""


def test_aggregation_overflow_stays_bounded(proctor, tmp_path):
    """20 targets x 5 reads: 14 per-target kinds, then one "other targets"
    kind; every read is counted, the number of events stays bounded."""
    c = tmp_path / "vm.c"
    c.write_text(VM_MANY)
    exe = str(tmp_path / "vm")
    subprocess.run(["gcc", "-O1", "-o", exe, str(c)], check=True)
    p = proctor.run([exe], "--grace", "1s")
    assert p.returncode == 0, p.stderr
    ev = escapes(proctor.events(), "ptrace")
    firsts = [e for e in ev if not e.get("escape.summary")]
    sums = [e for e in ev if e.get("escape.summary")]
    assert len(firsts) == 15 and all(e["escape.count"] == 1 for e in firsts)
    assert len({e["escape.target_pid"] for e in firsts}) == 15
    per_target = [e for e in sums if e["escape.detail"] != "pid=other"]
    other = [e for e in sums if e["escape.detail"] == "pid=other"]
    assert len(per_target) == 14 and all(e["escape.count"] == 5 for e in per_target)
    assert len(other) == 1 and other[0]["escape.count"] == 6 * 5
    assert sum(e["escape.count"] for e in sums) == 100
    assert proctor.last_session()["drops"] == 0


INT80 = r"""
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>

static sigjmp_buf fault;

static void on_fault(int sig) { siglongjmp(fault, sig); }

/* int $0x80 from 64-bit code. The kernel's compat entry returns r8-r15
   cleared and takes only the low 32 bits of the argument registers, so every
   register it may touch is declared clobbered: no compiler can keep a live
   value there, whatever its register choice. */
static long int80(long nr, long a1)
{
    long r = nr;
    __asm__ volatile("int $0x80"
                     : "+a"(r), "+b"(a1)
                     :
                     : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
                       "r12", "r13", "r14", "r15", "cc", "memory");
    return r;
}

int main(void) {
    struct sigaction sa = { .sa_handler = on_fault };
    sigaction(SIGSEGV, &sa, 0);
    sigaction(SIGILL, &sa, 0);
    if (sigsetjmp(fault, 1)) {
        /* this kernel (or hypervisor) offers no ia32 syscall entry */
        puts("no-int80");
        return 77;
    }
    /* ia32 numbers: unshare = 310 (x86_64 310 is process_vm_readv),
       setuid32 = 213 */
    long un = int80(310, 0x10000000L);
    long su = int80(213, 0);
    printf("unshare=%ld setuid32=%ld\n", un, su);
    return 0;
}
"""


def int80_prog(tmp_path):
    """Builds the program and runs it bare: the kernel must offer int $0x80
    to 64-bit code (CONFIG_IA32_EMULATION, not disabled at boot) for the test
    to mean anything."""
    c = tmp_path / "int80.c"
    c.write_text(INT80)
    exe = str(tmp_path / "int80")
    subprocess.run(["gcc", "-O1", "-o", exe, str(c)], check=True)
    bare = subprocess.run([exe], capture_output=True, text=True, timeout=10)
    if bare.returncode == 77:
        pytest.skip("this kernel has no ia32 syscall entry (int $0x80 faults bare)")
    assert bare.returncode == 0, (bare.returncode, bare.stdout, bare.stderr)
    return exe, bare.stdout.strip()


def int80_events(proctor, tmp_path):
    exe, bare_out = int80_prog(tmp_path)
    p = proctor.run([exe], "--grace", "1s")
    assert p.returncode == 0, p.stderr
    # the same results as bare: proctor changes nothing the program sees
    assert bare_out in p.stdout, (bare_out, p.stdout)
    return [e for e in proctor.events() if e["type"].startswith("security.")]


def test_ia32_syscalls_are_recorded_not_misdecoded(proctor, tmp_path):
    """int $0x80 from 64-bit code: ia32 unshare (310) is x86_64's process_vm_readv
    number. It must be recorded as what it is, and never misread as native."""
    ev = int80_events(proctor, tmp_path)
    assert not [e for e in ev if e.get("escape.syscall") == "process_vm_readv"], ev
    un = [e for e in ev if e.get("escape.syscall") == "unshare"]
    assert len(un) == 1, ev
    assert un[0]["escape.abi"] == "ia32" and un[0]["escape.category"] == "namespace"
    assert un[0]["type"] == "security.escape" and "event.outcome" not in un[0]
    su = [e for e in ev if e.get("escape.syscall") == "setuid32"]
    assert len(su) == 1 and su[0]["escape.category"] == "syscall_abi"
