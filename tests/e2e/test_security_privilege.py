"""test_security_privilege.py: security.privilege end to end: set*id and
capset syscalls with the credentials before/after, per-thread credentials,
and credential changes made by exec (setuid binaries, capabilities)."""
import os
import shutil
import subprocess
import tempfile

import pytest

from conftest import of_type

EVASION = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "evasion")


def cc(tmp_path, name, *flags):
    exe = str(tmp_path / name)
    subprocess.run(["gcc", "-O1", "-o", exe, os.path.join(EVASION, name + ".c"), *flags],
                   check=True)
    os.chmod(str(tmp_path), 0o755)
    return exe


@pytest.fixture
def user_dir():
    """A directory another user can reach (pytest's base temp dir is 0700)."""
    d = tempfile.mkdtemp(prefix="proctor-sec-", dir="/var/tmp")
    os.chmod(d, 0o755)
    yield __import__("pathlib").Path(d)
    shutil.rmtree(d, ignore_errors=True)


def priv(events, op=None):
    return [e for e in of_type(events, "security.privilege")
            if op is None or e["privilege.operation"] == op]


def test_thread_credentials_are_per_thread(proctor, tmp_path):
    exe = cc(tmp_path, "sec_thread_setresuid", "-lpthread")
    p = proctor.run([exe], "--grace", "1s")
    assert p.returncode == 0, p.stderr
    ev = priv(proctor.events(), "setresuid")
    assert len(ev) == 2, ev
    worker, main = ev
    # the worker thread changed only itself
    assert worker["process.tid"] != worker["process.pid"]
    assert (worker["privilege.from"], worker["privilege.to"]) == ("uid=0", "uid=1001")
    assert worker["process.user.id"] == 1001
    # the main thread still starts from root afterwards
    assert main["process.tid"] == main["process.pid"] == worker["process.pid"]
    assert (main["privilege.from"], main["privilege.to"]) == ("uid=0", "uid=0")
    assert main["event.outcome"] == "success" and "error.code" not in main


def test_setuid_binary_exec(proctor, user_dir):
    suid = str(user_dir / "suid-id")
    shutil.copy("/usr/bin/id", suid)
    os.chown(suid, 0, 0)
    os.chmod(suid, 0o4755)
    p = proctor.run([suid, "-u"], "--user", "proctor-agent", "--grace", "1s")
    assert p.returncode == 0 and p.stdout.strip() == "0", (p.stdout, p.stderr)
    ev = priv(proctor.events())
    assert len(ev) == 1, ev
    e = ev[0]
    assert e["privilege.operation"] == "setuid_exec"
    assert e["privilege.from"] == "uid=1001"
    assert e["privilege.to"] == "uid=1001,euid=0,suid=0"
    assert e["process.user.id"] == 0 and e["process.name"] == "suid-id"
    assert e["process.executable.path"] == suid
    assert "CAP_SYS_ADMIN" in e["privilege.capabilities_gained"]
    assert "privilege.requested" not in e


def test_unprivileged_setuid_fails_with_eperm(proctor, user_dir):
    exe = cc(user_dir, "sec_static_setuid", "-static")
    p = proctor.run([exe], "--user", "proctor-agent", "--grace", "1s")
    assert p.returncode == 0, p.stderr
    e = priv(proctor.events(), "setuid")
    assert len(e) == 1, e
    assert e[0]["event.outcome"] == "failure" and e[0]["error.code"] == "EPERM"
    assert (e[0]["privilege.from"], e[0]["privilege.to"]) == ("uid=1001", "uid=1001")
    assert e[0]["privilege.requested"] == "uid=0"


def test_capset_then_exec_regains(proctor, tmp_path):
    exe = cc(tmp_path, "sec_capset")
    proctor.run([exe], "--grace", "1s")
    ev = priv(proctor.events())
    assert [e["privilege.operation"] for e in ev] == ["capset", "capset", "capabilities_exec"]
    assert ev[0]["privilege.to"] == "cap_eff=0x2000,cap_prm=0x2000,cap_inh=0x0"
    assert ev[1]["error.code"] == "EPERM"
    assert ev[2]["privilege.from"] == "cap_eff=0x2000,cap_prm=0x2000,cap_inh=0x0"
    assert "CAP_SYS_ADMIN" in ev[2]["privilege.capabilities_gained"]
    assert "CAP_NET_RAW" not in ev[2]["privilege.capabilities_gained"]


def test_ordinary_programs_make_no_privilege_events(proctor):
    p = proctor.run(["sh", "-c", "ls / >/dev/null; id; python3 -c 'import ssl'; true"],
                    "--grace", "1s")
    assert p.returncode == 0
    events = proctor.events()
    assert len(of_type(events, "process.exec")) >= 4
    assert priv(events) == []
    assert [e for e in events if e["type"].startswith("security.")] == []


GLIBC_SETXID = r"""
#include <pthread.h>
#include <unistd.h>
static pthread_barrier_t b;
static void *idle(void *a) { (void)a; pthread_barrier_wait(&b); pthread_barrier_wait(&b); return 0; }
int main(void) {
    pthread_t t[2];
    pthread_barrier_init(&b, 0, 3);
    for (int i = 0; i < 2; i++) pthread_create(&t[i], 0, idle, 0);
    pthread_barrier_wait(&b);
    setresuid(1001, 1001, 1001); /* glibc: every thread makes the syscall */
    pthread_barrier_wait(&b);
    for (int i = 0; i < 2; i++) pthread_join(t[i], 0);
    return getuid() == 1001 ? 0 : 1;
}
"""

THREAD_EXEC = r"""
#include <pthread.h>
#include <unistd.h>
static void *run(void *a) {
    execl((char *)a, "suid-id", "-u", (char *)0);
    return 0;
}
int main(int argc, char **argv) {
    pthread_t t;
    (void)argc;
    pthread_create(&t, 0, run, argv[1]);
    pause();
    return 1;
}
"""


def cc_src(tmp_path, name, src, *flags):
    c = tmp_path / (name + ".c")
    c.write_text(src)
    exe = str(tmp_path / name)
    subprocess.run(["gcc", "-O1", "-o", exe, str(c), *flags], check=True)
    os.chmod(str(tmp_path), 0o755)
    return exe


def test_glibc_setresuid_changes_every_thread(proctor, tmp_path):
    exe = cc_src(tmp_path, "setxid", GLIBC_SETXID, "-lpthread")
    p = proctor.run([exe], "--grace", "1s")
    assert p.returncode == 0, p.stderr
    ev = priv(proctor.events(), "setresuid")
    assert len(ev) == 3, ev
    assert len({e["process.tid"] for e in ev}) == 3
    assert len({e["process.pid"] for e in ev}) == 1
    assert all((e["privilege.from"], e["privilege.to"]) == ("uid=0", "uid=1001") for e in ev)


def test_setuid_exec_from_a_thread(proctor, user_dir):
    """A non-leader thread execs a setuid binary: the kernel gives the new
    image the leader's pid; the before-snapshot is found by the old tid."""
    suid = str(user_dir / "suid-id")
    shutil.copy("/usr/bin/id", suid)
    os.chown(suid, 0, 0)
    os.chmod(suid, 0o4755)
    exe = cc_src(user_dir, "threadexec", THREAD_EXEC, "-lpthread")
    p = proctor.run([exe, suid], "--user", "proctor-agent", "--grace", "1s")
    assert p.returncode == 0 and p.stdout.strip() == "0", (p.stdout, p.stderr)
    ev = priv(proctor.events(), "setuid_exec")
    assert len(ev) == 1, ev
    assert (ev[0]["privilege.from"], ev[0]["privilege.to"]) == ("uid=1001", "uid=1001,euid=0,suid=0")
    assert ev[0]["process.tid"] == ev[0]["process.pid"]
