# kcost.sh: in-kernel cost of proctor's BPF programs (sourced by run.sh; kcost
# prints JSON). With BPF run-time stats on, the kernel counts run_cnt and
# run_time_ns per program; we diff `bpftool prog show -j` around a workload,
# keeping only the programs of OUR proctor instance (by the prog ids in its
# /proc/PID/fdinfo).
#   tracked:   the workload runs inside `proctor run` (events recorded)
#   untracked: proctor records a `sleep`; the workload runs outside it
# Stats are switched on with BPF_ENABLE_STATS (build/bench/statsfd holds the
# fd), never with the kernel.bpf_stats_enabled sysctl, which is global and
# which other people on the machine toggle.
# Caveats: the counters are system-wide per program, so runs by every other
# process on the machine in the same window are included (they are untracked
# runs: early exits); the stats themselves add ~2 clock reads per run.
STATS_PID=""
kcost_restore() {
	[[ -n $STATS_PID ]] && kill "$STATS_PID" 2>/dev/null && wait "$STATS_PID" 2>/dev/null
	STATS_PID=""
}

# wait until the `proctor -v run` writing its stderr to $2 (pid $1) has loaded
# and attached everything (its "load+attach took" debug line)
kcost_wait_attached() {
	for _ in $(seq 600); do
		grep -qs 'load+attach took' "$2" && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

kcost() {
	local d=$WORK/kcost sc
	mkdir -p "$d"
	"$BIN/statsfd" >"$d/statsfd.out" 2>&1 &
	STATS_PID=$!
	for _ in $(seq 100); do
		grep -qs READY "$d/statsfd.out" && break
		sleep 0.05
	done
	grep -qs READY "$d/statsfd.out" || {
		echo "{\"status\": \"cannot enable BPF stats: $(head -1 "$d/statsfd.out")\"}"
		kcost_restore
		return 1
	}
	# tracked: snapshots taken from inside the session, by the shell proctor
	# started (its parent is proctor, the owner of the programs)
	for sc in exec open; do
		local cmd
		case $sc in
		exec) cmd="$BIN/exec_loop $N_EXEC" ;;
		open) cmd="$BIN/open_loop $N_OPEN $FIX/small.txt" ;;
		esac
		"$PROCTOR" run --db "$d/$sc.db" -- sh -c "cat /proc/\$PPID/fdinfo/* >'$d/$sc.owner' 2>/dev/null; bpftool prog show -j >'$d/$sc.before';
			$cmd >'$d/$sc.out'; bpftool prog show -j >'$d/$sc.after'" 2>"$d/$sc.err" ||
			echo "kcost: tracked $sc failed: $(tail -3 "$d/$sc.err")" >&2
		/usr/bin/python3 "$BENCH/lib/bpfstats.py" "$d/$sc.before" "$d/$sc.after" "$d/$sc.owner" \
			>"$d/$sc.progs" 2>/dev/null || echo '[]' >"$d/$sc.progs"
		"$PROCTOR" sessions --db "$d/$sc.db" --json 2>/dev/null | tail -1 >"$d/$sc.session"
	done
	# untracked: proctor records only a sleep; the loops run beside it
	local ppid i
	"$PROCTOR" -v run --db "$d/bg.db" -- sleep 600 2>"$d/bg.err" &
	ppid=$!
	BG_PIDS+=("$ppid")
	kcost_wait_attached "$ppid" "$d/bg.err"
	sleep 0.2
	cat /proc/"$ppid"/fdinfo/* >"$d/untracked.owner" 2>/dev/null
	bpftool prog show -j >"$d/untracked.before"
	"$BIN/exec_loop" "$N_EXEC" >"$d/untracked.exec.out"
	"$BIN/open_loop" "$N_OPEN" "$FIX/small.txt" >"$d/untracked.open.out"
	bpftool prog show -j >"$d/untracked.after"
	/usr/bin/python3 "$BENCH/lib/bpfstats.py" "$d/untracked.before" "$d/untracked.after" "$d/untracked.owner" \
		>"$d/untracked.progs" 2>/dev/null || echo '[]' >"$d/untracked.progs"
	kill -TERM "$ppid" 2>/dev/null
	wait "$ppid" 2>/dev/null
	kcost_restore
	# untracked, from wall time (our stats off, so no stats overhead, but the
	# trampolines are counted): the open loop outside any session, without
	# and with a loaded proctor, in pairs
	: >"$d/wall"
	sysctl -n kernel.bpf_stats_enabled >"$d/wall.sysctl" 2>/dev/null
	for i in 1 2 3 4 5; do
		local a b
		local f
		f=$(bpftool prog show 2>/dev/null | grep -c 'name handle_exec')
		a=$("$BIN/open_loop" "$N_OPEN" "$FIX/small.txt" | sed -n 's/.*elapsed_ns=//p')
		"$PROCTOR" -v run --db "$d/wall.db" -- sleep 600 2>"$d/wall.err" &
		ppid=$!
		kcost_wait_attached "$ppid" "$d/wall.err"
		sleep 0.2
		b=$("$BIN/open_loop" "$N_OPEN" "$FIX/small.txt" | sed -n 's/.*elapsed_ns=//p')
		kill -TERM "$ppid" 2>/dev/null
		wait "$ppid" 2>/dev/null
		echo "$a $b $f" >>"$d/wall"
	done
	/usr/bin/python3 - "$d" <<'PY'
import json, re, sys
d = sys.argv[1]
def j(p, default):
    try:
        return json.load(open(p))
    except Exception:
        return default
def syscalls(p):
    try:
        return int(re.search(r"syscalls=(\d+)", open(p).read()).group(1))
    except Exception:
        return None
EVENT_PROGS = {"handle_exec", "handle_fork", "handle_exit"}
DISPATCH = {"sys_enter_dispatch", "sys_exit_dispatch"}
out = {"scenarios": []}
for sc, what in (("exec", "exec loop inside proctor run (tracked)"),
                 ("open", "open loop inside proctor run (tracked)")):
    progs = j("%s/%s.progs" % (d, sc), [])
    sess = j("%s/%s.session" % (d, sc), {})
    ev = sess.get("events")
    ev_ns = sum(p["run_time_ns"] for p in progs if p["name"] in EVENT_PROGS)
    disp = [p for p in progs if p["name"] in DISPATCH]
    s = {"name": "tracked " + sc, "what": what, "programs": progs, "events": ev,
         "drops": sess.get("drops"), "total_ns": sum(p["run_time_ns"] for p in progs)}
    # all our programs' time in the window / events recorded: an upper bound
    # (the dispatchers also ran for other processes' syscalls meanwhile);
    # event programs only (handle_exec/fork/exit) as a lower view
    s["ns_per_event"] = s["total_ns"] / ev if ev else None
    s["ns_per_event_process_progs"] = ev_ns / ev if ev else None
    # the open loop's opens, reads and closes are each recorded (counted
    # into folded opens and I/O summaries in the kernel, not emitted one by
    # one): per recorded syscall is the honest unit there
    n = syscalls("%s/%s.out" % (d, sc)) if sc == "open" else None
    s["workload_syscalls"] = n
    s["ns_per_workload_syscall"] = s["total_ns"] / n if n else None
    s["ns_per_syscall"] = sum(p["ns_per_run"] for p in disp if p["ns_per_run"]) if disp else None
    out["scenarios"].append(s)
progs = j("%s/untracked.progs" % d, [])
n = sum(x for x in (syscalls("%s/untracked.exec.out" % d), syscalls("%s/untracked.open.out" % d)) if x)
disp = [p for p in progs if p["name"] in DISPATCH]
out["scenarios"].append({
    "name": "untracked", "what": "exec loop + open loop outside any tracked cgroup "
    "(proctor records a sleep meanwhile); ns per syscall = enter + exit dispatcher ns/run",
    "programs": progs, "workload_syscalls": n,
    "total_ns": sum(p["run_time_ns"] for p in progs),
    "ns_per_syscall": sum(p["ns_per_run"] for p in disp if p["ns_per_run"]) if disp else None})
try:
    rows = [[int(x) for x in l.split()] for l in open(d + "/wall") if len(l.split()) == 3]
    n = syscalls("%s/untracked.open.out" % d)
    diffs = sorted((b - a) / n for a, b, f in rows)
    foreign = sum(1 for r in rows if r[2])
    out["untracked_wall"] = {
        "what": "open loop outside any session, without vs with our proctor loaded "
                "(our BPF stats off; kernel.bpf_stats_enabled=%s, set by someone else if 1), "
                "%d interleaved pairs, median (with - without) / syscalls; another proctor "
                "instance was loaded during %d of the pairs" % (
                    open(d + "/wall.sysctl").read().strip() or "?", len(rows), foreign),
        "pairs_ns": rows, "ns_per_syscall": diffs[len(diffs) // 2],
        "min": diffs[0], "max": diffs[-1], "pairs_with_foreign_proctor": foreign}
except Exception as e:
    out["untracked_wall"] = {"what": "failed: %r" % e}
json.dump(out, sys.stdout, indent=1)
PY
}
