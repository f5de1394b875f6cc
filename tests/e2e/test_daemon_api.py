"""test_daemon_api.py: `proctor daemon --api ADDR` serves the same /api/v1
as `proctor serve` from the daemon's store: a live session of the daemon is
listed and readable while it runs, with the same token rules (no token: 401;
another project's token: 404 with the same body as a session that does not
exist); and bad --api input is refused before anything loads."""
import json
import subprocess
import time

from conftest import PROCTOR, run
from test_daemon import Daemon
from test_serve import NOSESSION, UNAUTH, free_port


def get(port, path, token=None):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    c.request("GET", path, headers={"Authorization": "Bearer " + token} if token else {})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, json.loads(body) if body else None


def test_daemon_serves_live_sessions_with_token_rules(tmp_path):
    port = free_port()
    d = Daemon(tmp_path).start("--api", f"127.0.0.1:{port}")
    try:
        pr = d.store()
        tok = {p: pr.cli("token", "create", "--project", p, "--read", check=True).stdout.strip()
               for p in ("shop", "bank")}
        assert get(port, "/healthz") == (200, {"status": "ok"})
        marker = tmp_path / "marker"
        marker.write_text("x")
        gate = tmp_path / "gate"
        client = subprocess.Popen(
            [PROCTOR, "run", "--daemon", "--project", "shop", "--agent", "claude", "--",
             "sh", "-c", f"cat {marker} >/dev/null; while [ ! -e {gate} ]; do sleep 0.05; done"],
            env=d.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            live, deadline = [], time.monotonic() + 30
            while not live and time.monotonic() < deadline:
                st, body = get(port, "/api/v1/sessions?status=live", tok["shop"])
                assert st == 200, body
                live = body["sessions"]
                time.sleep(0.1)
            assert len(live) == 1, live
            s = live[0]
            sid = s["session"]
            assert (s["status"], s["project"], s["agent"], s["end"], s["exit.code"]) == (
                "live", "shop", "claude", None, None)
            # the live session's events, as they are written
            opens, deadline = [], time.monotonic() + 30
            while not opens and time.monotonic() < deadline:
                st, body = get(port, f"/api/v1/sessions/{sid}/events?type=file.open"
                               f"&path={marker}", tok["shop"])
                assert st == 200, body
                opens = body["events"]
                time.sleep(0.1)
            assert [e["file.path"] for e in opens] == [str(marker)]
            assert opens[0]["session"] == sid
            # the same token rules as proctor serve
            assert get(port, "/api/v1/sessions") == (401, UNAUTH)
            assert get(port, f"/api/v1/sessions/{sid}", "pct_" + "0" * 48) == (401, UNAUTH)
            assert get(port, f"/api/v1/sessions/{sid}", tok["bank"]) == (404, NOSESSION)
            assert get(port, f"/api/v1/sessions/{sid}/events", tok["bank"]) == (404, NOSESSION)
            assert get(port, "/api/v1/sessions?status=live", tok["bank"]) == (
                200, {"sessions": []})
        finally:
            gate.write_text("")
            out, err = client.communicate(timeout=60)
        assert client.returncode == 0, err
        st, one = get(port, f"/api/v1/sessions/{sid}", tok["shop"])
        assert st == 200 and one["status"] == "ended" and one["exit.code"] == 0, one
        # the API's object is the one `proctor sessions --json` prints, plus status
        cli = [x for x in pr.sessions() if x["session"] == sid][0]
        assert {k: v for k, v in one.items() if k != "status"} == cli
    finally:
        d.stop()


def test_bad_api_options_are_refused(tmp_path):
    sock = str(tmp_path / "s.sock")
    db = str(tmp_path / "d.db")
    for opts, msg in (
            (["--api", "10.9.8.7:7070"], "--api 10.9.8.7:7070 is not a loopback address: give "
                                         "--api-tls-cert and --api-tls-key"),
            (["--api", "nonsense"], "--api nonsense: expected HOST:PORT"),
            (["--api", "127.0.0.1:0"], "--api 127.0.0.1:0: expected HOST:PORT"),
            (["--api", "127.0.0.1:7070", "--api-tls-cert", "/x.pem"],
             "TLS needs both --api-tls-cert and --api-tls-key"),
            (["--api-tls-cert", "/x.pem", "--api-tls-key", "/y.pem"], "need --api ADDR"),
            (["--api", "127.0.0.1:7070", "--db", "none", "--jsonl", "-"], "it needs one")):
        p = run([PROCTOR, "daemon", "--socket", sock, "--db", db, *opts], timeout=30)
        assert p.returncode == 2 and msg in p.stderr, (opts, p.returncode, p.stderr)
    # a port already taken: a set-up failure, with the address
    s = __import__("socket").socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    port = s.getsockname()[1]
    try:
        p = run([PROCTOR, "daemon", "--socket", sock, "--db", db, "--pin-dir",
                 "/sys/fs/bpf/proctor-test-" + tmp_path.name, "--api", f"127.0.0.1:{port}"],
                timeout=60)
        assert p.returncode == 3 and f"--api 127.0.0.1:{port}: cannot listen" in p.stderr, \
            p.stderr
    finally:
        s.close()
