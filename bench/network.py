"""bench/network.py: per-event kernel cost of the network family's BPF
programs (kernel.bpf_stats_enabled run_time_ns / run_cnt), for a tracked
workload (inside a proctor session) and an untracked one (same machine,
outside the session, while the session runs). Usage (root):
    /usr/bin/python3 bench/network.py [N] [POLICY.yaml]
Workload per run: N TCP connect+send+close to a local server, N UDP
sendto() with an address, N DNS-sized UDP packets to port 53."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROCTOR = os.path.join(ROOT, "build", "proctor")
N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
PARTS = os.environ.get("PARTS", "tcp,udp,dns").split(",")
POLICY = ["--policy", sys.argv[2]] if len(sys.argv) > 2 else []

WORK = f"""
import socket, sys
n = {N}
for i in range(n if "tcp" in {PARTS!r} else 0):
    s = socket.create_connection(("127.0.0.1", 39999)); s.sendall(b"x" * 100); s.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n if "udp" in {PARTS!r} else 0):
    u.sendto(b"y" * 100, ("127.0.0.1", 39998))
q = b"\\x12\\x34\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x04test\\x00\\x00\\x01\\x00\\x01"
for i in range(n if "dns" in {PARTS!r} else 0):
    u.sendto(q, ("127.0.0.1", 53))
"""


def server():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 39999))
    s.listen(512)
    while True:
        c, _ = s.accept()
        c.close()


def my_prog_ids(pid):
    """BPF programs held by process pid (other proctor instances may run)."""
    ids = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                for line in f:
                    if line.startswith("prog_id:"):
                        ids.add(int(line.split()[1]))
        except OSError:
            pass
    return ids


IDS = set()


def stats():
    out = json.loads(subprocess.run(["bpftool", "prog", "show", "-j"], capture_output=True,
                                    text=True).stdout)
    return {p.get("name"): (p.get("run_time_ns", 0), p.get("run_cnt", 0)) for p in out
            if p["id"] in IDS}


def delta(a, b):
    res = {}
    for k, (t, c) in b.items():
        t0, c0 = a.get(k, (0, 0))
        if c - c0 > 0:
            res[k] = (t - t0, c - c0)
    return res


def show(title, d):
    print(f"\n{title}")
    for k, (t, c) in sorted(d.items()):
        print(f"  {k:28s} {c:8d} runs  {t / c:8.0f} ns/run")


def main():
    threading.Thread(target=server, daemon=True).start()
    subprocess.run(["sysctl", "-q", "kernel.bpf_stats_enabled=1"], check=True)
    db = tempfile.mktemp(suffix=".db")
    flag = tempfile.mktemp()
    # a session that idles until the flag exists; the tracked workload runs in it
    prog = f"import os, time\nopen('{flag}.r', 'w').close()\n" \
        f"while not os.path.exists('{flag}.g'): time.sleep(0.01)\n" + WORK + \
        f"\nopen('{flag}.t', 'w').close()\n" \
        f"while not os.path.exists('{flag}'): time.sleep(0.05)\n"
    sess = subprocess.Popen([PROCTOR, "run", "--db", db, "--grace", "1s", *POLICY, "--", "/usr/bin/python3",
                             "-c", prog], stderr=subprocess.PIPE, text=True)
    t0 = time.time()
    while not os.path.exists(flag + ".r"):
        time.sleep(0.01)
    IDS.update(my_prog_ids(sess.pid))
    before = stats()
    open(flag + ".g", "w").close()
    t1 = time.monotonic()
    while not os.path.exists(flag + ".t"):
        time.sleep(0.001)
    wall_tracked = time.monotonic() - t1
    tracked = delta(before, stats())
    before = stats()
    t1 = time.monotonic()
    subprocess.run(["/usr/bin/python3", "-c", WORK], check=True)
    wall_untracked = time.monotonic() - t1
    untracked = delta(before, stats())
    open(flag, "w").close()
    err = sess.communicate()[1]
    subprocess.run(["sysctl", "-q", "kernel.bpf_stats_enabled=0"])
    print(f"workload: {N} TCP connects, {N} UDP sendto, {N} DNS packets; {time.time() - t0:.1f}s")
    print(f"wall clock: tracked {wall_tracked:.2f}s, untracked {wall_untracked:.2f}s "
          f"(untracked includes python start-up, ~0.05s); per operation "
          f"{(wall_tracked - wall_untracked) / (3 * N) * 1e6:+.1f} us")
    print("(tail-called programs are accounted to the dispatcher that called them:\n"
          " sys_exit_dispatch includes tail_net_*)")
    show("tracked (inside the session):", tracked)
    show("untracked (same machine, outside the session; cgroup programs are not attached there):",
         untracked)
    # The dispatcher runs for every syscall on the machine; the tracked window
    # also holds other processes' syscalls. Estimate the cost of a tracked
    # network syscall (tail program included) over the untracked average.
    hooked = 5 * N + 1  # socket, connect, sendto(data), sendto(udp), sendto(dns)
    t, c = tracked.get("sys_exit_dispatch", (0, 0))
    ut, uc = untracked.get("sys_exit_dispatch", (0, 1))
    if c > hooked:
        est = (t - ut / uc * (c - hooked)) / hooked
        print(f"\nestimated sys_exit cost of a tracked network syscall (dispatch + tail): "
              f"{est:.0f} ns (untracked syscall: {ut / uc:.0f} ns)")
    print("\n" + "\n".join(l for l in err.splitlines() if "drops" in l or "egress:" in l))
    for x in ("", ".t", ".r", ".g"):
        os.unlink(flag + x)


main()
