"""test_cli_values.py: one parser for durations, sizes and ports: overflow,
inf, nan, negative and odd spellings are refused with exit 2 (never wrapped
to zero or to another port); every unknown option prints the usage; numeric
--user works; a rejected sink URL leaves no spool directory behind."""
import os

import pytest

from conftest import PROCTOR, run


def refused(args, needle):
    p = run([PROCTOR, *args])
    assert p.returncode == 2, f"{args}: exit {p.returncode}\n{p.stderr}"
    assert needle in p.stderr, f"{args}: {p.stderr!r} lacks {needle!r}"
    return p


@pytest.mark.parametrize("value,why", [
    ("99999999999h", "out of range"), ("18446744073709551616", "out of range"),
    ("inf", "not a duration"), ("nan", "not a duration"), ("-1s", "not a duration"),
    ("1e3", "not a duration"), ("0x10", "not a duration"), (" 5s", "not a duration"),
    ("+5s", "not a duration"), ("5 s", "not a duration"), ("1.s", "not a duration"),
    ("5sec", "not a duration"),
])
def test_grace_refuses_bad_durations(tmp_path, value, why):
    refused(["run", "--db", str(tmp_path / "x.db"), "--grace", value, "--", "true"],
            f"--grace: '{value}' is {why}")
    assert not (tmp_path / "x.db").exists()


def test_flow_idle_and_bypass_durations(tmp_path):
    refused(["run", "--db", str(tmp_path / "x.db"), "--flow-idle", "99999999999d", "--", "true"],
            "is out of range")
    refused(["bypass", "latest", "inf"], "")


@pytest.mark.parametrize("addr,why", [
    ("127.0.0.1:99999", "port out of range"), ("127.0.0.1:65536", "port out of range"),
    ("127.0.0.1:0", "port out of range"), ("127.0.0.1:-1", "is not HOST:PORT"),
    ("127.0.0.1:http", "is not HOST:PORT"), ("127.0.0.1:", "is not HOST:PORT"),
])
def test_metrics_refuses_bad_ports(tmp_path, addr, why):
    refused(["run", "--db", str(tmp_path / "x.db"), "--metrics", addr, "--", "true"], why)


def test_fractional_duration_is_exact(proctor):
    # 1.5s of grace is accepted (the parser keeps fractions)
    p = proctor.run(["true"], "--grace", "1.5s")
    assert p.returncode == 0, p.stderr


@pytest.mark.parametrize("cmd", [["sessions"], ["log"], ["tree"], ["verify"], ["run"],
                                 ["bypass"], ["policy", "check"]])
def test_unknown_option_prints_usage(cmd):
    p = run([PROCTOR, *cmd, "--no-such-flag"])
    assert p.returncode == 2, p.stderr
    assert "usage: proctor " + cmd[0] in p.stderr, p.stderr


def test_numeric_user(proctor):
    p = proctor.run(["id", "-u"], "--user", "65534")
    assert p.returncode == 0 and p.stdout.strip() == "65534", p.stderr
    # a uid with no passwd entry
    p = proctor.run(["sh", "-c", "id -u; id -g"], "--user", "4242")
    assert p.returncode == 0 and p.stdout.split() == ["4242", "4242"], p.stderr
    refused(["run", "--db", proctor.db, "--user", "4294967295", "--", "true"], "not a user id")


def test_rejected_sink_leaves_no_spool(tmp_path):
    spools = tmp_path / "spools"
    env = dict(os.environ, PROCTOR_SPOOL_DIR=str(spools))
    p = run([PROCTOR, "run", "--db", str(tmp_path / "x.db"), "--export",
             "otlp+http://127.0.0.1:9/v1/logs?encoding=xml", "--", "true"], env=env)
    assert p.returncode == 2 and "encoding must be json or protobuf" in p.stderr
    assert not spools.exists() or os.listdir(spools) == []


def test_store_files_are_careful(tmp_path):
    """--db never creates directories, never writes into another SQLite
    database, and creates the store 0600 whatever the umask."""
    import sqlite3
    import stat
    missing = tmp_path / "no" / "such" / "x.db"
    p = run([PROCTOR, "run", "--db", str(missing), "--", "true"])
    assert p.returncode == 3 and "directory" in p.stderr and "does not exist" in p.stderr
    assert not (tmp_path / "no").exists()

    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE notes(body TEXT)")
    con.commit()
    con.close()
    before = other.read_bytes()
    p = run([PROCTOR, "run", "--db", str(other), "--", "true"])
    assert p.returncode == 3 and "is not a proctor store" in p.stderr, p.stderr
    assert other.read_bytes() == before

    db = tmp_path / "new.db"
    p = run(["sh", "-c", f"umask 022; exec {PROCTOR} run --db {db} -- true"])
    assert p.returncode == 0, p.stderr
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
