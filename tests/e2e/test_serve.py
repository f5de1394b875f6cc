"""test_serve.py: `proctor serve` (src/serve, docs/API.md) over real recorded
sessions: every endpoint with its filters, cursor pages over 10k+ events, the
token matrix (no token, wrong, revoked, another project's session: exact
status codes and bodies that leak nothing), path traversal, malformed and
oversized queries, the SSE tail of a live session, a slowloris client and
200 concurrent connections (bounded, on loopback), TLS off loopback, and a
corrupt store."""
import http.client
import json
import os
import socket
import ssl
import subprocess
import threading
import time
import urllib.parse

import pytest

from conftest import PROCTOR, Proctor, of_type, run

PY = "/usr/bin/python3"
UNAUTH = {"error": "unauthorized"}
NOSESSION = {"error": "no such session"}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, db, *opts, listen=None):
        self.port = free_port()
        self.listen = listen or f"127.0.0.1:{self.port}"
        self.p = subprocess.Popen([PROCTOR, "serve", "--db", db, "--listen", self.listen, *opts],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.banner = self.p.stdout.readline()
        assert "listening on" in self.banner, self.p.stderr.read()

    def get(self, path, token=None, headers=None, tls=False):
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        if tls:
            c = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=20,
                                            context=ssl._create_unverified_context())
        else:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        c.request("GET", path, headers=h)
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, body, r

    def json(self, path, token=None, status=200):
        st, body, _ = self.get(path, token)
        assert st == status, (path, st, body)
        return json.loads(body)

    def stop(self):
        self.p.terminate()
        self.p.wait(timeout=20)
        assert self.p.returncode == 0, self.p.stderr.read()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """Three real sessions: shop (a sensitive read, a blocked exec, a TCP
    flow, 12k failed opens), bank (one cat), and tokens for each case."""
    d = tmp_path_factory.mktemp("serve")
    pr = Proctor(d / "proctor.db")
    (d / "home/.ssh").mkdir(parents=True)
    (d / "home/.ssh/id_rsa").write_text("not a key\n")
    (d / "bin").mkdir()
    subprocess.run(["cp", "/bin/true", str(d / "bin/blk")], check=True)
    (d / "p.yaml").write_text('exec:\n  deny:\n    - argv: ["blk", "**"]\n      name: r-block\n')
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    port = srv.getsockname()[1]

    def serve_once():
        c, _ = srv.accept()
        c.recv(100)
        c.sendall(b"x" * 50)
        c.close()
    t = threading.Thread(target=serve_once, daemon=True)
    t.start()
    loop = ("import os\nfor i in range(12000):\n    try: open('/nonexistent/f%d' % i)\n"
            "    except OSError: pass\n")
    net = (f"import socket; s = socket.create_connection(('127.0.0.1', {port}));"
           " s.sendall(b'y' * 100); s.recv(50); s.close()")
    script = (f"cat {d}/home/.ssh/id_rsa > /dev/null; {d}/bin/blk; {PY} -c \"{net}\"; "
              f"{PY} -c \"{loop}\"")
    p = pr.run(["/bin/sh", "-c", script], "--project", "shop", "--agent", "claude",
               "--policy", str(d / "p.yaml"), "--flow-idle", "1s", "--grace", "1s", timeout=180)
    assert p.returncode == 0, p.stderr
    t.join(10)
    srv.close()
    p = pr.run(["/bin/cat", "/etc/hostname"], "--project", "bank")
    assert p.returncode == 0, p.stderr
    shop, bank = [s["session"] for s in pr.sessions()]
    tok = {}
    for name, args in (("shop", ["--project", "shop", "--read"]),
                       ("bank", ["--project", "bank", "--read"]),
                       ("admin", ["--all-projects", "--admin"]),
                       ("revoked", ["--project", "shop", "--read"])):
        r = pr.cli("token", "create", *args, check=True)
        tok[name] = r.stdout.strip()
        assert tok[name].startswith("pct_") and len(tok[name]) == 52
    ids = [json.loads(l)["id"] for l in pr.cli("token", "list", "--json", check=True)
           .stdout.splitlines()]
    pr.cli("token", "revoke", ids[3], check=True)
    server = Server(pr.db)
    yield dict(pr=pr, shop=shop, bank=bank, tok=tok, srv=server, dir=d, token_ids=ids)
    server.stop()


def test_healthz_needs_no_token(lab):
    assert lab["srv"].json("/healthz") == {"status": "ok"}


def test_tokens_are_stored_hashed_and_admin_actions_recorded(lab):
    with open(lab["pr"].db, "rb") as f:
        raw = f.read()
    for t in lab["tok"].values():
        assert t.encode() not in raw and t[4:].encode() not in raw
    listed = [json.loads(l) for l in lab["pr"].cli("token", "list", "--json", check=True)
              .stdout.splitlines()]
    assert [(t["scope"], t["projects"], t["revoked"] is not None) for t in listed] == [
        ("read", ["shop"], False), ("read", ["bank"], False), ("admin", None, False),
        ("read", ["shop"], True)]
    audit = lab["srv"].json("/api/v1/audit", lab["tok"]["admin"])["audit"]
    assert [(a["action"], a["detail"]["token"]) for a in audit] == [
        ("token.create", i) for i in lab["token_ids"]] + [("token.revoke", lab["token_ids"][3])]
    assert all(a["actor"] == "cli:root" for a in audit)
    st, body, _ = lab["srv"].get("/api/v1/audit", lab["tok"]["shop"])
    assert (st, json.loads(body)) == (403, {"error": "needs an admin token"})


def test_token_cli_bad_input(lab):
    pr = lab["pr"]
    for args in (["create", "--read"], ["create", "--project", "a"],
                 ["create", "--project", "a", "--all-projects", "--read"],
                 ["create", "--project", "a", "--read", "--admin"], ["revoke"], ["frob"]):
        r = pr.cli("token", *args)
        assert r.returncode == 2, (args, r.stderr)
        assert r.stdout == ""
    r = pr.cli("token", "revoke", "0123456789abcdef")
    assert r.returncode == 1 and "no live token with id '0123456789abcdef'" in r.stderr


def endpoints(s):
    base = f"/api/v1/sessions/{s}"
    return [base, base + "/events", base + "/tree", base + "/flows", base + "/violations"]


def test_auth_matrix(lab):
    srv, tok, shop, bank = lab["srv"], lab["tok"], lab["shop"], lab["bank"]
    for path in ["/api/v1/sessions", "/api/v1/audit"] + endpoints(shop):
        for t in (None, "pct_" + "0" * 48, "garbage", tok["revoked"]):
            st, body, r = srv.get(path, t)
            assert (st, json.loads(body)) == (401, UNAUTH), (path, t)
            assert r.getheader("WWW-Authenticate") == "Bearer"
        st, body, _ = srv.get(path, tok["bank"])
        if path.startswith("/api/v1/sessions/"):
            # Another project's session is exactly as absent as an unknown one.
            assert (st, json.loads(body)) == (404, NOSESSION), path
            st2, body2, _ = srv.get(path.replace(shop, "20991231T000000-000000"), tok["bank"])
            assert (st2, body2) == (st, body)
        assert shop.encode() not in body
    got = srv.json("/api/v1/sessions", tok["bank"])["sessions"]
    assert [s["session"] for s in got] == [bank]
    got = srv.json("/api/v1/sessions", tok["shop"])["sessions"]
    assert [s["session"] for s in got] == [shop]
    got = srv.json("/api/v1/sessions", tok["admin"])["sessions"]
    assert [s["session"] for s in got] == [shop, bank]
    # A project filter cannot widen a token's scope.
    assert srv.json("/api/v1/sessions?project=shop", tok["bank"]) == {"sessions": []}


def test_sessions_and_filters(lab):
    srv, adm, shop, bank = lab["srv"], lab["tok"]["admin"], lab["shop"], lab["bank"]
    s = srv.json(f"/api/v1/sessions/{shop}", adm)
    want = [x for x in lab["pr"].sessions() if x["session"] == shop][0]
    assert s == dict(want, status="ended")
    assert (s["project"], s["agent"], s["exit.code"]) == ("shop", "claude", 0)

    def ids(q):
        return [x["session"] for x in srv.json("/api/v1/sessions?" + q, adm)["sessions"]]
    assert ids("project=bank") == [bank]
    assert ids("agent=claude") == [shop]
    assert ids("status=ended") == [shop, bank]
    assert ids("status=live") == []
    assert ids("since=" + want["end"]) == [shop, bank]  # overlapping the shop end
    assert ids("until=" + want["start"]) == []
    assert ids("until=2099-01-01T00:00:00Z&project=shop") == [shop]
    for q, msg in (("status=dead", "status: expected live, ended or crashed"),
                   ("since=yesterday", "since: expected RFC 3339 time or nanoseconds since the epoch"),
                   ("colour=red", "unknown query parameter 'colour'")):
        st, body, _ = srv.get("/api/v1/sessions?" + q, adm)
        assert (st, json.loads(body)) == (400, {"error": msg}), q


def all_pages(srv, tok, path, limit):
    out, cursor, pages = [], None, 0
    while True:
        q = f"{path}{'&' if '?' in path else '?'}limit={limit}"
        if cursor:
            q += "&cursor=" + cursor
        page = srv.json(q, tok)
        assert page["limit"] == limit
        out += page["events"]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            return out, pages
        assert len(page["events"]) == limit


def key(e):
    return json.dumps(e, sort_keys=True)


def test_events_pagination_over_10k(lab):
    srv, tok, shop = lab["srv"], lab["tok"]["shop"], lab["shop"]
    want = lab["pr"].events(shop)
    assert len(want) > 12000
    got, pages = all_pages(srv, tok, f"/api/v1/sessions/{shop}/events", 1000)
    assert pages == len(want) // 1000 + 1
    assert sorted(map(key, got)) == sorted(map(key, want))
    assert len({key(e) for e in got}) == len(got)
    assert [e["time"] for e in got] == sorted(e["time"] for e in got)
    # Huge limits are capped at 1000 (docs/API.md); no limit gives 100.
    page = srv.json(f"/api/v1/sessions/{shop}/events?limit=99999999", tok)
    assert (page["limit"], len(page["events"])) == (1000, 1000)
    page = srv.json(f"/api/v1/sessions/{shop}/events", tok)
    assert (page["limit"], len(page["events"])) == (100, 100)


def test_events_filters(lab):
    srv, tok, shop = lab["srv"], lab["tok"]["shop"], lab["shop"]
    want = lab["pr"].events(shop)
    base = f"/api/v1/sessions/{shop}/events?"

    def got(q):
        return all_pages(srv, tok, base + q, 1000)[0]
    procs = [e for e in want if e["type"].startswith("process.")]
    assert sorted(map(key, got("type=process."))) == sorted(map(key, procs))
    assert {e["type"] for e in got("type=process.")} == {"process.exec", "process.fork",
                                                         "process.exit"}
    cat = [e for e in of_type(want, "process.exec") if e["process.name"] == "cat"][0]
    mine = [e for e in want if e["process.pid"] == cat["process.pid"]]
    assert sorted(map(key, got(f"pid={cat['process.pid']}"))) == sorted(map(key, mine))
    ssh = got(urllib.parse.urlencode({"path": "*/.ssh/*", "type": "file.open"}))
    assert [e["file.path"] for e in ssh] == [f"{lab['dir']}/home/.ssh/id_rsa"]
    nonexist = got("path=" + urllib.parse.quote("/nonexistent/f1*"))
    assert sorted(e["file.path"] for e in nonexist) == sorted(
        f"/nonexistent/f{i}" for i in range(12000) if str(i).startswith("1"))
    flows = srv.json(f"/api/v1/sessions/{shop}/flows", tok)["events"]
    assert [(f["network.peer.address"], f["flow.bytes_out"], f["flow.bytes_in"], f["verdict"])
            for f in flows] == [("127.0.0.1", 100, 50, "ALLOWED")]
    assert got("host=127.0.0.1&type=net.flow") == flows
    viol = srv.json(f"/api/v1/sessions/{shop}/violations", tok)["events"]
    assert [(v["policy.rule"], v["policy.verdict"]) for v in viol] == [("r-block", "blocked")]
    mid = want[len(want) // 2]["time"]
    later = got("since=" + urllib.parse.quote(mid))
    earlier = got("until=" + urllib.parse.quote(mid))
    assert len(later) + len(earlier) == len(want)
    assert all(e["time"] >= mid for e in later) and all(e["time"] < mid for e in earlier)


def test_tree_has_the_real_processes_and_notes(lab):
    srv, tok, shop = lab["srv"], lab["tok"]["shop"], lab["shop"]
    tree = srv.json(f"/api/v1/sessions/{shop}/tree", tok)["processes"]
    comms = {p["comm"] for p in tree}
    assert {"sh", "cat", "python3"} <= comms
    root = tree[0]
    assert (root["comm"], root["argv"][0], root["exit.code"]) == ("sh", "/bin/sh", 0)
    cat = [p for p in tree if p["comm"] == "cat"][0]
    assert f"SENSITIVE READ: {lab['dir']}/home/.ssh/id_rsa" in cat["notes"]
    assert all(p["ppid"] in {q["pid"] for q in tree} for p in tree[1:])


def test_tree_time_range_keeps_the_processes_alive_in_it(lab):
    """since/until keep the processes whose life [start, end] meets
    [since, until): cat (the sensitive read) ends before the last python3
    starts, so since= that start drops cat and keeps sh (alive to the end);
    until= cat's start keeps only what started before it. Notes stay the
    whole life's counts."""
    srv, tok, shop = lab["srv"], lab["tok"]["shop"], lab["shop"]
    base = f"/api/v1/sessions/{shop}/tree"
    full = srv.json(base, tok)["processes"]
    assert all("end" in p for p in full)  # an ended session: every exit seen
    cat = [p for p in full if p["comm"] == "cat"][0]
    last = full[-1]
    assert (last["comm"], cat["end"] < last["start"]) == ("python3", True)

    def tree(q):
        return srv.json(base + "?" + q, tok)["processes"]

    def overlap(since, until):
        return [p for p in full if (not until or p["start"] < until) and
                (not since or p["end"] >= since)]
    q = urllib.parse.quote
    later = tree("since=" + q(last["start"]))
    assert [p["pid"] for p in later] == [full[0]["pid"], last["pid"]]
    assert [p["comm"] for p in later] == ["sh", "python3"]
    assert later == overlap(last["start"], None)
    earlier = tree("until=" + q(cat["start"]))
    assert cat not in earlier and earlier == overlap(None, cat["start"])
    assert [p["comm"] for p in earlier] == ["sh"]
    during = tree(f"since={q(cat['start'])}&until={q(cat['end'])}")
    assert cat in during and last not in during
    assert during == overlap(cat["start"], cat["end"])
    assert [p for p in during if p["pid"] == cat["pid"]][0]["notes"] == cat["notes"]
    assert tree("since=2099-01-01T00:00:00Z") == []
    for qs, msg in (("since=yesterday", "since: expected RFC 3339 time or nanoseconds since the epoch"),
                    ("until=-5", "until: expected RFC 3339 time or nanoseconds since the epoch"),
                    ("pid=1", "unknown query parameter 'pid'")):
        st, body, _ = srv.get(base + "?" + qs, tok)
        assert (st, json.loads(body)) == (400, {"error": msg}), qs
    bank = lab["bank"]
    st, body, _ = srv.get(f"/api/v1/sessions/{bank}/tree?since=1", tok)
    assert (st, json.loads(body)) == (404, NOSESSION)


def test_bad_requests_get_json_errors(lab):
    srv, tok, shop = lab["srv"], lab["tok"]["shop"], lab["shop"]
    base = f"/api/v1/sessions/{shop}/events?"
    for q, msg in (("pid=abc", "pid: expected a non-negative integer"),
                   ("pid=-1", "pid: expected a non-negative integer"),
                   ("limit=1e9", "limit: expected a non-negative integer"),
                   ("cursor=abc", "cursor: not a cursor from next_cursor"),
                   ("cursor=1_2_3", "cursor: not a cursor from next_cursor"),
                   ("until=2026-13-45T99:00:00Z", "until: expected RFC 3339 time or nanoseconds since the epoch"),
                   ("typo=1", "unknown query parameter 'typo'")):
        st, body, _ = srv.get(base + q, tok)
        assert (st, json.loads(body)) == (400, {"error": msg}), q
    st, body, _ = srv.get(base + "path=" + "a" * 3000, tok)
    assert (st, json.loads(body)) == (414, {"error": "query string longer than 2048 bytes"})
    for path in ("/api/v1/nope", "/api/v2/sessions", f"/api/v1/sessions/{shop}/nope",
                 "/api/v1/sessions/", "/api/v1/sessions/a b"):
        st, body, _ = srv.get(path.replace(" ", "%20"), tok)
        assert (st, json.loads(body)) == (404, {"error": "not found"}), path
    assert srv.get("/api/v1/sessions/20991231T000000-000000/events", tok)[:2] == (
        404, json.dumps(NOSESSION, separators=(",", ":")).encode() + b"\n")
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    c.request("POST", "/api/v1/sessions", body="{}", headers={"Authorization": "Bearer " + tok})
    r = c.getresponse()
    assert (r.status, json.loads(r.read())) == (405, {"error": "method POST not allowed"})
    # A request line far beyond any limit is refused and the server lives on.
    st, _, _ = srv.get("/api/v1/sessions?x=" + "a" * 200000, tok)
    assert 400 <= st < 500
    assert srv.json("/healthz") == {"status": "ok"}


def raw_get(port, path):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    s.close()
    return data


def test_path_traversal(lab):
    port = lab["srv"].port
    for path in ("/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                 "/api/v1/../../../etc/passwd", "/api/v1/sessions/..%2f..%2f..%2fetc%2fpasswd",
                 "/api/v1/sessions/../../etc/passwd/tree", "/assets/..%2f..%2fetc/passwd",
                 "//etc/passwd", "/api/v1/sessions/%00/tree"):
        data = raw_get(port, path)
        assert data.startswith(b"HTTP/1.1 4"), (path, data[:200])
        assert b"root:" not in data, path


def test_sse_tails_a_live_session(lab, tmp_path):
    pr, srv, tok = lab["pr"], lab["srv"], lab["tok"]["shop"]
    go = tmp_path / "go"
    script = (f"while [ ! -e {go} ]; do sleep 0.05; done; "
              "for i in 1 2 3; do /bin/echo tick$i > /dev/null; done")
    runner = subprocess.Popen([PROCTOR, "run", "--db", pr.db, "--project", "shop", "--",
                               "/bin/sh", "-c", script],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        live = []
        for _ in range(200):
            live = srv.json("/api/v1/sessions?status=live", tok)["sessions"]
            if live:
                break
            time.sleep(0.1)
        assert len(live) == 1, live
        sid = live[0]["session"]
        assert srv.json(f"/api/v1/sessions?status=live", lab["tok"]["bank"]) == {"sessions": []}
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        c.request("GET", f"/api/v1/sessions/{sid}/events/stream",
                  headers={"Authorization": "Bearer " + tok})
        r = c.getresponse()
        assert r.status == 200 and r.getheader("Content-Type") == "text/event-stream"
        go.write_text("")
        events, ended = [], False
        deadline = time.time() + 60
        buf = b""
        while not ended and time.time() < deadline:
            line = r.readline()
            if not line:
                break
            buf += line
            if line == b"\n":
                block = buf.decode()
                buf = b""
                if block.startswith("event: end"):
                    ended = True
                for l in block.splitlines():
                    if l.startswith("data: ") and not block.startswith("event:"):
                        events.append(json.loads(l[6:]))
        c.close()
        assert ended
        echoes = [e["process.command_args"] for e in of_type(events, "process.exec")
                  if e["process.name"] == "echo"]
        assert echoes == [["/bin/echo", "tick1"], ["/bin/echo", "tick2"], ["/bin/echo", "tick3"]]
        assert all(e["session"] == sid for e in events)
        assert of_type(events, "process.exit")
    finally:
        go.write_text("")
        runner.wait(timeout=60)
    assert runner.returncode == 0, runner.stderr.read()
    assert srv.json(f"/api/v1/sessions/{sid}", tok)["status"] == "ended"
    # the tail is every event stored after the stream opened, in store
    # order: none skipped, even one stored after a later-timed one
    stored = pr.events(sid)
    assert events and stored[-len(events):] == events


def test_slowloris_and_200_concurrent(lab):
    srv, tok = lab["srv"], lab["tok"]["shop"]
    n = len(srv.json("/api/v1/sessions", tok)["sessions"])
    slow = []
    for _ in range(40):  # each sends a partial request line and then stalls
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
        s.sendall(b"GET /api/v1/sessions HTTP/1.1\r\nHost: x\r\nX-a: ")
        slow.append(s)
    t0 = time.time()
    assert srv.json("/api/v1/sessions", tok)["sessions"]  # served despite the stalled ones
    assert time.time() - t0 < 5
    results = []

    def one():
        try:
            st, body, _ = srv.get("/api/v1/sessions", tok)
            results.append((st, len(json.loads(body)["sessions"])))
        except Exception as e:  # noqa: BLE001 (recorded, asserted below)
            results.append(("error", str(e)))
    threads = [threading.Thread(target=one) for _ in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results.count((200, n)) == 200, [r for r in results if r != (200, n)][:5]
    # The stalled clients are cut off after the 10 s idle timeout.
    closed = 0
    for s in slow:
        s.settimeout(30)
        try:
            closed += s.recv(100) == b""
        except ConnectionResetError:
            closed += 1
        s.close()
    assert closed == 40
    assert time.time() - t0 < 40
    assert srv.json("/healthz") == {"status": "ok"}


def test_corrupt_store_is_503_not_a_crash(tmp_path):
    db = tmp_path / "bad.db"
    db.write_bytes(b"this is not a database" * 1000)
    s = Server(str(db))
    try:
        assert s.get("/healthz")[:2] == (503, b'{"error":"store unavailable"}\n')
        st, body, _ = s.get("/api/v1/sessions", "pct_" + "0" * 48)
        assert st == 503 and json.loads(body)["error"].startswith("store unavailable: ")
    finally:
        s.stop()


def test_listen_off_loopback_needs_tls(lab, tmp_path):
    db = lab["pr"].db
    r = run([PROCTOR, "serve", "--db", db, "--listen", f"0.0.0.0:{free_port()}"], timeout=20)
    assert r.returncode == 2 and "is not a loopback address" in r.stderr
    for bad in ("nohost", "127.0.0.1:0", "127.0.0.1:99999", ":80"):
        r = run([PROCTOR, "serve", "--db", db, "--listen", bad], timeout=20)
        assert r.returncode == 2 and "expected HOST:PORT" in r.stderr, bad
    s = Server(db, "--insecure-http", listen=None)
    s.stop()
    port = free_port()
    p = subprocess.Popen([PROCTOR, "serve", "--db", db, "--listen", f"0.0.0.0:{port}",
                          "--insecure-http"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    assert "listening on http://0.0.0.0:" in p.stdout.readline()
    p.terminate()
    assert p.wait(20) == 0 and "warning: serving plain HTTP" in p.stderr.read()
    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "1", "-subj", "/CN=localhost"], check=True)
    s = Server.__new__(Server)
    s.port = free_port()
    s.p = subprocess.Popen([PROCTOR, "serve", "--db", db, "--listen", f"0.0.0.0:{s.port}",
                            "--tls-cert", str(cert), "--tls-key", str(key)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert "listening on https://0.0.0.0:" in s.p.stdout.readline()
    try:
        st, body, _ = s.get("/api/v1/sessions", lab["tok"]["bank"], tls=True)
        assert st == 200 and [x["session"] for x in json.loads(body)["sessions"]] == [lab["bank"]]
    finally:
        s.stop()


def test_report_html_and_md(lab):
    """`proctor report` on the real shop session: both formats parse and hold
    the tree, the sensitive read, the egress and the violation."""
    import xml.etree.ElementTree as ET
    pr, shop, d = lab["pr"], lab["shop"], lab["dir"]
    key_path = f"{d}/home/.ssh/id_rsa"
    r = pr.cli("report", shop, "--format", "html", check=True)
    n = [s for s in pr.sessions() if s["session"] == shop][0]["processes"]
    assert f"report: process tree ({n} processes)" in r.stderr and r.stderr.endswith("report: done\n")
    assert r.stdout.startswith("<!DOCTYPE html>\n")
    doc = ET.fromstring(r.stdout.split("\n", 1)[1])  # well-formed: parses as XML
    assert not doc.findall(".//script") and not doc.findall(".//link")  # self-contained
    h2 = [h.text for h in doc.iter("h2")]
    assert h2 == ["Summary", "Process tree", "Secrets and sensitive files", "Egress by destination",
                  "Escapes and privilege changes", "Policy violations", "LLM calls", "Timeline"]
    items = ["".join(li.itertext()) for li in doc.iter("li")]
    assert any(i.startswith(f"cat {key_path}  [pid ") for i in items)
    assert any(i.startswith(f"{d}/bin/blk  [pid ") and "killed by SIGKILL" in i for i in items)
    assert f"SENSITIVE READ: {key_path}" in items
    rows = [["".join(td.itertext()) for td in tr.findall("td")] for tr in doc.iter("tr")]
    assert [r_[1:] for r_ in rows if len(r_) == 3 and r_[1] == key_path] == [[key_path, "1"]]
    egress = [r_ for r_ in rows if len(r_) == 5]
    assert len(egress) == 1 and egress[0][0].startswith("127.0.0.1:")
    assert egress[0][1:] == ["ALLOWED", "1", "100 B", "50 B"]
    assert [r_[2:] for r_ in rows if len(r_) == 4 and r_[2] == "policy.violation"] == [
        ["policy.violation", "r-block: blocked"]]
    svg = doc.find(".//{http://www.w3.org/2000/svg}svg")
    assert len(svg.findall("{http://www.w3.org/2000/svg}rect")) == min(n, 60)
    assert len(svg.findall("{http://www.w3.org/2000/svg}circle")) == 1  # the violation

    r = pr.cli("report", shop, "--format", "md", check=True)
    lines = r.stdout.splitlines()
    assert lines[0] == f"# proctor incident report: {shop}"
    assert [l[3:] for l in lines if l.startswith("## ")] == h2
    for i, l in enumerate(lines):  # every table row has its header's column count
        if l.startswith("|") and (i == 0 or not lines[i - 1].startswith("|")):
            cols = l.count(" |")
            j = i
            while j < len(lines) and lines[j].startswith("|"):
                assert lines[j].replace("\\|", "").count("|") == cols + 1, lines[j]
                j += 1
    esc = key_path.replace("_", "\\_")
    assert any(l.lstrip().startswith(f"- `cat {key_path}`  \\[pid ") for l in lines)
    assert f"    - SENSITIVE READ: {esc}" in lines
    assert any(l.startswith("| ") and f"| {esc} | 1 |" in l for l in lines)

    for args, rc, msg in ((["--format", "pdf"], 2, "--format must be html or md, not 'pdf'"),
                          (["nosuchsession"], 1, "no session matches 'nosuchsession'")):
        r = pr.cli("report", *args)
        assert (r.returncode, r.stdout) == (rc, "") and msg in r.stderr, r.stderr
