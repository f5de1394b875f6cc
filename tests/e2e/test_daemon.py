"""test_daemon.py: `proctor daemon` (docs/DAEMON.md): one engine for the host,
`proctor run` registering with it over the control socket, `proctor status`,
and the bad inputs: a second daemon, stale and foreign socket files, another
protocol version, `--daemon` without a daemon, requests from inside a session."""
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import time

import pytest

from conftest import PROCTOR, Proctor, execs, of_type, run


class Daemon:
    """A daemon on a socket, store and bpffs pin directory of the test's own
    (other tests' and hosts' pinned state is left alone)."""

    def __init__(self, tmp_path, *opts):
        self.sock = str(tmp_path / "proctor.sock")
        self.db = str(tmp_path / "daemon.db")
        # tmp_path's name is the test's, the same in every checkout on this
        # host: the pid keeps two suites' pins apart
        self.pins = f"/sys/fs/bpf/proctor-test-{os.getpid()}-{tmp_path.name}"
        self.env = dict(os.environ, PROCTOR_SOCKET=self.sock)
        self.opts = opts
        self.p = None

    def start(self, *more):
        self.p = subprocess.Popen([PROCTOR, "daemon", "--db", self.db, "--pin-dir", self.pins,
                                   *self.opts, *more], env=self.env,
                                  stderr=subprocess.PIPE, text=True)
        line = self.p.stderr.readline()  # "listening on" once the probe is loaded
        assert "listening on " + self.sock in line, line
        return self

    def stop(self):
        if self.p and self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            self.p.wait(timeout=30)

    def kill9(self):
        self.p.kill()
        self.p.wait()

    def remove_pins(self):
        """Detach whatever a killed daemon left pinned (the test is over)."""
        if os.path.isdir(self.pins):
            shutil.rmtree(self.pins)

    def run(self, cmd, *opts, **kw):
        return run([PROCTOR, "run", *opts, "--", *cmd], env=self.env, **kw)

    def cli(self, *args, **kw):
        return run([PROCTOR, *args], env=self.env, **kw)

    def store(self):
        return Proctor(self.db)


@pytest.fixture
def daemon(tmp_path):
    d = Daemon(tmp_path).start()
    yield d
    d.stop()
    assert not os.path.exists(d.pins)  # no session live: SIGTERM removed the pins


def send(sock, obj):
    body = json.dumps(obj).encode()
    sock.sendall(struct.pack(">I", len(body)) + body)


def recv(sock):
    hdr = sock.recv(4, socket.MSG_WAITALL)
    (n,) = struct.unpack(">I", hdr)
    return json.loads(sock.recv(n, socket.MSG_WAITALL))


def test_run_via_daemon_records_into_the_daemons_store(daemon, tmp_path):
    marker = tmp_path / "marker"
    marker.write_text("x")
    p = daemon.run(["sh", "-c", f"cat {marker} >/dev/null; exit 7"], "--agent", "claude",
                   "--project", "shop", "--daemon")
    assert p.returncode == 7, p.stderr
    assert "(via the daemon)" in p.stderr
    st = daemon.store()
    s = st.last_session()
    assert (s["agent"], s["project"], s["exit.code"]) == ("claude", "shop", 7)
    assert s["origin"] == "run"
    ev = st.events(s["session"])
    assert [os.path.basename(e["process.executable.path"]) for e in execs(ev)] == ["dash", "cat"]
    opens = [e for e in of_type(ev, "file.open") if e["file.path"] == str(marker)]
    assert len(opens) == 1 and opens[0]["agent"] == "claude"
    # the summary the client printed is the daemon's count of this session
    assert f"{s['events']} events" in p.stderr


def test_sessions_run_concurrently_in_one_engine(daemon):
    procs = [subprocess.Popen([PROCTOR, "run", "--agent", f"a{i}", "--", "sh", "-c",
                               f"sleep 1; echo {i} >/dev/null"], env=daemon.env,
                              stderr=subprocess.PIPE, text=True) for i in range(4)]
    time.sleep(0.5)
    st = json.loads(daemon.cli("status", "--json", check=True).stdout)
    assert sorted(s["agent"] for s in st["sessions"]) == ["a0", "a1", "a2", "a3"]
    assert st["pid"] == daemon.p.pid and st["protocol"] == 1
    for p in procs:
        p.wait(timeout=60)
        assert p.returncode == 0
    st = json.loads(daemon.cli("status", "--json", check=True).stdout)
    assert st["sessions"] == [] and st["sessions_started"] == 4
    assert set(st["drops"]) == {"ringbuf_full", "decode_error", "rate_limited", "sink_error",
                                "spool_full"}
    assert st["sinks"][0]["url"] == "sqlite:" + daemon.db and st["sinks"][0]["state"] == "ok"
    assert st["store"]["bytes"] > 0 and st["ring"]["size_bytes"] == 64 << 20
    agents = sorted(s["agent"] for s in daemon.store().sessions())
    assert agents == ["a0", "a1", "a2", "a3"]


def test_status_text(daemon):
    p = daemon.cli("status", check=True)
    assert p.stdout.startswith("daemon: proctor ")
    assert "sessions live: 0" in p.stdout and "drops: ringbuf_full=0" in p.stdout


def test_second_daemon_is_refused_and_names_the_first(daemon):
    p = run([PROCTOR, "daemon", "--db", daemon.db + "2"], env=daemon.env)
    assert p.returncode == 1
    assert f"another proctor daemon (pid {daemon.p.pid}) is running on {daemon.sock}" in p.stderr


def test_stale_socket_is_replaced(tmp_path):
    d = Daemon(tmp_path)
    s = socket.socket(socket.AF_UNIX)
    s.bind(d.sock)
    s.close()  # the file stays, nothing listens: stale
    d.start()
    try:
        assert d.cli("status", "--json", check=True).returncode == 0
    finally:
        d.stop()
    assert not os.path.exists(d.sock)


def test_foreign_file_is_refused(tmp_path):
    d = Daemon(tmp_path)
    with open(d.sock, "w") as f:
        f.write("not a socket")
    p = run([PROCTOR, "daemon", "--db", d.db], env=d.env)
    assert p.returncode == 3
    assert f"{d.sock} exists and is not a socket: refusing to replace it" in p.stderr
    assert open(d.sock).read() == "not a socket"


def test_other_protocol_version_is_refused_naming_both(daemon):
    s = socket.socket(socket.AF_UNIX)
    s.connect(daemon.sock)
    send(s, {"op": "hello", "version": 99, "proctor": "9.9"})
    r = recv(s)
    assert r["ok"] is False
    assert "peer speaks version 99 (proctor 9.9)" in r["error"]
    assert "this proctor speaks version 1" in r["error"]
    send(s, {"op": "status"})  # no hello accepted: nothing else is served
    assert recv(s) == {"ok": False, "error": "the first request must be hello"}


def test_malformed_messages_get_an_error_not_a_crash(daemon):
    s = socket.socket(socket.AF_UNIX)
    s.connect(daemon.sock)
    body = b"{not json"
    s.sendall(struct.pack(">I", len(body)) + body)
    assert s.recv(4, socket.MSG_WAITALL) == b""  # the daemon hangs up on garbage
    s2 = socket.socket(socket.AF_UNIX)
    s2.connect(daemon.sock)
    send(s2, {"op": "hello", "version": 1, "proctor": "x"})
    assert recv(s2)["ok"] is True
    send(s2, {"op": "session.begin", "pid": 1, "argv": ["x"]})
    r = recv(s2)
    assert r == {"ok": False, "error": "session.begin: pid 1 is not a child of the client"}
    assert daemon.p.poll() is None
    st = json.loads(daemon.cli("status", "--json", check=True).stdout)
    assert st["sessions"] == [] and st["sessions_started"] == 0


def test_daemon_flag_without_a_daemon_fails_clearly(tmp_path):
    env = dict(os.environ, PROCTOR_SOCKET=str(tmp_path / "none.sock"))
    p = run([PROCTOR, "run", "--daemon", "--", "true"], env=env)
    assert p.returncode == 3
    assert f"no proctor daemon answers on {tmp_path}/none.sock" in p.stderr
    assert "--daemon needs a running daemon" in p.stderr
    p = run([PROCTOR, "run", "--daemon", "--db", "x.db", "--", "true"], env=env)
    assert p.returncode == 2 and "--db configures an in-process engine" in p.stderr


def test_standalone_ignores_the_daemon(daemon, tmp_path):
    own = Proctor(tmp_path / "own.db")
    p = run([PROCTOR, "run", "--standalone", "--db", own.db, "--", "true"], env=daemon.env)
    assert p.returncode == 0 and "via the daemon" not in p.stderr
    assert len(own.sessions()) == 1
    assert json.loads(daemon.cli("status", "--json").stdout)["sessions_started"] == 0


def test_a_tracked_process_cannot_start_a_session(daemon):
    # the agent, recorded, asks the daemon for a new (untracked-by-it) session
    inner = f"PROCTOR_SOCKET={daemon.sock} {PROCTOR} run --daemon -- true; echo rc=$?"
    p = daemon.run(["sh", "-c", inner], "--daemon")
    assert p.returncode == 0, p.stderr
    assert "rc=3" in p.stdout
    assert "refused: the request comes from inside session" in p.stdout + p.stderr
    assert len(daemon.store().sessions()) == 1


def test_client_killed_mid_session_leaves_nothing_behind(daemon):
    c = subprocess.Popen([PROCTOR, "run", "--grace", "200ms", "--", "sleep", "60"],
                         env=daemon.env, stderr=subprocess.PIPE, text=True)
    for _ in range(100):
        st = json.loads(daemon.cli("status", "--json", check=True).stdout)
        if st["sessions"]:
            break
        time.sleep(0.05)
    assert len(st["sessions"]) == 1
    c.kill()
    c.wait()
    for _ in range(300):  # hang-up grace (5 s), then the cgroup is killed
        st = json.loads(daemon.cli("status", "--json", check=True).stdout)
        if not st["sessions"]:
            break
        time.sleep(0.05)
    assert st["sessions"] == []
    s = daemon.store().last_session()
    assert s["exit.code"] == -1
    assert not os.path.exists(os.path.join(cgroup2_mount(), "proctor", s["session"]))


def cgroup2_mount():
    with open("/proc/mounts") as f:
        for line in f:
            dev, mnt, fstype = line.split()[:3]
            if fstype == "cgroup2":
                return mnt
    raise AssertionError("no cgroup2 mount")
