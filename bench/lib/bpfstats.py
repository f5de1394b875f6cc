#!/usr/bin/python3
"""bpfstats.py BEFORE AFTER IDS: per-program run_cnt / run_time_ns deltas
between two `bpftool prog show -j` snapshots, for the program ids listed in
IDS ("prog_id: N" lines from /proc/<proctor>/fdinfo/*: the programs of ONE
proctor instance; others may be running on the machine).
Prints a JSON list [{name, run_cnt, run_time_ns, ns_per_run}]."""
import json
import sys


def progs(path, owner):
    return {p["id"]: p for p in json.load(open(path)) if p["id"] in owner}


before, after = sys.argv[1], sys.argv[2]
owner = {int(l.split(":")[1]) for l in open(sys.argv[3]) if l.startswith("prog_id:")}
b, a = progs(before, owner), progs(after, owner)
res = []
for pid, p in sorted(a.items(), key=lambda kv: kv[1].get("name", "")):
    q = b.get(pid, {})
    cnt = p.get("run_cnt", 0) - q.get("run_cnt", 0)
    ns = p.get("run_time_ns", 0) - q.get("run_time_ns", 0)
    res.append({"name": p.get("name", "?"), "run_cnt": cnt, "run_time_ns": ns,
                "ns_per_run": ns / cnt if cnt else None})
json.dump(res, sys.stdout)
