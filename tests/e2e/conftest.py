"""conftest.py: shared helpers for the end-to-end tests. Every test runs the
real build/proctor ($PROCTOR if set, e.g. the ASan build) on the real kernel as root and checks the exact events it
recorded, read back through the CLI (`proctor log --json`, `sessions --json`)."""
import json
import os
import pwd
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROCTOR = os.environ.get("PROCTOR") or os.path.join(ROOT, "build", "proctor")

# The unprivileged account agents run as in the tests (`--user`, evasion
# `user:` headers). Its uid is fixed because recorded events are asserted
# with it. A fresh machine lacks it: the suite creates it (as root) at start.
AGENT_USER, AGENT_UID = "proctor-agent", 1001


def pytest_configure(config):
    if os.geteuid() == 0:
        ensure_agent_user()


def ensure_agent_user():
    try:
        pwd.getpwnam(AGENT_USER)
        return
    except KeyError:
        pass
    try:
        pwd.getpwuid(AGENT_UID)
        return  # the uid belongs to someone else: agent_user_problem() says so
    except KeyError:
        pass
    subprocess.run(["useradd", "-m", "-U", "-u", str(AGENT_UID), "-s", "/bin/bash", AGENT_USER],
                   check=True, capture_output=True)


def agent_user_problem():
    """Why tests cannot run as AGENT_USER here, or None."""
    try:
        uid = pwd.getpwnam(AGENT_USER).pw_uid
    except KeyError:
        return f"no user {AGENT_USER} (the suite creates it when run as root)"
    if uid != AGENT_UID:
        return f"{AGENT_USER} has uid {uid}; the recorded events are asserted with {AGENT_UID}"
    return None


def userns_problem():
    """Why an unprivileged user cannot create a user namespace here, or None."""
    for path, off in (("/proc/sys/kernel/unprivileged_userns_clone", "0"),
                      ("/proc/sys/user/max_user_namespaces", "0"),
                      ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1")):
        try:
            with open(path) as f:
                if f.read().strip() == off:
                    return f"unprivileged user namespaces are off here ({path} = {off})"
        except OSError:
            pass
    return None


def require(problem):
    """Skip the calling test, with the reason, if problem is set."""
    if problem:
        pytest.skip(problem)


def run(args, check=False, timeout=120, **kw):
    """Run a command, capture text output."""
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{args} exited {p.returncode}\nstdout:{p.stdout}\nstderr:{p.stderr}")
    return p


class Proctor:
    """A store (SQLite file) plus helpers to record into it and read it back."""

    def __init__(self, db):
        self.db = str(db)

    def run(self, cmd, *opts, timeout=120, **kw):
        """`proctor run --db DB OPTS -- CMD`; returns CompletedProcess. A run
        as AGENT_USER skips the test on a machine that cannot provide it."""
        if AGENT_USER in opts:
            require(agent_user_problem())
        return run([PROCTOR, "run", "--db", self.db, *opts, "--", *cmd], timeout=timeout, **kw)

    def popen(self, cmd, *opts, **kw):
        """`proctor run` in the background; hand its stderr to ran() at the end."""
        return subprocess.Popen([PROCTOR, "run", "--db", self.db, *opts, "--", *cmd], **kw)

    def ran(self, stderr):
        """A popen() run is over (its summary on stderr)."""

    def cli(self, *args, **kw):
        return run([PROCTOR, *args, "--db", self.db], **kw)

    def events(self, session=None, *opts):
        args = ["log", "--json", *opts]
        if session:
            args.insert(1, session)
        p = self.cli(*args, check=True)
        return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]

    def sessions(self):
        p = self.cli("sessions", "--json", check=True)
        return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]

    def last_session(self):
        return self.sessions()[-1]


@pytest.fixture
def proctor(tmp_path):
    assert os.geteuid() == 0, "end-to-end tests need root"
    assert os.path.exists(PROCTOR), f"{PROCTOR} missing: run make"
    return Proctor(tmp_path / "proctor.db")


def of_type(events, t):
    return [e for e in events if e["type"] == t]


def execs(events, exe_basename=None):
    out = of_type(events, "process.exec")
    if exe_basename:
        out = [e for e in out if os.path.basename(e["process.executable.path"]) == exe_basename]
    return out
