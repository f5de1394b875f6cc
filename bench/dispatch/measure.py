#!/usr/bin/python3
"""measure.py ROUNDS CMD...: extra cost per syscall of an untracked process
while CMD (proctor run ..., or the floor loader) is attached. Each round runs
`ol` bare, starts CMD, waits for it to report ready ("attached" or proctor -v's
"load+attach took"), runs `ol` again and stops CMD. A round counts only if no
other syscall hook (another proctor, another floor) was attached during either
run: the machine may be shared. With --any, rounds count regardless and the
median of the per-round differences is reported as well (hooks that stay
attached across a round cancel out). Prints medians, in ns per syscall."""
import json
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OL = os.path.join(HERE, "..", "..", "build", "bench", "dispatch", "ol")
LOG = "/tmp/proctor-dispatch-cmd.log"
NAMES = ("sys_enter_dispatch", "sys_exit_dispatch", "floor_enter", "floor_exit")


def prog_ids(pid):
    ids = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fdinfo")
    except OSError:
        return ids
    for fd in fds:
        try:
            m = re.search(r"prog_id:\s*(\d+)", open(f"/proc/{pid}/fdinfo/{fd}").read())
        except OSError:
            continue
        if m:
            ids.add(int(m.group(1)))
    return ids


def hooks():
    out = subprocess.run(["bpftool", "prog", "show", "-j"], capture_output=True, text=True)
    return [p for p in json.loads(out.stdout or "[]") if p.get("name") in NAMES]


def foreign(mine=None):
    if ANY:
        return 0
    own = prog_ids(mine) if mine else set()
    return sum(1 for p in hooks() if p["id"] not in own)


ANY = False


def wait_quiet(mine=None, timeout=120):
    if ANY:
        return True
    t0 = time.time()
    while foreign(mine):
        if time.time() - t0 > timeout:
            return False
        time.sleep(0.5)
    return True


def run_ol(n=200000):
    w, c = map(int, subprocess.run([OL, str(n)], capture_output=True, text=True).stdout.split())
    return w / (3 * n), c / (3 * n)


def start(cmd):
    log = open(LOG, "w")
    p = subprocess.Popen(cmd, stdout=log, stderr=log)
    for _ in range(300):
        time.sleep(0.1)
        text = open(LOG).read()
        if "attached" in text or "load+attach took" in text:
            break
    time.sleep(0.5)
    return p


def main():
    global ANY
    args = sys.argv[1:]
    if args[0] == "--any":
        ANY = True
        args = args[1:]
    rounds, cmd = int(args[0]), args[1:]
    bare, hooked = [], []
    for i in range(rounds):
        if not wait_quiet():
            continue
        b = run_ol()
        if foreign():
            continue
        p = start(cmd)
        ok = wait_quiet(p.pid, 30)
        w = run_ol()
        ok = ok and not foreign(p.pid)
        p.terminate()
        p.wait()
        if not ok:
            print(f"round {i}: another hook was attached, dropped", file=sys.stderr)
            continue
        bare.append(b)
        hooked.append(w)
        print(f"round {i}: bare wall {b[0]:.1f} cpu {b[1]:.1f}, hooked wall {w[0]:.1f} "
              f"cpu {w[1]:.1f} ns/syscall", file=sys.stderr)
    if not bare:
        sys.exit("no clean round")
    mb = [statistics.median(x[k] for x in bare) for k in (0, 1)]
    mh = [statistics.median(x[k] for x in hooked) for k in (0, 1)]
    print(f"rounds={len(bare)} median ns/syscall: bare wall {mb[0]:.1f} cpu {mb[1]:.1f}; "
          f"hooked wall {mh[0]:.1f} cpu {mh[1]:.1f}; extra wall {mh[0] - mb[0]:.1f} "
          f"cpu {mh[1] - mb[1]:.1f}")
    d = [statistics.median(h[k] - b[k] for b, h in zip(bare, hooked)) for k in (0, 1)]
    print(f"median per-round extra: wall {d[0]:.1f} cpu {d[1]:.1f}")


if __name__ == "__main__":
    main()
