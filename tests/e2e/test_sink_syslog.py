"""test_sink_syslog.py: `--export syslog+udp|tcp|tls://` against real
receivers: our own rsyslogd (RFC 5424 parsed by rsyslog, structured data
via mmpstrucdata) and `openssl s_server` for TLS. Every event in the store
must arrive, with the same fields."""
import json
import os
import subprocess
import time

import pytest

from siem_receivers import Rsyslog, free_port, wait_port

SD = "proctor@32473"


@pytest.fixture
def rsyslog(tmp_path):
    r = Rsyslog(tmp_path)
    yield r
    r.stop()


def env_for(tmp_path):
    return dict(os.environ, PROCTOR_SPOOL_DIR=str(tmp_path / "spool"))


def record(proctor, tmp_path, url, cmd):
    p = proctor.run(cmd, "--export", url, env=env_for(tmp_path))
    assert p.returncode == 0, p.stderr
    events = proctor.events()
    assert events, "nothing recorded"
    return events


SYSLOG_SEVERITY = {"emergency": 0, "alert": 1, "critical": 2, "error": 3, "warning": 4,
                   "notice": 5, "info": 6, "debug": 7}


def by_key(events):
    return {(e["type"], e["time"]): e for e in events}


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_rfc5424_fields_parsed_by_rsyslog(proctor, rsyslog, tmp_path, transport):
    port = rsyslog.udp if transport == "udp" else rsyslog.tcp
    events = record(proctor, tmp_path, f"syslog+{transport}://127.0.0.1:{port}",
                    ["sh", "-c", 'cat /etc/hostname >/dev/null; echo "a]b\\"c=d" >/dev/null'])
    msgs = rsyslog.messages(want=len(events))
    assert len(msgs) == len(events), (len(msgs), len(events))
    store = by_key(events)
    for m in msgs:
        assert m["app"] == "proctor"
        sd = json.loads(m["sd"])[SD]  # parsed by rsyslog's mmpstrucdata
        body = json.loads(m["msg"])
        e = store[(body["type"], body["time"])]
        assert m["msgid"] == e["type"]
        assert m["hostname"] == e["host.name"]
        assert sd["session"] == e["session"]
        assert sd["process.pid"] == str(e["process.pid"])
        if "process.command_line" in e:
            assert sd["process.command_line"] == e["process.command_line"]
        # PRI: facility 13 (log audit) * 8 + the event's syslog severity.
        assert m["pri"] == str(13 * 8 + SYSLOG_SEVERITY[e["event.severity"]])
    execs = [json.loads(m["msg"]) for m in msgs if m["msgid"] == "process.exec"]
    # ']', '"' and '\\' survived SD escaping (compared field by field above).
    assert any('a]b\\"c=d' in e["process.command_line"] for e in execs)


def test_cef_over_tcp(proctor, rsyslog, tmp_path):
    events = record(proctor, tmp_path, f"syslog+tcp://127.0.0.1:{rsyslog.tcp}?format=cef",
                    ["sh", "-c", "echo 'x=1|y' >/dev/null"])
    msgs = rsyslog.messages(want=len(events))
    assert len(msgs) == len(events)
    cef = [m["msg"] for m in msgs if m["msgid"] == "process.exec"]
    assert cef and all(c.startswith("CEF:0|proctor|proctor|") for c in cef)
    sh = [c for c in cef if "|process.exec|process exec|3|" in c and "cs4=sh -c" in c]
    assert sh, cef
    # Extension escaping: '\\' and '=' escaped, '|' left alone, newlines as \n.
    line = [e for e in events if e["type"] == "process.exec" and e["process.name"] == "sh"][0]
    want = line["process.command_line"].replace("\\", "\\\\").replace("=", "\\=")
    assert "x\\=1|y" in want
    assert f"cs4={want} cs5Label=" in sh[0]


def test_tls_octet_counting(proctor, tmp_path):
    d = tmp_path / "tls"
    d.mkdir()
    key, cert = str(d / "key.pem"), str(d / "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost"], check=True, capture_output=True)
    port = free_port()
    out = open(d / "received", "wb")
    srv = subprocess.Popen(["openssl", "s_server", "-accept", str(port), "-cert", cert, "-key", key,
                            "-quiet"], stdout=out, stderr=subprocess.DEVNULL,
                           stdin=subprocess.PIPE)
    try:
        wait_port(port)
        time.sleep(0.2)  # s_server re-accepts after the probe connection
        events = record(proctor, tmp_path,
                        f"syslog+tls://127.0.0.1:{port}?ca={cert}&servername=localhost",
                        ["true"])
        end = time.time() + 10
        while time.time() < end:
            data = open(d / "received", "rb").read()
            frames = parse_octet_counted(data)
            if len(frames) >= len(events):
                break
            time.sleep(0.1)
        assert len(frames) == len(events)
        assert all(f.startswith(b"<") and b" proctor " in f for f in frames)
    finally:
        srv.kill()
        out.close()


def parse_octet_counted(data):
    frames, i = [], 0
    while i < len(data):
        sp = data.find(b" ", i)
        if sp < 0:
            break
        n = int(data[i:sp])
        if sp + 1 + n > len(data):
            break
        frames.append(data[sp + 1:sp + 1 + n])
        i = sp + 1 + n
    return frames


def test_tls_refuses_an_unverified_server(proctor, tmp_path):
    """Without the server's CA the TLS handshake fails: nothing is sent in
    clear, and the events stay spooled instead of being lost."""
    d = tmp_path / "tls"
    d.mkdir()
    key, cert = str(d / "key.pem"), str(d / "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "1", "-subj", "/CN=localhost"],
                   check=True, capture_output=True)
    port = free_port()
    out = open(d / "received", "wb")
    srv = subprocess.Popen(["openssl", "s_server", "-accept", str(port), "-cert", cert, "-key", key,
                            "-quiet"], stdout=out, stderr=subprocess.DEVNULL, stdin=subprocess.PIPE)
    try:
        wait_port(port)
        p = proctor.run(["true"], "--export", f"syslog+tls://127.0.0.1:{port}?drain=300ms",
                        env=env_for(tmp_path))
        assert p.returncode == 0
        assert "stay spooled" in p.stderr
        assert open(d / "received", "rb").read() == b""
    finally:
        srv.kill()
        out.close()
