#!/usr/bin/env python3
"""bench/serve.py: `proctor serve` and `proctor report` on a 1M-event session
(issue 14 §5; a benchmark, not a test). Records one real session, copies its
events (times shifted, same pids, types and paths) until the session holds
BENCH_SERVE_EVENTS (default 1,000,000), then times the first page of each
filter, the tree, flows, and `proctor report` in both formats. Targets:
first page <= 200 ms, tree <= 500 ms, report <= 10 s; `proctor log`
streams >= 500k rows/s (issue 15 §5).
  sudo python3 bench/serve.py [--keep DIR]   (writes bench/results/serve.json)"""
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROCTOR = os.environ.get("PROCTOR", os.path.join(ROOT, "build/proctor"))
TARGET = int(os.environ.get("BENCH_SERVE_EVENTS", "1000000"))
REPS = 5


def build_store(d):
    db = os.path.join(d, "proctor.db")
    script = ("cat /etc/hostname >/dev/null; ls / >/dev/null; "
              "/usr/bin/python3 -c \"import socket; socket.getaddrinfo('localhost', 80)\"")
    subprocess.run([PROCTOR, "run", "--db", db, "--project", "bench", "--", "/bin/sh", "-c",
                    script], check=True, capture_output=True)
    c = sqlite3.connect(db)
    sid, n = c.execute("SELECT session, count(*) FROM events GROUP BY session").fetchone()
    span = c.execute("SELECT max(time_ns) - min(time_ns) + 1000 FROM events").fetchone()[0]
    k = 1
    v2 = c.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == "2"
    while n < TARGET:
        if v2:  # copy the packed rows as the writer stores them (schema v2)
            c.execute("INSERT INTO event_rows(sid, time_ns, type, pid, path, summary, data, ctx,"
                      " shape) SELECT sid, time_ns + ?1, type, pid, path, summary, data, ctx,"
                      " shape FROM event_rows WHERE sid = (SELECT n FROM session_ids"
                      " WHERE id = ?2) LIMIT ?3", (span * k, sid, TARGET - n))
        else:
            c.execute("INSERT INTO events(session, time_ns, type, pid, path, summary, data)"
                      " SELECT session, time_ns + ?1, type, pid, path, summary, data FROM events"
                      " WHERE session = ?2 LIMIT ?3", (span * k, sid, TARGET - n))
        n = c.execute("SELECT count(*) FROM events WHERE session = ?", (sid,)).fetchone()[0]
        k *= 2
        span *= 1
    c.execute("UPDATE sessions SET events = ? WHERE id = ?", (n, sid))
    c.commit()
    c.close()
    return db, sid, n


def timed(f):
    best = None
    for _ in range(REPS):
        t = time.perf_counter()
        f()
        dt = time.perf_counter() - t
        best = dt if best is None or dt < best else best
    return best * 1000


def main():
    d = tempfile.mkdtemp(prefix="proctor-bench-serve-")
    db, sid, n = build_store(d)
    tok = subprocess.run([PROCTOR, "token", "create", "--db", db, "--all-projects", "--read"],
                         check=True, capture_output=True, text=True).stdout.strip()
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    srv = subprocess.Popen([PROCTOR, "serve", "--db", db, "--listen", f"127.0.0.1:{port}"],
                           stdout=subprocess.PIPE, text=True)
    srv.stdout.readline()
    pid = sqlite3.connect(db).execute("SELECT pid FROM events WHERE session=? AND type="
                                      "'process.exec' LIMIT 1 OFFSET 1", (sid,)).fetchone()[0]

    def get(path):
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/{path}",
                                     headers={"Authorization": "Bearer " + tok})
        with urllib.request.urlopen(req) as r:
            return r.read()
    base = f"sessions/{sid}"
    cases = {
        "events, first page (100)": f"{base}/events",
        "events, first page (1000)": f"{base}/events?limit=1000",
        "type=file.": f"{base}/events?type=file.",
        "type=process.exec": f"{base}/events?type=process.exec",
        "type=net.flow (rare)": f"{base}/flows",
        f"pid={pid}": f"{base}/events?pid={pid}",
        "path=/etc/*": f"{base}/events?path=/etc/*",
        "host=localhost": f"{base}/events?host=localhost",
        "since=mid-session": None,
        "tree": f"{base}/tree",
        "sessions": "sessions",
    }
    mid = json.loads(get(f"{base}/events?limit=1"))["events"][0]["time"][:19] + "Z"
    cases["since=mid-session"] = f"{base}/events?since={mid}"
    res = {"events": n}
    for name, path in cases.items():
        res[name] = round(timed(lambda: get(path)), 1)
    srv.terminate()
    srv.wait()
    for name, args in (("log --json", ["log", sid, "--json"]), ("log (text)", ["log", sid]),
                       ("tree (CLI)", ["tree", sid])):
        t = time.perf_counter()
        subprocess.run([PROCTOR, *args, "--db", db], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        res[name] = round((time.perf_counter() - t) * 1000, 1)
    res["log --json rows/s"] = round(n / (res["log --json"] / 1000))
    for fmt in ("html", "md"):
        t = time.perf_counter()
        subprocess.run([PROCTOR, "report", sid, "--db", db, "--format", fmt], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        res[f"report --format {fmt}"] = round((time.perf_counter() - t) * 1000, 1)
    width = max(map(len, res))
    print(f"proctor serve on a {n}-event session (best of {REPS}, ms):")
    for k, v in res.items():
        if k == "log --json rows/s":
            print(f"  {k:<{width}}  {v:>9}")
        elif k != "events":
            print(f"  {k:<{width}}  {v:>9.1f}")
    os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench/results/serve.json"), "w") as f:
        json.dump(res, f, indent=1)
    if "--keep" not in sys.argv:
        subprocess.run(["rm", "-rf", d])


if __name__ == "__main__":
    main()
