"""test_sink_syslog.py: `--export syslog+udp|tcp|tls://` against real
receivers: our own rsyslogd (RFC 5424 parsed by rsyslog, structured data
via mmpstrucdata) and `openssl s_server` for TLS. Every event in the store
must arrive, with the same fields."""
import json
import os
import sqlite3
import subprocess
import time

import pytest

from siem_receivers import Rsyslog, free_port, wait_port
from syslog_strict import UdpReceiver, parse_5424, parse_cef

SD = "proctor@32473"


@pytest.fixture
def rsyslog(tmp_path):
    r = Rsyslog(tmp_path)
    yield r
    r.stop()


def env_for(tmp_path):
    return dict(os.environ, PROCTOR_SPOOL_DIR=str(tmp_path / "spool"))


def heads(proctor):
    """The store.chain_head records every sink beside the store received for
    the last session: one per checkpoint the store signed (docs/EVENTS.md)."""
    sid = proctor.last_session()["session"]
    con = sqlite3.connect(proctor.db)
    n = con.execute("SELECT count(*) FROM checkpoints WHERE session=?", (sid,)).fetchone()[0]
    con.close()
    assert n >= 1
    return n


def events_only(msgs):
    return [m for m in msgs if m["msgid"] != "store.chain_head"]


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


def test_rfc5424_fields_parsed_by_rsyslog(proctor, rsyslog, tmp_path):
    transport, port = "tcp", rsyslog.tcp
    events = record(proctor, tmp_path, f"syslog+{transport}://127.0.0.1:{port}",
                    ["sh", "-c", 'cat /etc/hostname >/dev/null; echo "a]b\\"c=d" >/dev/null'])
    msgs = events_only(rsyslog.messages(want=len(events) + heads(proctor)))
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
    msgs = events_only(rsyslog.messages(want=len(events) + heads(proctor)))
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
            if len(frames) >= len(events) + heads(proctor):
                break
            time.sleep(0.1)
        assert len(frames) == len(events) + heads(proctor)
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


def sd_text(v):
    """A stored field as the structured data carries it."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return json.dumps(v, separators=(",", ":"))
    return str(v)


def sd_key(fields):
    return (fields["type"], fields.get("process.pid"), fields.get("process.tid"),
            fields.get("file.path"), fields.get("file.bytes"))


def store_match(events, sd):
    """The stored event the structured data is, field by field (time and
    host.name are in the header)."""
    for e in events:
        want = {k: sd_text(v) for k, v in e.items() if k not in ("time", "host.name")}
        if {k: v for k, v in sd.items()} == want:
            return e
    return None


BIG = "A" * 3900  # a ~4 KiB argv, within the kernel's argv cap


def test_udp_sends_every_field_once_parsed_by_rsyslog(proctor, rsyslog, tmp_path):
    """Over UDP the structured data carries every field and MSG is the
    one-line summary (no JSON copy of the fields)."""
    events = record(proctor, tmp_path, f"syslog+udp://127.0.0.1:{rsyslog.udp}",
                    ["sh", "-c", 'cat /etc/hostname >/dev/null; echo "a]b\\"c=d" >/dev/null'])
    msgs = events_only(rsyslog.messages(want=len(events) + heads(proctor)))
    assert len(msgs) == len(events), (len(msgs), len(events))
    for m in msgs:
        sd = json.loads(m["sd"])[SD]
        e = store_match(events, sd)
        assert e, sd
        assert m["msgid"] == e["type"] and m["hostname"] == e["host.name"]
        assert not m["msg"].lstrip().startswith("{"), m["msg"]
        assert m["pri"] == str(13 * 8 + SYSLOG_SEVERITY[e["event.severity"]])
    execs = [json.loads(m["sd"])[SD] for m in msgs if m["msgid"] == "process.exec"]
    assert any('a]b\\"c=d' in e["process.command_line"] for e in execs)


def test_udp_4k_argv_cut_at_field_boundaries_strict_parser(proctor, tmp_path):
    """max=2048: every datagram within it and valid RFC 5424; a record over
    it leaves out whole fields, named by the truncation marker; every field
    sent is whole."""
    rx = UdpReceiver()
    try:
        events = record(proctor, tmp_path, f"syslog+udp://127.0.0.1:{rx.port}?max=2048",
                        ["sh", "-c", f"cat /etc/hostname >/dev/null; echo {BIG} >/dev/null"])
        deadline = time.time() + 10
        while len(rx.datagrams) < len(events) + heads(proctor) and time.time() < deadline:
            time.sleep(0.1)
    finally:
        rx.stop()
    assert len(rx.datagrams) == len(events) + heads(proctor)
    assert all(len(d) <= 2048 for d in rx.datagrams), max(len(d) for d in rx.datagrams)
    parsed = events_only(parse_5424(d) for d in rx.datagrams)
    cut = [m for m in parsed if "truncated" in m["sd"][SD]]
    assert [m["msgid"] for m in cut] == ["process.exec"]
    sd = dict(cut[0]["sd"][SD])
    omitted = sd.pop("omitted").split(",")
    assert int(sd.pop("truncated")) == len(omitted)
    assert "process.command_args" in omitted and "process.command_line" in omitted
    sh = [e for e in events if e["type"] == "process.exec" and BIG in e["process.command_line"]][0]
    for k, v in sd.items():  # whole values, never cut inside
        assert v == sd_text(sh[k]), k
    assert set(sd) | set(omitted) == set(sh) - {"time", "host.name"}
    for m in parsed:
        if m is not cut[0]:
            assert store_match(events, m["sd"][SD]), m


def test_cef_udp_file_path_executable_and_4k_argv_strict_parser(proctor, tmp_path):
    rx = UdpReceiver()
    try:
        events = record(proctor, tmp_path,
                        f"syslog+udp://127.0.0.1:{rx.port}?format=cef&max=2048",
                        ["sh", "-c", f"cat /etc/hostname >/dev/null; echo {BIG} >/dev/null"])
        deadline = time.time() + 10
        while len(rx.datagrams) < len(events) + heads(proctor) and time.time() < deadline:
            time.sleep(0.1)
    finally:
        rx.stop()
    assert len(rx.datagrams) == len(events) + heads(proctor)
    assert all(len(d) <= 2048 for d in rx.datagrams)
    msgs = events_only(parse_5424(d) for d in rx.datagrams)
    assert all(m["sd"] == {} for m in msgs)  # the fields are in the CEF payload only
    cefs = [(m["msgid"], parse_cef(m["msg"])) for m in msgs]
    opens = [c for t, c in cefs if t == "file.open" and c["ext"].get("filePath") == "/etc/hostname"]
    assert len(opens) == 1
    ext = opens[0]["ext"]
    assert ext["fname"] == "hostname" and ext["flexString1Label"] == "executable"
    assert ext["flexString1"] == "/usr/bin/cat" and ext["sproc"] == "cat"
    cut = [c for t, c in cefs if "flexNumber1" in c["ext"]]
    assert len(cut) == 1 and cut[0]["signature"] == "process.exec"
    e = cut[0]["ext"]
    assert e["flexNumber1Label"] == "omittedFields"
    assert e["flexString2"].split(",") == ["process.command_line"]
    assert int(e["flexNumber1"]) == 1 and "cs4" not in e
