"""test_process.py: the process family end to end on the real kernel: exec
argv (and its cap), fork lineage, exit codes and signals, daemons killed after
the grace period, child cgroups, threads, 2,000 execs without loss, and the
event contract's common fields."""
import json
import os
import subprocess
import time

from conftest import PROCTOR, execs, of_type, run

COMMON = {"time": str, "type": str, "session": str, "agent": str, "project": str,
          "host.name": str, "process.pid": int, "process.tid": int,
          "process.parent_pid": int, "process.name": str,
          "process.executable.path": str, "process.user.id": int, "process.group.id": int}


def by_pid(events, pid):
    return [e for e in events if e["process.pid"] == pid]


def exit_of(events, pid):
    ex = [e for e in of_type(events, "process.exit") if e["process.pid"] == pid]
    assert len(ex) == 1, f"expected one exit for {pid}: {ex}"
    return ex[0]


def test_nested_shell_lineage_and_contract(proctor):
    p = proctor.run(["sh", "-c", 'sh -c "cat /etc/hostname"'], "--agent", "claude",
                    "--project", "shop")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == open("/etc/hostname").read().strip()
    ev = proctor.events()
    ex = execs(ev)
    assert [e["process.command_args"] for e in ex] == [
        ["sh", "-c", 'sh -c "cat /etc/hostname"'], ["sh", "-c", "cat /etc/hostname"],
        ["cat", "/etc/hostname"]]
    outer, inner, cat = ex
    assert inner["process.parent_pid"] == outer["process.pid"]
    assert cat["process.parent_pid"] == inner["process.pid"]
    assert cat["process.executable.path"].endswith("/cat")
    assert cat["process.working_directory"] == os.getcwd()
    assert outer["process.command_line"] == "sh -c 'sh -c \"cat /etc/hostname\"'"
    for e in ex:
        assert e["process.args_truncated"] is False
        assert e["event.outcome"] == "success"
        assert exit_of(ev, e["process.pid"])["process.exit.code"] == 0
    forks = of_type(ev, "process.fork")
    assert {(f["process.parent_pid"], f["process.pid"]) for f in forks} == {
        (outer["process.pid"], inner["process.pid"]), (inner["process.pid"], cat["process.pid"])}
    ses = proctor.last_session()
    for e in ev:
        for k, t in COMMON.items():
            assert isinstance(e[k], t), f"{k} in {e}"
        assert e["session"] == ses["session"]
        assert e["agent"] == "claude" and e["project"] == "shop"
        assert e["time"].endswith("Z") and len(e["time"]) == 30
    assert ses["command"] == ["sh", "-c", 'sh -c "cat /etc/hostname"']
    assert ses["exit.code"] == 0 and ses["drops"] == 0
    assert ses["events"] == len(ev) and ses["processes"] == 3
    # the tree shows the lineage with exit codes
    tree = proctor.cli("tree", check=True).stdout
    # process lines only (other families add per-process annotation lines)
    lines = [l for l in tree.splitlines() if l.startswith("session") or "[pid " in l]
    assert "sh -c 'sh -c \"cat /etc/hostname\"'" in lines[1]
    assert lines[2].startswith("└─ sh -c 'cat /etc/hostname'")
    assert lines[3].startswith("   └─ cat /etc/hostname") and "exit 0" in lines[3]


def test_argv_cap_and_truncation_flag(proctor):
    big = "x" * 10000
    p = proctor.run(["/bin/echo", "start", big])
    assert p.returncode == 0
    e = execs(proctor.events(), "echo")[0]
    assert e["process.args_truncated"] is True
    assert e["process.args_bytes"] == len("/bin/echo") + 1 + len("start") + 1 + len(big) + 1
    args = e["process.command_args"]
    assert args[:2] == ["/bin/echo", "start"]
    assert set(args[2]) == {"x"} and len(args[2]) == 4096 - len("/bin/echo\0start\0")


def test_fork_without_exec(proctor):
    code = "import os,sys\npid=os.fork()\nif pid==0: os._exit(5)\nprint(pid); os.waitpid(pid,0)"
    p = proctor.run(["/usr/bin/python3", "-c", code])
    assert p.returncode == 0
    child = int(p.stdout.strip())
    ev = proctor.events()
    py = execs(ev, "python3.11")[0]
    fork = [f for f in of_type(ev, "process.fork") if f["process.pid"] == child]
    assert len(fork) == 1
    assert fork[0]["process.parent_pid"] == py["process.pid"]
    assert fork[0]["process.thread"] is False
    assert fork[0]["process.executable.path"] == py["process.executable.path"]
    assert exit_of(ev, child)["process.exit.code"] == 5


def test_exit_code_propagates(proctor):
    p = proctor.run(["sh", "-c", "exit 7"])
    assert p.returncode == 7
    assert "exit 7" in p.stderr
    assert proctor.last_session()["exit.code"] == 7


def test_killed_by_signal(proctor):
    p = proctor.run(["sh", "-c", "kill -TERM $$"])
    assert p.returncode == 128 + 15
    ev = proctor.events()
    sh = execs(ev, "dash")[0]
    ex = exit_of(ev, sh["process.pid"])
    assert ex["process.exit.signal"] == "SIGTERM" and ex["process.exit.code"] == 143


def test_three_level_lineage(proctor):
    p = proctor.run(["sh", "-c",
                     "/usr/bin/python3 -c 'import subprocess; subprocess.run([\"cat\", \"/etc/hostname\"])'"])
    assert p.returncode == 0
    ev = proctor.events()
    sh, py, cat = execs(ev)
    assert py["process.executable.path"].startswith("/usr/bin/python3")
    assert py["process.parent_pid"] == sh["process.pid"]
    assert cat["process.parent_pid"] == py["process.pid"]
    assert cat["process.command_args"] == ["cat", "/etc/hostname"]


def test_daemon_is_recorded_then_killed_after_grace(proctor):
    script = ("import os,time\n"
              "if os.fork(): os._exit(0)\n"
              "os.setsid()\n"
              "if os.fork(): os._exit(0)\n"
              "os.execv('/bin/sleep', ['sleep', '60'])\n")
    t0 = time.monotonic()
    p = proctor.run(["/usr/bin/python3", "-c", script], "--grace", "1s")
    took = time.monotonic() - t0
    assert p.returncode == 0, p.stderr
    assert took < 15, f"grace period not enforced ({took:.1f}s)"
    ev = proctor.events()
    sleep = execs(ev, "sleep")
    assert len(sleep) == 1, "the daemonized process was not recorded"
    ex = exit_of(ev, sleep[0]["process.pid"])
    assert ex["process.exit.signal"] == "SIGKILL"
    # the daemon's lineage leads back to the session's first process
    first = execs(ev)[0]["process.pid"]
    forks = {f["process.pid"]: f["process.parent_pid"] for f in of_type(ev, "process.fork")}
    pid, hops = sleep[0]["process.pid"], 0
    while pid != first and hops < 5:
        pid, hops = forks[pid], hops + 1
    assert pid == first
    assert not os.path.exists(f"/proc/{sleep[0]['process.pid']}"), "daemon survived the session"


def test_child_cgroup_inside_session(proctor):
    mnt = [l.split()[1] for l in open("/proc/mounts") if l.split()[2] == "cgroup2"][0]
    script = (f'cg=$(grep ^0:: /proc/self/cgroup | cut -d: -f3); '
              f'mkdir {mnt}$cg/inner && echo $$ > {mnt}$cg/inner/cgroup.procs && '
              f'grep ^0:: /proc/self/cgroup && /bin/echo inside-child-cgroup')
    p = proctor.run(["sh", "-c", script])
    assert p.returncode == 0, p.stderr
    assert "/inner" in p.stdout
    ev = proctor.events()
    echo = execs(ev, "echo")
    assert echo and echo[0]["process.command_args"] == ["/bin/echo", "inside-child-cgroup"]


def test_threads_told_apart(proctor):
    code = ("import threading,subprocess\n"
            "def work(): subprocess.run(['/bin/true'])\n"
            "ts=[threading.Thread(target=work) for _ in range(3)]\n"
            "[t.start() for t in ts]; [t.join() for t in ts]\n")
    p = proctor.run(["/usr/bin/python3", "-c", code])
    assert p.returncode == 0
    ev = proctor.events()
    py = execs(ev, "python3.11")[0]
    threads = [f for f in of_type(ev, "process.fork") if f["process.thread"]]
    assert len([t for t in threads if t["process.pid"] == py["process.pid"]]) >= 3
    assert all(t["process.tid"] != t["process.pid"] for t in threads)
    trues = execs(ev, "true")
    assert len(trues) == 3
    assert all(t["process.parent_pid"] == py["process.pid"] for t in trues)
    # threads are not processes
    assert proctor.last_session()["processes"] == 4


def test_2000_execs_no_drops(proctor):
    p = proctor.run(["sh", "-c", "i=0; while [ $i -lt 2000 ]; do /bin/true; i=$((i+1)); done"])
    assert p.returncode == 0
    assert "0 drops" in p.stderr
    ses = proctor.last_session()
    assert ses["drops"] == 0 and ses["drops.by_type"] == {}
    ev = proctor.events(None, "--type", "process.exec")
    assert len([e for e in ev if e["process.executable.path"].endswith("/true")]) == 2000
    assert len(proctor.events(None, "--type", "process.exit")) == 2001


def test_run_as_user(proctor):
    p = proctor.run(["id", "-u"], "--user", "nobody")
    assert p.returncode == 0 and p.stdout.strip() == "65534"
    e = execs(proctor.events(), "id")[0]
    assert e["process.user.id"] == 65534
    assert proctor.last_session()["user"] == "nobody"


def test_jsonl_stream_to_stdout(proctor):
    p = proctor.run(["/bin/echo", "hello"], "--jsonl", "-")
    lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
    ev = [json.loads(l) for l in lines]
    assert "hello" in p.stdout.splitlines()
    assert [e["type"] for e in ev if e["type"].startswith("process.")] == [
        "process.exec", "process.exit"]
    # beside the events, the store's signed chain heads (docs/EVENTS.md
    # store.chain_head): the last one is final and counts every stored record
    heads = [e for e in ev if e["type"] == "store.chain_head"]
    stored = proctor.events()
    assert [e for e in ev if e["type"] != "store.chain_head"] == stored
    assert heads and heads[-1]["store.checkpoint.final"] is True
    assert heads[-1]["store.chain.records"] == len(stored)


def test_log_filters(proctor):
    proctor.run(["sh", "-c", "/bin/true; /bin/true"])
    ev = proctor.events()
    assert {e["type"] for e in proctor.events(None, "--type", "process.ex")} == {
        "process.exec", "process.exit"}
    sh = execs(ev)[0]["process.pid"]
    assert all(e["process.pid"] == sh for e in proctor.events(None, "--pid", str(sh)))
    text = proctor.cli("log", check=True).stdout
    assert "process.exec" in text and "/bin/true" in text


def test_signals_are_forwarded(proctor):
    p = subprocess.Popen([PROCTOR, "run", "--db", proctor.db, "--", "sleep", "30"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # until the command runs (start-up, BPF load and attach, takes seconds on a
    # loaded 2-core host): a signal before then would find no handler yet
    deadline = time.monotonic() + 120
    while run(["pgrep", "-x", "-P", str(p.pid), "sleep"]).returncode != 0:
        assert time.monotonic() < deadline and p.poll() is None, "sleep never started"
        time.sleep(0.05)
    p.send_signal(15)
    out, err = p.communicate(timeout=15)
    assert p.returncode == 143, err
    ev = proctor.events()
    sleep = execs(ev, "sleep")[0]
    assert exit_of(ev, sleep["process.pid"])["process.exit.signal"] == "SIGTERM"


def test_sudo_user_is_the_default_user(proctor):
    env = dict(os.environ, SUDO_USER="nobody")
    p = proctor.run(["id", "-un"], env=env)
    assert p.returncode == 0 and p.stdout.strip() == "nobody"
    assert execs(proctor.events(), "id")[0]["process.user.id"] == 65534


def test_overflow_is_counted_exactly(proctor):
    """The reader is frozen (SIGSTOP) while the workload makes 3,000 fork+exec+exit
    triples into a 1 MiB ring buffer: records are lost, and every lost one is counted.
    The shell's own exec and exit and its two kills (SIGSTOP, SIGCONT: process.signal)
    make 4 more: recorded + dropped must be 4 + 3 * N."""
    n = 3000
    pad = "y" * 1000  # ~1.1 KB exec records: ~4 MB in all
    script = (f"kill -STOP $PPID; i=0; while [ $i -lt {n} ]; do /bin/true {pad}; i=$((i+1)); done; "
              "kill -CONT $PPID")
    p = proctor.run(["sh", "-c", script], "--ringbuf-mb", "1")
    assert p.returncode == 0, p.stderr
    ses = proctor.last_session()
    assert ses["drops"] > 0, "the 1 MiB ring buffer should have overflowed"
    assert f"{ses['drops']} drops (events were lost)" in p.stderr
    # exact for the process family (other families' records share the buffer)
    recorded = len([e for e in proctor.events() if e["type"].startswith("process.")])
    dropped = sum(v for k, v in ses["drops.by_type"].items() if k.startswith("process."))
    assert recorded + dropped == 4 + 3 * n, ses
    assert sum(ses["drops.by_type"].values()) == ses["drops"]
    assert "ring buffer losses by type" in p.stderr
    assert ses["events"] == len(proctor.events())
