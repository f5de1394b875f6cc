"""test_daemon_healthz.py: the daemon's /healthz (docs/DAEMON.md): 200
{"status":"ok"} when healthy; 503 with a JSON reason when a sink's spool is
past --healthz-spool-mb or the ring buffer lost events in the last minute."""
import json
import os
import signal
import socket
import subprocess
import time
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


def healthz(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def wait_unhealthy(port, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        code, body = healthz(port)
        if code != 200:
            return code, body
        time.sleep(0.2)
    return code, body


def metrics_daemon(tmp_path, *opts):
    port = free_port()
    return Daemon(tmp_path, "--metrics", f"127.0.0.1:{port}", *opts).start(), port


def test_healthz_ok(tmp_path):
    d, port = metrics_daemon(tmp_path)
    try:
        assert d.run(["true"], "--daemon").returncode == 0
        assert healthz(port) == (200, {"status": "ok"})
    finally:
        d.stop()
        d.remove_pins()


def test_healthz_503_when_a_spool_is_past_the_threshold(tmp_path):
    d, port = metrics_daemon(tmp_path, "--healthz-spool-mb", "0", "--export",
                             f"webhook://127.0.0.1:{free_port()}/x?drain=100ms")
    try:
        assert healthz(port)[0] == 200  # nothing spooled yet
        assert d.run(["sh", "-c", "cat /etc/hostname >/dev/null"], "--daemon").returncode == 0
        code, body = wait_unhealthy(port)
        assert code == 503 and body["status"] == "unhealthy"
        assert "its spool holds" in body["reason"] and "past the threshold of 0" in body["reason"]
    finally:
        d.stop()
        d.remove_pins()


def test_healthz_503_when_the_ring_lost_events_in_the_last_minute(tmp_path):
    d, port = metrics_daemon(tmp_path, "--ringbuf-mb", "1")
    go, done = tmp_path / "go", tmp_path / "done"
    try:
        # execs make many distinct records (repeated opens are aggregated)
        c = subprocess.Popen([PROCTOR, "run", "--daemon", "--", "sh", "-c",
                              f"while [ ! -e {go} ]; do sleep 0.05; done; "
                              f"for i in $(seq 3000); do /bin/true; done; : >{done}"],
                             env=d.env, stderr=subprocess.PIPE, text=True)
        time.sleep(1)
        assert healthz(port) == (200, {"status": "ok"})
        d.p.send_signal(signal.SIGSTOP)  # nobody reads: a 1 MiB ring overflows
        go.write_text("")
        end = time.time() + 120
        while not done.exists() and time.time() < end:
            time.sleep(0.1)
        d.p.send_signal(signal.SIGCONT)
        c.wait(timeout=120)
        assert c.returncode == 0
        assert "events were lost" in c.stderr.read()
        code, body = wait_unhealthy(port)
        assert code == 503
        assert body["reason"].startswith("the ring buffer lost events in the last minute (")
    finally:
        d.p.send_signal(signal.SIGCONT)
        d.stop()
        d.remove_pins()
