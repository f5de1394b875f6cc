"""engines.py: the policy tests both ways, standalone (`proctor run` loads
its own engine) and through the daemon (`proctor run --daemon`: the daemon
installs the session's policy, docs/DAEMON.md "The per-run policy"). A test
module opts in with

    @pytest.fixture(params=ENGINES)
    def proctor(request, tmp_path):
        return engine(request, tmp_path)

and its tests run once per engine. Through the daemon, the helper keeps
the test's view of the store its own: events(), sessions() and
last_session() see only the sessions this test ran (one daemon serves the
module, with its own socket, store and pins)."""
import json
import os
import re
import signal
import subprocess
import zlib

import pytest

from conftest import PROCTOR, Proctor, run

ENGINES = ["standalone", "daemon"]

# What the engine (not the run client) reads from its environment: a run
# that sets one gets a daemon of its own started with it.
ENGINE_ENV = ("PROCTOR_TEST_POLICY_STALL_MS", "PROCTOR_POLICY_TIMEOUT_MS")

SESSION_RE = re.compile(r"^proctor: session (\S+) \(via the daemon\)$", re.M)


class EngineDaemon:
    """A daemon for the policy tests: no auto-adoption (another engineer's
    agents on this host are not this test's sessions)."""

    def __init__(self, d, env=None):
        self.dir = str(d)
        os.makedirs(self.dir, exist_ok=True)
        self.sock = os.path.join(self.dir, "proctor.sock")
        self.db = os.path.join(self.dir, "daemon.db")
        # one pin directory per daemon: the module's and a run's own may overlap
        tag = zlib.crc32(self.dir.encode())
        self.pins = f"/sys/fs/bpf/proctor-test-{os.getpid()}-{tag:08x}"
        cfg = os.path.join(self.dir, "daemon.yaml")
        with open(cfg, "w") as f:
            f.write("auto_adopt:\n  agents: false\n  containers:\n    enabled: false\n")
        self.env = dict(os.environ if env is None else env, PROCTOR_SOCKET=self.sock)
        self.p = subprocess.Popen([PROCTOR, "daemon", "--config", cfg, "--db", self.db,
                                   "--pin-dir", self.pins], env=self.env,
                                  stderr=subprocess.PIPE, text=True)
        line = self.p.stderr.readline()
        assert "listening on " + self.sock in line, line

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            self.p.wait(timeout=60)
        assert self.p.returncode == 0, self.p.stderr.read()
        assert not os.path.exists(self.pins)  # no session left: SIGTERM removed the pins


class DaemonProctor(Proctor):
    """Proctor's helpers, recording through a daemon."""

    def __init__(self, daemon, tmp_path):
        super().__init__(daemon.db)
        self.daemon = daemon
        self.tmp_path = tmp_path
        self.ids = []

    def run(self, cmd, *opts, timeout=120, env=None, **kw):
        env = dict(os.environ if env is None else env)
        own = None
        if any(k in env for k in ENGINE_ENV):
            own = EngineDaemon(self.tmp_path / f"engine{len(self.ids)}", env)
        d = own or self.daemon
        env["PROCTOR_SOCKET"] = d.sock
        try:
            p = run([PROCTOR, "run", "--daemon", *opts, "--", *cmd], timeout=timeout, env=env,
                    **kw)
        finally:
            if own:
                own.stop()
        m = SESSION_RE.search(p.stderr)
        if m:
            self.ids.append((m.group(1), d.db))
        return p

    def popen(self, cmd, *opts, env=None, **kw):
        env = dict(os.environ if env is None else env, PROCTOR_SOCKET=self.daemon.sock)
        return subprocess.Popen([PROCTOR, "run", "--daemon", *opts, "--", *cmd], env=env, **kw)

    def ran(self, stderr):
        if isinstance(stderr, bytes):
            stderr = stderr.decode(errors="replace")
        m = SESSION_RE.search(stderr or "")
        if m:
            self.ids.append((m.group(1), self.daemon.db))

    def _last(self):
        assert self.ids, "no session was recorded through the daemon"
        return self.ids[-1]

    def cli(self, *args, **kw):
        return run([PROCTOR, *args, "--db", self._last()[1] if self.ids else self.db], **kw)

    def events(self, session=None, *opts):
        sid, db = self._last()
        for i, d in self.ids:
            if i == session:
                sid, db = i, d
        p = run([PROCTOR, "log", session or sid, "--json", *opts, "--db", db], check=True)
        return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]

    def sessions(self):
        out = []
        for db in dict.fromkeys(d for _, d in self.ids):
            p = run([PROCTOR, "sessions", "--json", "--db", db], check=True)
            mine = {i for i, d in self.ids if d == db}
            out += [s for s in map(json.loads, filter(str.strip, p.stdout.splitlines()))
                    if s["session"] in mine]
        order = [i for i, _ in self.ids]
        return sorted(out, key=lambda s: order.index(s["session"]))


@pytest.fixture(scope="module")
def engine_daemon(tmp_path_factory):
    d = EngineDaemon(tmp_path_factory.mktemp("engine"))
    yield d
    d.stop()


def engine(request, tmp_path):
    """The `proctor` of a test run by the standalone or the daemon engine."""
    assert os.geteuid() == 0, "end-to-end tests need root"
    if request.param == "standalone":
        return Proctor(tmp_path / "proctor.db")
    return DaemonProctor(request.getfixturevalue("engine_daemon"), tmp_path)
