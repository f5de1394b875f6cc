#!/usr/bin/python3
"""report.py: turns one bench run (raw trial lines + kernel-cost + pipeline +
machine JSON) into OUT/latest.{md,json} and OUT/STAMP.{md,json}.

Per workload x config: n, median, min, max, IQR of the workload's own wall time
(measured by timeit inside the configuration), the overhead as the ratio of
the config's median to bare's median, and the median (min..max) of the per-
round paired ratios (config / bare of the same round), which is less sensitive
to drift in background load because the trials of one round run back to back."""
import argparse
import json
import os
import statistics

WORKLOADS = ["exec", "open", "connect", "git", "make", "findgrep", "agent"]
WL_TITLE = {"exec": "exec loop", "open": "open loop", "connect": "connect loop",
            "git": "git", "make": "make -j2", "findgrep": "find + grep",
            "agent": "agent replay"}
CONFIGS = ["bare", "proctor_sqlite", "proctor_jsonl", "base_sqlite", "base_jsonl", "auditd",
           "bpftrace"]
CFG_TITLE = {"bare": "bare", "proctor_sqlite": "proctor (SQLite)",
             "proctor_jsonl": "proctor (JSONL)", "base_sqlite": "base proctor (SQLite)",
             "base_jsonl": "base proctor (JSONL)", "auditd": "auditd", "bpftrace": "bpftrace"}
# design targets from issue 6 (informational, never asserted)
ROWS = []
TARGETS = {"exec": 1.10, "open": 1.30, "git": 1.01, "make": 1.01, "findgrep": 1.01,
           "agent": 1.01}


def quantile(xs, q):
    xs = sorted(xs)
    if len(xs) == 1:
        return xs[0]
    pos = (len(xs) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def load(path, default):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def aggregate(rows):
    cells = {}
    by = {}
    for r in rows:
        by.setdefault((r["workload"], r["config"]), []).append(r)
    for (w, c), rs in by.items():
        ok = [r for r in rs if r["ok"]]
        secs = [r["seconds"] for r in ok]
        cell = {"workload": w, "config": c, "n": len(secs), "failed": len(rs) - len(ok),
                "foreign_trials": sum(1 for r in ok if r.get("foreign")),
                "notes": sorted({r["note"] for r in rs if r["note"]})[:3]}
        if secs:
            cell.update(median=statistics.median(secs), min=min(secs), max=max(secs),
                        q1=quantile(secs, .25), q3=quantile(secs, .75),
                        outer_median=statistics.median(r["outer_seconds"] for r in ok))
            ev = [r["events"] for r in ok if r["events"] is not None]
            dr = [r["drops"] for r in ok if r["drops"] is not None]
            cpu = [r["cpu_seconds"] for r in ok if r.get("cpu_seconds")]
            if cpu:
                cell.update(cpu_median=statistics.median(cpu), cpu_min=min(cpu),
                            cpu_max=max(cpu))
            cell["events_median"] = statistics.median(ev) if ev else None
            cell["drops_max"] = max(dr) if dr else None
            cell["samples"] = secs
        cells[(w, c)] = cell
    # ratios against bare
    for (w, c), cell in cells.items():
        bare = cells.get((w, "bare"))
        if not bare or "median" not in bare or "median" not in cell:
            continue
        cell["ratio"] = cell["median"] / bare["median"]
        bare_round = {r["round"]: r["seconds"] for r in rows
                      if r["workload"] == w and r["config"] == "bare" and r["ok"]}
        paired = [r["seconds"] / bare_round[r["round"]] for r in rows
                  if r["workload"] == w and r["config"] == c and r["ok"]
                  and bare_round.get(r["round"])]
        if paired:
            cell["paired_ratio_median"] = statistics.median(paired)
            cell["paired_ratio_min"] = min(paired)
            cell["paired_ratio_max"] = max(paired)
        if cell.get("cpu_median") and bare.get("cpu_median"):
            cell["cpu_ratio"] = cell["cpu_median"] / bare["cpu_median"]
            bare_cpu = {r["round"]: r.get("cpu_seconds") for r in rows
                        if r["workload"] == w and r["config"] == "bare" and r["ok"]}
            pc = [r["cpu_seconds"] / bare_cpu[r["round"]] for r in rows
                  if r["workload"] == w and r["config"] == c and r["ok"]
                  and r.get("cpu_seconds") and bare_cpu.get(r["round"])]
            if pc:
                cell["cpu_paired_ratio_median"] = statistics.median(pc)
                cell["cpu_paired_ratio_min"] = min(pc)
                cell["cpu_paired_ratio_max"] = max(pc)
    return cells


def fmt_s(x):
    if x is None:
        return "–"
    return "%.3f s" % x if x < 10 else "%.1f s" % x


def proctor_stats(p):
    """' (sink write W ms, max M ms/batch; ring high water H KiB)' from the
    numbers `proctor -v run` printed for a pipeline step, '' without them."""
    if not isinstance(p, dict) or not p.get("sinks"):
        return ""
    w = "; ".join("%s write %.0f ms, max %.0f ms/batch" % (k, v["write_ms"], v["max_batch_ms"])
                  for k, v in p["sinks"].items())
    if "rb_high_water_kib" in p:
        w += "; ring high water %s KiB, drain %.0f ms" % (p["rb_high_water_kib"],
                                                          p.get("drain_ms", 0))
    return " (%s)" % w


def best_sustained(s):
    """The highest events/s among the steps that were sustained (zero drops,
    sink caught up): the bisection assumes monotonic steps, load noise does not."""
    secs = float(s.get("seconds") or 8)
    ok = [st for st in s.get("steps", []) if st.get("drops") == 0
          and (st.get("lag_ms") or 0) <= max(500, 100 * secs)]
    if not ok:
        return
    best = max(ok, key=lambda st: st.get("eps") or 0)
    try:
        prev = float(s.get("max_zero_drop_eps"))
    except (TypeError, ValueError):
        prev = None
    if prev is None or best["eps"] > prev:
        s["bisection_eps"] = s.get("max_zero_drop_eps")
        s["max_zero_drop_eps"] = best["eps"]
        s["at_double"] = "(2× the bisection's rate) " + str(s.get("at_double", "–"))
        s["note"] = ((s.get("note") or "") + "; " if s.get("note") else "") + \
            "best sustained step; the bisection ended at %s events/s (steps are noisy)" % (
                s["bisection_eps"])


def targets(cells, kcost, pipe):
    """Issue 6's design targets vs this run: [(target, measured, verdict)]."""
    rows = []

    def verdict(ok, n=None):
        if ok is None:
            return "not measured"
        v = "met" if ok else "missed"
        return v + (" (n<3, indicative)" if n is not None and n < 3 else "")

    for w in ["git", "make", "findgrep", "agent", "exec", "open"]:
        lim = TARGETS[w]
        for c in ("proctor_sqlite", "proctor_jsonl"):
            cell = cells.get((w, c), {})
            r = cell.get("paired_ratio_median", cell.get("ratio"))
            cr = cell.get("cpu_paired_ratio_median")
            rows.append(("%s, %s: ≤ ×%.2f" % (WL_TITLE[w], CFG_TITLE[c], lim),
                         ("×%.3f" % r if r is not None else "–") +
                         (" (CPU ×%.3f)" % cr if cr is not None else ""),
                         verdict(None if r is None else r <= lim, cell.get("n"))))
    for w in WORKLOADS:
        mine = cells.get((w, "proctor_sqlite"), {}).get("paired_ratio_median")
        peers = {c: cells.get((w, c), {}).get("paired_ratio_median") for c in ("auditd", "bpftrace")}
        peers = {c: r for c, r in peers.items() if r is not None}
        if mine is None or not peers:
            continue
        best = min(peers, key=peers.get)

        def half(c):
            x = cells.get((w, c), {})
            return (x.get("paired_ratio_max", 0) - x.get("paired_ratio_min", 0)) / 2

        tol = max(half("proctor_sqlite"), half(best))
        v = ("met" if mine <= peers[best] else
             "tie (within the paired-ratio spread)" if mine - peers[best] <= tol else "missed")
        rows.append(("%s: proctor (SQLite) ahead of every peer" % WL_TITLE[w],
                     "×%.3f vs %s ×%.3f" % (mine, CFG_TITLE[best], peers[best]), v))
    sc = {x["name"]: x for x in kcost.get("scenarios", [])}
    ev = sc.get("tracked exec", {}).get("ns_per_event")
    rows.append(("in the kernel: ≤ 150 ns per recorded event (exec loop)",
                 "%.0f ns" % ev if ev else "–", verdict(None if ev is None else ev <= 150)))
    # open loop: each open/read/close is recorded into kernel aggregates
    # (folded opens, I/O summaries), so the unit is the recorded syscall
    ev = sc.get("tracked open", {}).get("ns_per_workload_syscall")
    rows.append(("in the kernel: ≤ 150 ns per recorded syscall (open loop: opens, reads and "
                 "closes folded in the kernel)",
                 "%.0f ns" % ev if ev else "–", verdict(None if ev is None else ev <= 150)))
    un = sc.get("untracked", {}).get("ns_per_syscall")
    rows.append(("in the kernel: ≤ 30 ns per syscall of an untracked process (BPF stats)",
                 "%.0f ns" % un if un else "–", verdict(None if un is None else un <= 30)))
    uw = kcost.get("untracked_wall", {}).get("ns_per_syscall")
    rows.append(("in the kernel: ≤ 30 ns per syscall of an untracked process (wall time)",
                 "%.0f ns" % uw if uw is not None else "–",
                 verdict(None if uw is None else uw <= 30)))
    for x in pipe.get("sinks", []):
        best_sustained(x)
    sq = [x for x in pipe.get("sinks", []) if x.get("sink") == "sqlite"]
    eps = None
    if sq:
        try:
            eps = float(sq[0].get("max_zero_drop_eps"))
        except (TypeError, ValueError):
            eps = None
    bound = sq and "generator-bound" in (sq[0].get("note") or "")
    rows.append(("into SQLite: ≥ 300k events/s sustained with zero drops",
                 ("≥ %.0f events/s (generator-bound)" if bound else "%.0f events/s") % eps
                 if eps is not None else "–",
                 "not measured (generator too slow)" if bound and eps < 300000 else
                 verdict(None if eps is None else eps >= 300000)))
    rl = pipe.get("rss_long", {})
    smp = [x for x in rl.get("anon_samples_kb", []) if x]
    what = "RssAnon"
    if not smp:
        smp, what = [x for x in rl.get("samples_kb", []) if x], "VmRSS"
    if len(smp) >= 4:
        # from a quarter into the run: start-up (BPF load, buffers, the store's
        # page cache filling) is not growth
        start, end = smp[len(smp) // 4], smp[-1]
        growth = (end - start) / start
        rows.append(("flat memory in long runs", "%s %.1f → %.1f MiB from %d s to %d s (%+.1f %%)" % (
            what, start / 1024, end / 1024, len(smp) // 4, len(smp) - 1, growth * 100),
            verdict(growth <= 0.05)))
    else:
        rows.append(("flat memory in long runs", "–", "not measured"))
    return rows


def markdown(meta, cells, kcost, pipe):
    L = []
    h = meta.get("host", {})
    v = meta.get("versions", {})
    L.append("# proctor benchmark results")
    L.append("")
    L.append("Run %s on %s: %s cores (%s), %s GB RAM, kernel %s, %s. "
             "Load average %s at the start, %s at the end." %
             (meta.get("date"), h.get("arch"), h.get("cpus"), h.get("cpu"), h.get("mem_gb"),
              h.get("kernel"), h.get("os"), h.get("loadavg_start"), h.get("loadavg_end")))
    L.append("proctor %s, auditd %s, bpftrace %s, git %s, Claude Code %s. "
             "%s rounds%s; families recorded by every recorder: %s." %
             (v.get("proctor"), v.get("auditd"), v.get("bpftrace"), v.get("git"),
              v.get("claude"), meta.get("runs"), " (BENCH_QUICK: quarter-size loops)"
              if meta.get("quick") else "", meta.get("families")))
    L.append("")
    cfgs = [c for c in CONFIGS if any(k[1] == c for k in cells) or c in meta.get("na", {})]
    wls = [w for w in WORKLOADS if any(k[0] == w for k in cells)]
    L.append("## Overhead (median workload time, × bare)")
    L.append("")
    L.append("| workload | " + " | ".join(CFG_TITLE[c] for c in cfgs) + " |")
    L.append("|---|" + "---:|" * len(cfgs))
    for w in wls:
        row = []
        for c in cfgs:
            cell = cells.get((w, c))
            if c in meta.get("na", {}) and not cell:
                row.append("n/a")
            elif not cell or "median" not in cell:
                row.append("failed")
            elif c == "bare":
                row.append(fmt_s(cell["median"]))
            else:
                row.append("%s **×%.2f**" % (fmt_s(cell["median"]), cell["ratio"])
                           if "ratio" in cell else fmt_s(cell["median"]))
        L.append("| %s | %s |" % (WL_TITLE[w], " | ".join(row)))
    L.append("")
    if any("cpu_median" in x for x in cells.values()):
        L.append("### CPU time (user + sys of the workload's process tree, × bare)")
        L.append("")
        L.append("Steadier than wall time on a shared machine: it holds what the hooks and "
                 "the audit syscall path cost *in the workload's context*, but not waits "
                 "(auditd's backlog throttling) nor the recorder's own user-space CPU.")
        L.append("")
        L.append("| workload | " + " | ".join(CFG_TITLE[c] for c in cfgs) + " |")
        L.append("|---|" + "---:|" * len(cfgs))
        for w in wls:
            row = []
            for c in cfgs:
                cell = cells.get((w, c)) or {}
                if "cpu_median" not in cell:
                    row.append("n/a" if c in meta.get("na", {}) else "–")
                elif c == "bare":
                    row.append(fmt_s(cell["cpu_median"]))
                else:
                    r = cell.get("cpu_paired_ratio_median", cell.get("cpu_ratio"))
                    row.append("%s **×%.2f**" % (fmt_s(cell["cpu_median"]), r))
            L.append("| %s | %s |" % (WL_TITLE[w], " | ".join(row)))
        L.append("")
    ok = [r for r in ROWS if r["ok"]]
    fo = sum(1 for r in ok if r.get("foreign"))
    if fo:
        L.append("- %d of %d trials ran while another proctor instance (someone else's test) "
                 "had its hooks loaded on the machine: those hooks slow every process's "
                 "syscalls, bare included, which pulls the ratios towards 1." % (fo, len(ok)))
    for c, why in sorted(meta.get("na", {}).items()):
        L.append("- %s: n/a (%s)" % (CFG_TITLE.get(c, c), why))
    L.append("")
    L.append("## Targets (issue 6; informational, never asserted)")
    L.append("")
    L.append("Overhead targets use the median paired ratio of wall time (CPU time in parentheses).")
    L.append("")
    L.append("| target | measured | verdict |")
    L.append("|---|---|---|")
    for t, m, v in targets(cells, kcost, pipe):
        L.append("| %s | %s | %s |" % (t, m, v))
    L.append("")
    L.append("## Detail")
    L.append("")
    L.append("Time is the workload's own wall time (timeit inside the configuration; the "
             "recorder's start-up and drain are not in it, see *outer*). "
             "Paired ratio: config / bare of the same round, median [min, max]. "
             "Events: what the recorder reported capturing (proctor: session events; "
             "auditd: log records with the bench key; bpftrace: output lines). Foreign: "
             "trials during which another proctor instance was loaded on the machine.")
    L.append("")
    L.append("| workload | config | n | median | min | max | IQR | × bare | paired × [min, max] "
             "| CPU paired × [min, max] | outer median | events | drops | foreign |")
    L.append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for w in wls:
        for c in cfgs:
            cell = cells.get((w, c))
            if not cell:
                continue
            if "median" not in cell:
                L.append("| %s | %s | 0 | failed (%d): %s |||||||||" %
                         (WL_TITLE[w], CFG_TITLE[c], cell["failed"], "; ".join(cell["notes"])))
                continue
            tgt = "%d/%d" % (cell["foreign_trials"], cell["n"])
            pr = ("×%.3f [%.3f, %.3f]" % (cell["paired_ratio_median"], cell["paired_ratio_min"],
                                          cell["paired_ratio_max"])
                  if "paired_ratio_median" in cell else "")
            cpr = ("×%.3f [%.3f, %.3f]" % (cell["cpu_paired_ratio_median"],
                                           cell["cpu_paired_ratio_min"],
                                           cell["cpu_paired_ratio_max"])
                   if "cpu_paired_ratio_median" in cell else "")
            L.append("| %s | %s | %d%s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                WL_TITLE[w], CFG_TITLE[c], cell["n"],
                " (+%d failed)" % cell["failed"] if cell["failed"] else "",
                fmt_s(cell["median"]), fmt_s(cell["min"]), fmt_s(cell["max"]),
                fmt_s(cell["q3"] - cell["q1"]),
                "×%.3f" % cell["ratio"] if "ratio" in cell else "", pr, cpr,
                fmt_s(cell["outer_median"]),
                "%g" % cell["events_median"] if cell.get("events_median") is not None else "–",
                "%g" % cell["drops_max"] if cell.get("drops_max") is not None else "–", tgt))
    L.append("")
    L.append("## In-kernel cost (kernel.bpf_stats_enabled)")
    L.append("")
    if kcost.get("status"):
        L.append("- %s" % kcost["status"])
    for scen in kcost.get("scenarios", []):
        L.append("**%s**: %s" % (scen["name"], scen.get("what", "")))
        L.append("")
        L.append("| program | runs | ns/run |")
        L.append("|---|--:|--:|")
        for p in scen.get("programs", []):
            L.append("| %s | %d | %s |" % (p["name"], p["run_cnt"],
                                          "%.0f" % p["ns_per_run"] if p["run_cnt"] else "–"))
        extra = []
        for k, label in (("ns_per_event", "ns per recorded event (all programs / events: upper bound)"),
                         ("ns_per_event_process_progs", "ns per event, handle_exec/fork/exit only"),
                         ("ns_per_workload_syscall",
                          "ns per syscall of the workload (all programs / the loop's syscalls)"),
                         ("ns_per_syscall", "ns per syscall (enter + exit dispatcher, per run)"),
                         ("events", "events recorded"), ("total_ns", "total BPF ns")):
            if scen.get(k) is not None:
                extra.append("%s: %s" % (label, ("%.1f" % scen[k]) if isinstance(scen[k], float)
                                         else scen[k]))
        L.append("")
        L.append("- " + "; ".join(extra))
        L.append("")
    uw = kcost.get("untracked_wall")
    if uw:
        if uw.get("ns_per_syscall") is not None:
            L.append("**untracked, from wall time**: %s: **%.1f ns per syscall** [%.1f, %.1f]" % (
                uw["what"], uw["ns_per_syscall"], uw["min"], uw["max"]))
        else:
            L.append("**untracked, from wall time**: %s" % uw.get("what"))
        L.append("")
    L.append("## Pipeline")
    L.append("")
    if pipe.get("status"):
        L.append("- %s" % pipe["status"])
    for s in pipe.get("sinks", []):
        best_sustained(s)
        L.append("- **%s**: highest sustained rate (zero drops, sink caught up): %s events/s%s; "
                 "at 2× that rate: %s" % (s["sink"], s.get("max_zero_drop_eps", "–"),
                               " (%s)" % s["note"] if s.get("note") else "",
                               s.get("at_double", "–")))
        if s.get("steps"):
            L.append("  - steps (generator target ops/s → events/s produced, drops, sink lag at "
                     "the end): " + "; ".join(
                         "%s → %s ev/s, %s drops, %s ms%s" % (st["rate"] or "max", st.get("eps"),
                                                              st.get("drops"), st.get("lag_ms"),
                                                              proctor_stats(st.get("proctor")))
                         for st in s["steps"]))
    if pipe.get("rss"):
        r = pipe["rss"]
        L.append("- **RSS with %s live tracked processes**: %s own memory (RssAnon); VmRSS %s "
                 "(VmHWM %s; idle %s), which includes the kernel ring buffer mapped twice" %
                 (r.get("procs"), r.get("anon_kb_h", "–"), r.get("rss_kb_h"), r.get("hwm_kb_h"),
                  r.get("idle_kb_h")))
    if pipe.get("rss_long"):
        r = pipe["rss_long"]
        L.append("- **RSS over a %s s flood** (every %s s): RssAnon %s; VmRSS %s" %
                 (r.get("seconds"), r.get("every"), ", ".join(r.get("anon_samples_h", [])) or "–",
                  ", ".join(r.get("samples_h", []))))
    if pipe.get("load"):
        r = pipe["load"]
        L.append("- **load + attach**: %s (%s); `proctor run -- /bin/true` end to end: "
                 "median %s over %s runs" % (r.get("attach_h", "–"), r.get("attach_src", ""),
                                             r.get("true_h", "–"), r.get("n", "")))
    L.append("")
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--meta", required=True)
    ap.add_argument("--kcost")
    ap.add_argument("--pipeline")
    ap.add_argument("--out", required=True)
    ap.add_argument("--stamp", required=True)
    ap.add_argument("--doc", help="Markdown file whose <!-- bench:latest --> section is replaced")
    a = ap.parse_args()
    rows = [json.loads(l) for l in open(a.raw) if l.strip()]
    meta = load(a.meta, {})
    kcost = load(a.kcost, {"status": "not run"}) if a.kcost else {"status": "not run"}
    pipe = load(a.pipeline, {"status": "not run"}) if a.pipeline else {"status": "not run"}
    global ROWS
    ROWS = rows
    cells = aggregate(rows)
    doc = {"meta": meta, "results": [cells[k] for k in sorted(cells)],
           "kernel_cost": kcost, "pipeline": pipe, "trials": rows}
    md = markdown(meta, cells, kcost, pipe)
    os.makedirs(a.out, exist_ok=True)
    for name in (a.stamp, "latest"):
        with open(os.path.join(a.out, name + ".json"), "w") as f:
            json.dump(doc, f, indent=1)
        with open(os.path.join(a.out, name + ".md"), "w") as f:
            f.write(md)
    if a.doc:
        begin, end = "<!-- bench:latest begin -->", "<!-- bench:latest end -->"
        text = open(a.doc).read()
        if begin in text and end in text:
            body = md.split("\n", 2)[2]  # without the top-level title
            body = body.replace("\n## ", "\n### ")
            head, rest = text.split(begin, 1)
            tail = rest.split(end, 1)[1]
            with open(a.doc, "w") as f:
                f.write(head + begin + "\n" + body + end + tail)


if __name__ == "__main__":
    main()
