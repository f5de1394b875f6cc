"""test_daemon_serve.py: the daemon serves the HTTP API when its config has
`serve:` (docs/DAEMON.md): a session recorded through the daemon is listed
with a token of its project, nothing without one; a bad `serve:` is refused
at start with FILE:LINE:COL and exit 2."""
import json
import socket
import subprocess
import urllib.error
import urllib.request

from conftest import PROCTOR
from test_daemon import Daemon


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(port, path, token=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_daemon_serves_the_api_by_config(tmp_path):
    port = free_port()
    cfg = tmp_path / "daemon.yaml"
    cfg.write_text(f"serve:\n  listen: 127.0.0.1:{port}\n")
    d = Daemon(tmp_path, "--config", str(cfg)).start()
    try:
        p = d.run(["sh", "-c", "cat /etc/hostname >/dev/null"], "--daemon", "--project", "shop")
        assert p.returncode == 0, p.stderr
        sid = d.store().last_session()["session"]
        tok = subprocess.run([PROCTOR, "token", "create", "--db", d.db, "--project", "shop",
                              "--read"], capture_output=True, text=True, check=True)
        token = tok.stdout.strip().splitlines()[0]
        other = subprocess.run([PROCTOR, "token", "create", "--db", d.db, "--project", "bank",
                                "--read"], capture_output=True, text=True, check=True)
        st, body = get(port, "/api/v1/sessions", token)
        assert st == 200
        assert [s["session"] for s in body["sessions"]] == [sid]
        assert body["sessions"][0]["project"] == "shop"
        st, body = get(port, f"/api/v1/sessions/{sid}/tree", token)
        assert st == 200 and any(pr["comm"] == "cat" for pr in body["processes"])
        assert get(port, "/api/v1/sessions")[0] == 401
        st, body = get(port, "/api/v1/sessions", other.stdout.strip().splitlines()[0])
        assert (st, body["sessions"]) == (200, [])
        assert get(port, f"/api/v1/sessions/{sid}", other.stdout.strip().splitlines()[0])[0] == 404
    finally:
        d.stop()
        d.remove_pins()
    assert d.p.returncode == 0


def test_daemon_refuses_a_bad_serve_key(tmp_path):
    cfg = tmp_path / "daemon.yaml"
    cfg.write_text("serve:\n  listen: 127.0.0.1:7070\n  tls_cert: /x.pem\n")
    r = subprocess.run([PROCTOR, "daemon", "--config", str(cfg), "--socket",
                        str(tmp_path / "s.sock"), "--db", str(tmp_path / "d.db")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert f"{cfg}:2:3: 'serve' needs both 'tls_cert' and 'tls_key', or neither" in r.stderr
    assert not (tmp_path / "d.db").exists()
