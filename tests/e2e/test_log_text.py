"""test_log_text.py: the readable `proctor log` and `proctor tree` of a real
session: every value labelled or with its unit, rename/link/symlink read
from -> to, times in UTC and saying so (or --local, --date), a flow never
printed before its own connect, failed opens counted apart in the tree and
the root's exit code in its header. Exact lines."""
import json
import os
import re
import socket
import subprocess
import time

from conftest import PROCTOR

SCRIPT = r"""
import os, socket, sys, time
d, port, closed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
srv = socket.socket(); srv.bind(("127.0.0.1", port)); srv.listen()
c = socket.socket(); c.connect(("127.0.0.1", port)); a, _ = srv.accept()
c.send(b"hello"); a.recv(10); a.close(); c.close()
s = socket.socket(); s.setblocking(False)
try: s.connect(("127.0.0.1", closed))
except OSError: pass
time.sleep(0.05); s.close()
for i in range(3):
    try: open(d + "/missing")
    except OSError: pass
os.rename(d + "/a", d + "/b")
os.link(d + "/b", d + "/hard")
os.symlink(d + "/b", d + "/soft")
os._exit(3)
"""

LINE = re.compile(r"^(\d\d:\d\d:\d\d\.\d\d\d) UTC (\S+) +(\S+) +(.*)$")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def record(proctor, tmp_path):
    d = tmp_path / "w"
    d.mkdir()
    (d / "a").write_text("x")
    prog = tmp_path / "prog.py"
    prog.write_text(SCRIPT)
    port, closed = free_port(), free_port()
    p = proctor.run(["/usr/bin/python3", str(prog), str(d), str(port), str(closed)])
    assert p.returncode == 3, p.stderr
    return d, port, closed


def test_log_lines_are_labelled(proctor, tmp_path):
    d, port, closed = record(proctor, tmp_path)
    ev = proctor.events()
    py = next(e for e in ev if e["type"] == "process.exec")
    pid = py["process.pid"]
    text = proctor.cli("log", check=True).stdout.splitlines()
    assert len(text) == len(ev)
    rows = []
    for line, e in zip(text, ev):
        m = LINE.match(line)
        assert m, line
        rows.append((m.group(3), m.group(4)))
        assert m.group(2) == f"{e['process.name']}[{e['process.pid']}]"
    # the time column is the event's time of day in UTC
    assert LINE.match(text[0]).group(1) == py["time"][11:23]

    def one(type_, start):
        got = [s for t, s in rows if t == type_ and s.startswith(start)]
        assert len(got) == 1, (type_, start, rows)
        return got[0]

    conn = next(e for e in ev if e["type"] == "net.connect"
                and e["network.peer.port"] == port)
    lport = conn["network.local.port"]
    assert one("net.socket", "ipv4 tcp, fd 3") == "ipv4 tcp, fd 3"
    assert one("net.bind", "on ") == f"on 127.0.0.1:{port}"
    assert one("net.listen", "on ") == f"on 127.0.0.1:{port}"
    assert one("net.connect", f"to 127.0.0.1:{port}") == f"to 127.0.0.1:{port} from port {lport}"
    accept = next(e for e in ev if e["type"] == "net.accept")
    assert one("net.accept", "from ") == (
        f"from 127.0.0.1:{lport} on port {port}, fd {accept['network.socket.new_fd']}")
    flow = next(e for e in ev if e["type"] == "net.flow" and e["network.peer.port"] == port)
    assert one("net.flow", f"tcp to 127.0.0.1:{port} ") == (
        f"tcp to 127.0.0.1:{port} from port {lport}, ALLOWED by none, out 5 B, in 0 B, "
        f"{flow['flow.duration_ms']} ms, ended closed"), flow
    assert one("net.connect", f"to 127.0.0.1:{closed}") == (
        f"to 127.0.0.1:{closed}, in progress (EINPROGRESS)")
    refused = next(e for e in ev if e["type"] == "net.flow"
                   and e["network.peer.port"] == closed)
    assert one("net.flow", f"tcp to 127.0.0.1:{closed} ").endswith(
        ", ALLOWED by none, out 0 B, in 0 B, "
        f"{refused['flow.duration_ms']} ms, ended closed, failed ECONNREFUSED")
    # paths read from -> to, whichever field the kernel put each in
    assert one("file.metadata", "rename") == f"rename {d}/a → {d}/b"
    assert one("file.metadata", "link") == f"link {d}/b → {d}/hard"
    assert one("file.metadata", "symlink") == f"symlink {d}/b → {d}/soft"
    # a repeated open folds into one record with a count: the line says so
    missing = [(e.get("file.open_count", 1), s) for (t, s), e in zip(rows, ev)
               if t == "file.open" and e["file.path"] == f"{d}/missing"]
    assert sum(n for n, _ in missing) == 3, missing
    assert [s for _, s in missing] == [
        f"{d}/missing{f', {n} opens' if n > 1 else ''}, failed ENOENT" for n, _ in missing]
    script = [s for t, s in rows if t == "file.read" and s.startswith(str(tmp_path))]
    assert script and all(re.fullmatch(r".*, \d+ B read in \d+ calls?", s) for s in script)
    ex = next(e for e in ev if e["type"] == "process.exit" and e["process.pid"] == pid)
    assert rows[-1] == ("process.exit", f"exit code 3, ran {ex['process.duration_ms']} ms")


def test_flow_never_precedes_its_connect(proctor, tmp_path):
    _, port, closed = record(proctor, tmp_path)
    ev = proctor.events()
    # the refused non-blocking connect's flow ends (RST) before connect()
    # returns: the store holds the flow first, the text holds it back
    i_flow = next(i for i, e in enumerate(ev) if e["type"] == "net.flow"
                  and e["network.peer.port"] == closed)
    i_conn = next(i for i, e in enumerate(ev) if e["type"] == "net.connect"
                  and e["network.peer.port"] == closed)
    text = proctor.cli("log", check=True).stdout.splitlines()
    for p in (port, closed):
        t_conn = next(i for i, l in enumerate(text) if " net.connect " in l
                      and f"to 127.0.0.1:{p}" in l)
        t_flow = next(i for i, l in enumerate(text) if " net.flow " in l
                      and f"to 127.0.0.1:{p} " in l)
        assert t_conn < t_flow, text
    assert len(text) == len(ev)
    # --json keeps the store's order (the contract): there the flow came first
    assert i_flow < i_conn, "the store no longer holds the flow first: the test proves nothing"


def test_log_local_time_and_date(proctor, tmp_path):
    record(proctor, tmp_path)
    ev = proctor.events()
    first = ev[0]["time"]  # 2026-12-07T02:31:53.506873956Z
    env = dict(os.environ, TZ="Asia/Kolkata")  # UTC+05:30, no daylight saving
    out = subprocess.run([PROCTOR, "log", "--db", proctor.db, "--local", "--date"],
                         capture_output=True, text=True, env=env, check=True).stdout
    line = out.splitlines()[0]
    h, m = int(first[11:13]), int(first[14:16])
    mins = h * 60 + m + 330
    day_shift = mins >= 24 * 60
    mins %= 24 * 60
    date = first[:10]
    if day_shift:
        import datetime
        date = (datetime.date.fromisoformat(date) + datetime.timedelta(days=1)).isoformat()
    assert line.startswith(f"{date} {mins // 60:02d}:{mins % 60:02d}:{first[17:23]} IST "), line
    utc = proctor.cli("log", "--date", check=True).stdout.splitlines()[0]
    assert utc.startswith(f"{first[:10]} {first[11:23]} UTC "), utc


def test_tree_counts_failed_opens_and_shows_root_exit(proctor, tmp_path):
    d, _, _ = record(proctor, tmp_path)
    ev = proctor.events()
    opens = [e for e in ev if e["type"] == "file.open"]
    failed = sum(e.get("file.open_count", 1) for e in opens if e["event.outcome"] == "failure")
    ok = sum(e.get("file.open_count", 1) for e in opens if e["event.outcome"] != "failure")
    assert failed >= 3 and ok > 0
    lines = proctor.cli("tree", check=True).stdout.splitlines()
    s = proctor.last_session()
    assert re.fullmatch(rf"session {s['session']}  ran \d+(\.\d+)?m?s  root exit code 3  "
                        rf"1 processes, {s['events']} events, 0 drops", lines[0]), lines[0]
    files = [l.strip() for l in lines if l.strip().startswith("files: ")]
    assert files == [f"files: {ok} opened, {failed} failed to open, 3 changed"], lines


def test_log_follow_tails_a_live_session_to_its_end(proctor, tmp_path):
    gate = tmp_path / "gate"
    script = (f"while [ ! -e {gate} ]; do sleep 0.05; done; "
              "for i in 1 2 3; do /bin/echo tick$i > /dev/null; done")
    runner = subprocess.Popen([PROCTOR, "run", "--db", proctor.db, "--", "/bin/sh", "-c", script],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    follow = None
    try:
        for _ in range(300):
            p = proctor.cli("sessions", "--json")
            if p.returncode == 0 and p.stdout.strip():
                break
            time.sleep(0.1)
        sid = proctor.last_session()["session"]
        assert proctor.last_session()["end"] is None  # live when the tail starts
        follow = subprocess.Popen([PROCTOR, "log", sid, "--follow", "--db", proctor.db],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        jfollow = subprocess.Popen([PROCTOR, "log", sid, "--follow", "--json", "--type",
                                    "process.exec", "--db", proctor.db],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        assert follow.poll() is None and jfollow.poll() is None  # waiting for more
        gate.write_text("")
        out, err = follow.communicate(timeout=60)  # ends by itself with the session
        jout, jerr = jfollow.communicate(timeout=60)
    finally:
        gate.write_text("")
        runner.wait(timeout=60)
        for f in (follow,):
            if f and f.poll() is None:
                f.kill()
    assert follow.returncode == 0 and jfollow.returncode == 0, err + jerr
    assert out == proctor.cli("log", sid, check=True).stdout
    ticks = [l.split()[-1] for l in out.splitlines()
             if re.search(r" process\.exec +/bin/echo tick\d$", l)]
    assert ticks == ["tick1", "tick2", "tick3"]
    execs = [json.loads(l) for l in jout.splitlines()]
    assert execs == proctor.events(sid, "--type", "process.exec")


def test_hostile_process_name_stays_escaped(proctor, tmp_path):
    # the name column comes from the JSON (decoded), then shown visibly
    # escaped like every other value
    target = tmp_path / "after-rename"
    prog = ("import ctypes; ctypes.CDLL(None).prctl(15, b'x\\x1b[2J\\ny\\xff', 0, 0, 0); "
            f"open({str(target)!r}, 'w').close()")
    p = proctor.run(["/usr/bin/python3", "-c", prog])
    assert p.returncode == 0, p.stderr
    ev = [e for e in proctor.events() if e.get("file.path") == str(target)]
    assert ev and ev[0]["process.name"] == "x\x1b[2J\ny\ufffd", ev
    pid = ev[0]["process.pid"]
    lines = [l for l in proctor.cli("log", "--path", str(target), check=True).stdout.splitlines()]
    assert len(lines) == 1 and "\x1b" not in lines[0]
    # U+FFFD (the JSON's stand-in for the invalid byte) is printable: shown as is
    assert LINE.match(lines[0]).group(2) == f"x\\x1b[2J\\ny\ufffd[{pid}]", lines[0]
