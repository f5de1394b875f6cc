#!/usr/bin/python3
"""stats.py ROUNDS CMD...: ns per run of CMD's syscall hooks (the dispatchers,
or the floor pair) from kernel BPF stats while `ol` runs. Turns
kernel.bpf_stats_enabled on for the measurement and restores it after. The
stats themselves cost two clock reads per run: compare with the floor pair.
STATS_LOOP="ioctl" (or "kill", "getppid") runs sl with that mode instead of ol."""
import json
import os
import statistics
import subprocess
import sys

from measure import NAMES, OL, prog_ids, start

STATS = "/proc/sys/kernel/bpf_stats_enabled"


def snap(own):
    out = subprocess.run(["bpftool", "prog", "show", "-j"], capture_output=True, text=True)
    return {p["name"]: (p.get("run_time_ns", 0), p.get("run_cnt", 0))
            for p in json.loads(out.stdout) if p["id"] in own and p["name"] in NAMES}


def main():
    rounds, cmd = int(sys.argv[1]), sys.argv[2:]
    old = open(STATS).read().strip()
    res = {}
    try:
        open(STATS, "w").write("1")
        for i in range(rounds):
            p = start(cmd)
            own = prog_ids(p.pid)
            a = snap(own)
            mode = os.environ.get("STATS_LOOP")
            loop = [os.path.join(os.path.dirname(OL), "sl"), mode, "400000"] if mode else [OL, "200000"]
            subprocess.run(loop, capture_output=True, check=True)
            b = snap(own)
            p.terminate()
            p.wait()
            for k in b:
                res.setdefault(k, []).append((b[k][0] - a[k][0]) / max(1, b[k][1] - a[k][1]))
            print(f"round {i}: " + ", ".join(f"{k} {res[k][-1]:.1f}" for k in sorted(b)),
                  file=sys.stderr)
    finally:
        open(STATS, "w").write(old)
    print("median ns/run: " + ", ".join(f"{k} {statistics.median(v):.1f}"
                                        for k, v in sorted(res.items())))


if __name__ == "__main__":
    main()
