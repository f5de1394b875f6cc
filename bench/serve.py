#!/usr/bin/env python3
"""bench/serve.py: `proctor serve` and `proctor report` on a 1M-event session
(issue 14 §5; a benchmark, not a test). Records one real session, writes it
again through proctor's writer (bench/gen_store.c: times and pids shifted per
copy) until the session holds BENCH_SERVE_EVENTS (default 1,000,000), then times the first page of each
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
GEN = os.path.join(ROOT, "build/bench/gen_store")
TARGET = int(os.environ.get("BENCH_SERVE_EVENTS", "1000000"))
REPS = 5


def build_store(d):
    """A real session (a credential read, a failed open, a connect) as the
    template, then bench/gen_store writes it again through proctor's own
    writer (chain, packing, per-process counters) until it holds TARGET
    events, each copy later and with its own pids."""
    tdb, db = os.path.join(d, "template.db"), os.path.join(d, "proctor.db")
    home = os.path.join(d, "home")
    os.makedirs(os.path.join(home, ".ssh"))
    with open(os.path.join(home, ".ssh/id_rsa"), "w") as f:
        f.write("not a key\n")
    script = (f"cat /etc/hostname >/dev/null; cat {home}/.ssh/id_rsa >/dev/null; "
              "cat /nonexistent 2>/dev/null; ls / >/dev/null; "
              "/usr/bin/python3 -c \"import socket; socket.getaddrinfo('localhost', 80)\"")
    subprocess.run([PROCTOR, "run", "--db", tdb, "--project", "bench", "--", "/bin/sh", "-c",
                    script], check=True, capture_output=True)
    sid = sqlite3.connect(tdb).execute("SELECT id FROM sessions").fetchone()[0]
    subprocess.run(["make", "-s", "-C", ROOT, "build/bench/gen_store"], check=True)
    out = subprocess.run([GEN, tdb, sid, db, str(TARGET)], check=True, capture_output=True,
                         text=True).stdout.strip()
    print(f"gen_store: {out}")
    n = sqlite3.connect(db).execute("SELECT events FROM sessions WHERE id = ?",
                                    (sid,)).fetchone()[0]
    return db, sid, n, int(out.split(" events/s")[0].split()[-1])


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
    db, sid, n, rate = build_store(d)
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
        "llm (none in this session)": f"{base}/llm",
        "tree": f"{base}/tree",
        "sessions": "sessions",
        "sessions?status=crashed": "sessions?status=crashed",
    }
    mid = json.loads(get(f"{base}/events?limit=1"))["events"][0]["time"][:19] + "Z"
    cases["since=mid-session"] = f"{base}/events?since={mid}"
    res = {"events": n, "writer events/s (gen_store)": rate}
    for name, path in cases.items():
        res[name] = round(timed(lambda: get(path)), 1)
    srv.terminate()
    srv.wait()
    for name, args in (("log --json", ["log", sid, "--json"]), ("log (text)", ["log", sid])):
        t = time.perf_counter()
        subprocess.run([PROCTOR, *args, "--db", db], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        res[name] = round((time.perf_counter() - t) * 1000, 1)
    res["tree (CLI)"] = round(timed(lambda: subprocess.run(
        [PROCTOR, "tree", sid, "--db", db], check=True, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)), 1)
    res["log --json rows/s"] = round(n / (res["log --json"] / 1000))
    for fmt in ("html", "md"):
        t = time.perf_counter()
        subprocess.run([PROCTOR, "report", sid, "--db", db, "--format", fmt], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        res[f"report --format {fmt}"] = round((time.perf_counter() - t) * 1000, 1)
    width = max(map(len, res))
    print(f"proctor serve on a {n}-event session (best of {REPS}, ms):")
    for k, v in res.items():
        if k in ("log --json rows/s", "writer events/s (gen_store)"):
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
