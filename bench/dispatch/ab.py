#!/usr/bin/python3
"""ab.py ROUNDS A B: before/after cost of two proctor builds (A, B: paths of
their `proctor` binaries) for processes proctor does NOT track, interleaved
A/B/B/A... in one run. In each round, for each build in turn (order alternated
from round to round): the loops run bare, the build is started
(`proctor -v run -- sleep`, which loads and attaches everything and tracks
only the sleep), the same loops run again outside its session, the build is
stopped. The extra ns per syscall of a round is hooked minus the bare run just
before it, so drifting background load cancels out. Loops: open+read+close
(ol), ioctl FIONREAD and kill(getpid(), 0) (sl: the hot syscalls the ioctl
and signal hooks sit on), getppid (no hook: the dispatcher floor) and
fork+exec+wait (exec_loop). Other engineers' proctors may be attached all the
while: they slow bare and hooked alike, and `uptime` is printed each round.
Prints, per loop and build, the median extra wall and CPU ns per syscall and
B - A."""
import os
import statistics
import subprocess
import sys
import time

from measure import LOG

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(HERE, "..", "..", "build", "bench")
LOOPS = [
    ("open", [os.path.join(BUILD, "dispatch", "ol"), "200000"], 3 * 200000),
    ("ioctl", [os.path.join(BUILD, "dispatch", "sl"), "ioctl", "400000"], 400000),
    ("kill", [os.path.join(BUILD, "dispatch", "sl"), "kill", "400000"], 400000),
    ("getppid", [os.path.join(BUILD, "dispatch", "sl"), "getppid", "400000"], 400000),
    ("exec", None, 4 * 300),
]


def run_loop(cmd, nsys):
    if cmd is None:  # exec_loop reports its own wall time; CPU from the children's rusage
        r0 = os.times()
        t0 = time.monotonic_ns()
        subprocess.run([os.path.join(BUILD, "exec_loop"), "300"], check=True,
                       capture_output=True)
        w = time.monotonic_ns() - t0
        r1 = os.times()
        c = ((r1.children_user + r1.children_system) -
             (r0.children_user + r0.children_system)) * 1e9
        return w / nsys, c / nsys
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]) / nsys, int(out[1]) / nsys


def run_all():
    return {name: run_loop(cmd, n) for name, cmd, n in LOOPS}


def start(cmd):
    """Starts cmd and waits (up to 180 s: verification is slow under load)
    for it to report that everything is attached."""
    log = open(LOG, "w")
    p = subprocess.Popen(cmd, stdout=log, stderr=log)
    for _ in range(1800):
        time.sleep(0.1)
        if "load+attach took" in open(LOG).read():
            time.sleep(0.5)
            return p
        if p.poll() is not None:
            break
    p.kill()
    sys.exit(f"{cmd[0]} did not attach:\n{open(LOG).read()[-2000:]}")


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main():
    rounds, builds = int(sys.argv[1]), {"A": sys.argv[2], "B": sys.argv[3]}
    extra = {b: {name: [] for name, _, _ in LOOPS} for b in builds}
    print(f"A = {builds['A']}\nB = {builds['B']}\nstart: {uptime()}", flush=True)
    for r in range(rounds):
        order = ["A", "B"] if r % 2 == 0 else ["B", "A"]
        for b in order:
            bare = run_all()
            p = start([builds[b], "-v", "run", "--db", f"/tmp/proctor-ab-{b}.db", "--",
                       "sleep", "600"])
            hooked = run_all()
            p.terminate()
            p.wait()
            for name in bare:
                extra[b][name].append((hooked[name][0] - bare[name][0],
                                       hooked[name][1] - bare[name][1]))
            print(f"round {r} {b}: " + ", ".join(
                f"{n} +{hooked[n][0] - bare[n][0]:.0f}/{hooked[n][1] - bare[n][1]:.0f}"
                for n in bare) + " ns wall/cpu per syscall", flush=True)
        print(f"  {uptime()}", flush=True)
    print("\nmedian extra ns per syscall of an untracked process (wall / cpu), "
          f"{rounds} rounds:")
    print(f"{'loop':8} {'A wall':>8} {'A cpu':>8} {'B wall':>8} {'B cpu':>8} "
          f"{'B-A wall':>9} {'B-A cpu':>8}")
    for name, _, _ in LOOPS:
        m = {b: [statistics.median(x[k] for x in extra[b][name]) for k in (0, 1)]
             for b in builds}
        print(f"{name:8} {m['A'][0]:8.1f} {m['A'][1]:8.1f} {m['B'][0]:8.1f} {m['B'][1]:8.1f} "
              f"{m['B'][0] - m['A'][0]:9.1f} {m['B'][1] - m['A'][1]:8.1f}")
    print(f"end: {uptime()}")


if __name__ == "__main__":
    main()
