"""test_daemon_scale.py: many sessions on one daemon (PR_MAX_SESSIONS, the
session table's key index): 200 idle sessions registered at once through
the control socket, each its own cgroup and session; an event of the last
one registered is attributed to it, not to any other; all of them end when
their clients hang up."""
import json
import socket
import subprocess
import time

from test_daemon import Daemon, recv, send

N = 200


def test_200_concurrent_idle_sessions(tmp_path):
    marker = tmp_path / "marker"
    marker.write_text("x")
    d = Daemon(tmp_path).start()
    kids, socks, ids = [], [], []
    try:
        for i in range(N):
            # idle until told: one line on stdin, then one open, then idle again
            k = subprocess.Popen(["sh", "-c", f"read x; cat {marker} >/dev/null; sleep 600"],
                                 stdin=subprocess.PIPE)
            kids.append(k)
            s = socket.socket(socket.AF_UNIX)
            s.connect(d.sock)
            socks.append(s)
            send(s, {"op": "hello", "version": 1, "proctor": "test"})
            assert recv(s)["ok"]
            send(s, {"op": "session.begin", "agent": f"a{i}", "project": "scale", "user": "root",
                     "argv": ["sh", "-c", "idle"], "pid": k.pid})
            r = recv(s)
            assert r["ok"], (i, r)
            ids.append(r["session"])
        st = json.loads(d.cli("status", "--json", check=True).stdout)
        live = {x["id"] for x in st["sessions"]}
        assert set(ids) <= live and len(ids) == len(set(ids)) == N
        kids[-1].stdin.write(b"go\n")
        kids[-1].stdin.flush()
        deadline = time.time() + 30
        while True:
            ev = [e for e in d.store().events(ids[-1]) if e["type"] == "file.open"
                  and e["file.path"] == str(marker)]
            if ev or time.time() > deadline:
                break
            time.sleep(0.3)
        assert len(ev) == 1 and (ev[0]["agent"], ev[0]["session"]) == (f"a{N - 1}", ids[-1])
    finally:
        for k in kids:
            k.kill()
            k.wait()
        for s in socks:
            s.close()
    deadline = time.time() + 60
    while time.time() < deadline:
        st = json.loads(d.cli("status", "--json", check=True).stdout)
        if not set(ids) & {x["id"] for x in st["sessions"]}:
            break
        time.sleep(0.5)
    d.stop()
    sessions = {s["session"]: s for s in d.store().sessions()}
    assert set(ids) <= set(sessions)
    assert all(sessions[i]["end"] for i in ids)
    for i in (0, 1, N // 2, N - 2):  # its neighbours in the table recorded no open of it
        assert not [e for e in d.store().events(ids[i])
                    if e["type"] == "file.open" and e["file.path"] == str(marker)], i
