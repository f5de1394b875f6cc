"""conftest.py: shared helpers for the end-to-end tests. Every test runs the
real build/proctor ($PROCTOR if set, e.g. the ASan build) on the real kernel as root and checks the exact events it
recorded, read back through the CLI (`proctor log --json`, `sessions --json`)."""
import json
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROCTOR = os.environ.get("PROCTOR") or os.path.join(ROOT, "build", "proctor")


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
        """`proctor run --db DB OPTS -- CMD`; returns CompletedProcess."""
        return run([PROCTOR, "run", "--db", self.db, *opts, "--", *cmd], timeout=timeout, **kw)

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
