#!/usr/bin/python3
"""security_cost.py: per-syscall kernel cost of proctor's syscall dispatcher
plus the security family's tail programs, tracked vs untracked.

Run as root: `bench/security_cost.py` builds secbench, then runs itself
inside `proctor run` (--inner). Inside, for each syscall pattern it runs
secbench N times in the session cgroup (tracked) and moved to the root
cgroup (untracked), reading run_time_ns/run_cnt of the sys_enter/sys_exit
dispatchers (stats enabled with BPF_ENABLE_STATS) before and after. Tail calls run
inside the dispatcher, so its time includes the family programs. Other
processes' syscalls during a run add noise; N is large to drown it."""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PROCTOR = os.path.join(ROOT, "build", "proctor")
BENCH = "/tmp/proctor-secbench"
OPS = [("getppid", 300000), ("prctl", 300000), ("mmap_rw", 200000),
       ("mmap_rx_anon", 200000), ("mprotect_rx_anon", 300000), ("ptrace_peek", 300000),
       ("setuid", 1000), ("exec", 1000)]


def cgroup_root():
    with open("/proc/mounts") as f:
        for line in f:
            dev, mnt, fs = line.split()[:3]
            if fs == "cgroup2":
                return mnt
    raise SystemExit("no cgroup2 mount")


_our_btf = []


def our_btf_id():
    """BTF id of our proctor instance's object. Other instances (other
    sessions, other builds) may be loaded on this host: ours is the one whose
    tracked_cgroups map holds the cgroup we run in."""
    if _our_btf:
        return _our_btf[0]
    with open("/proc/self/cgroup") as f:
        rel = [l.split(":", 2)[2].strip() for l in f if l.startswith("0::")][0]
    cg = os.stat(cgroup_root() + rel).st_ino
    key = [str(b) for b in cg.to_bytes(8, "little")]
    maps = json.loads(subprocess.run(["bpftool", "map", "show", "-j"], capture_output=True,
                                     text=True, check=True).stdout)
    progs = json.loads(subprocess.run(["bpftool", "prog", "show", "-j"], capture_output=True,
                                      text=True, check=True).stdout)
    for m in maps:
        if m.get("name") != "tracked_cgroups":
            continue
        r = subprocess.run(["bpftool", "map", "lookup", "id", str(m["id"]), "key", *key],
                           capture_output=True, text=True)
        if r.returncode != 0:
            continue
        for p in progs:
            if m["id"] in p.get("map_ids", []) and p.get("name", "").startswith("tail_sec"):
                _our_btf.append(p["btf_id"])
                return p["btf_id"]
    raise SystemExit("cannot find our proctor instance's programs")


def stats():
    """Run-time counters of our instance's dispatchers and tracepoint programs."""
    out = subprocess.run(["bpftool", "prog", "show", "-j"], capture_output=True, text=True,
                         check=True).stdout
    btf = our_btf_id()
    res = {}
    for p in json.loads(out):
        name = p.get("name", "")
        if p.get("btf_id") != btf:
            continue
        if name.startswith("sys_enter_disp") or name.startswith("sys_exit_dispa"):
            key = "enter" if "enter" in name else "exit"
            res[key] = (p.get("run_time_ns", 0), p.get("run_cnt", 0))
        elif name in ("handle_exec", "handle_exit"):  # the one exec / exit program (all families)
            res[name] = (p.get("run_time_ns", 0), p.get("run_cnt", 0))
    return res


def measure(op, n, tracked):
    """Raw counter deltas of one run: {prog: (dtime_ns, dcount)}."""
    pre = None if tracked else (lambda: open(os.path.join(cgroup_root(), "cgroup.procs"), "w")
                                .write(str(os.getpid())))
    s0 = stats()
    subprocess.run([BENCH, op, str(n)], check=False, preexec_fn=pre)
    s1 = stats()
    return {k: (s1[k][0] - s0[k][0], s1[k][1] - s0[k][1]) for k in s1 if k in s0}


def per_op(d, n, base):
    """ns per bench iteration: time beyond the other syscalls of the host
    in the window (counted at the baseline per-run cost), over n."""
    dt, dc = d
    return (dt - max(dc - n, 0) * base) / n


def per_run(d):
    return d[0] / d[1] if d[1] else 0.0


def median_of(op, n, tracked, runs=5):
    ms = [measure(op, n, tracked) for _ in range(runs)]
    if os.environ.get("SECBENCH_DEBUG"):
        print(op, tracked, ms, file=sys.stderr)
    return ms


def med(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def enable_stats():
    """BPF_ENABLE_STATS: run-time stats on while the returned fd is open. Unlike
    the kernel.bpf_stats_enabled sysctl it is reference-counted, so other
    users of this host toggling the sysctl neither disturb us nor are
    disturbed."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    attr = (ctypes.c_uint32 * 4)(0)  # type = BPF_STATS_RUN_TIME
    fd = libc.syscall(321, 32, attr, 16)
    if fd < 0:
        raise SystemExit(f"BPF_ENABLE_STATS failed: errno {ctypes.get_errno()}")
    return fd


def inner():
    stats_fd = enable_stats()  # noqa: F841 (held until exit)
    only = os.environ.get("SECBENCH_OPS")
    base = None
    print("median of 5 runs; ns per syscall (enter + exit dispatcher, tail programs included)")
    print(f"{'syscall pattern':18} {'N':>7}  {'untracked':>9}  {'tracked':>9}  {'family, tracked':>15}")
    for op, n in OPS:
        if only and op not in only.split(",") and op != "getppid":
            continue
        t = median_of(op, n, True)
        u = median_of(op, n, False)
        if op == "getppid":  # no family hooks getppid: the dispatcher alone
            base = {k: med(per_run(m[k]) for m in u) for k in ("enter", "exit")}
        if op == "exec":
            for k in ("handle_exec", "handle_exit"):
                print(f"{k} (tp_btf): untracked {med(per_run(m[k]) for m in u):.1f} ns, "
                      f"tracked {med(per_run(m[k]) for m in t):.1f} ns per run")
            continue
        cu = sum(med(per_op(m[k], n, base[k]) for m in u) for k in ("enter", "exit"))
        ct = sum(med(per_op(m[k], n, base[k]) for m in t) for k in ("enter", "exit"))
        print(f"{op:18} {n:>7}  {cu:>9.1f}  {ct:>9.1f}  {ct - base['enter'] - base['exit']:>15.1f}")


def main():
    if "--inner" in sys.argv:
        inner()
        return
    subprocess.run(["gcc", "-O2", "-o", BENCH, os.path.join(HERE, "secbench.c")], check=True)
    subprocess.run([PROCTOR, "run", "--db", "/tmp/proctor-secbench.db", "--grace", "0s", "--",
                    sys.executable, os.path.abspath(__file__), "--inner"], check=True)


if __name__ == "__main__":
    main()
