# pipeline.sh: the pipeline numbers (sourced by run.sh; `pipeline` prints JSON).
#   load:       BPF load + attach time (proctor -v prints it), and the whole
#               `proctor run -- /bin/true` wall time
#   throughput: per local sink, the highest generator rate whose events all
#               reach the sink (session drops == 0), then the drops at twice it
#   rss:        proctor's RSS with N live tracked processes, and RSS sampled
#               through a long flood (flat memory)
# Event source: evgen, fork mode (vfork + _exit: fork + exit events), or open
# mode when proctor has the file family.
PIPE_SECS=${BENCH_PIPE_SECS:-$([[ $QUICK == 1 ]] && echo 3 || echo 8)}
PIPE_LONG=${BENCH_PIPE_LONG:-$([[ $QUICK == 1 ]] && echo 10 || echo 30)}
RSS_PROCS=${BENCH_RSS_PROCS:-10000}
# open (openat + close) once proctor records files: far more events/s than fork
EVGEN_WORKERS=${BENCH_EVGEN_WORKERS:-4}
EVGEN_MODE=${BENCH_EVGEN_MODE:-$([[ $FAMILIES == *file* ]] && echo open || echo fork)}

pipe_sink_args() { # SINK DIR -> proctor run options
	case $1 in
	sqlite) echo "--db $2/p.db" ;;
	jsonl) echo "--db none --jsonl $2/p.jsonl" ;;
	esac
}

# one generator run under proctor. Prints "eps drops ops lag_ms ok stats":
#   eps     session events / generator seconds (what the kernel produced)
#   lag_ms  how long proctor still ran after the generator ended (outer time
#           - load/attach - generator time): the sink's backlog; the 16 MiB
#           ring buffer can hide a sink that is too slow for a few seconds
#   ok      1 when sustained: zero drops and lag <= max(500 ms, 10 % of the run)
#   stats   proctor's own numbers from its -v summary, compact JSON: per sink
#           records, batches, errors, write ms (total, max per batch); ring
#           buffer high water (KiB), reader busy / decode+stages ms, final drain
# Samples proctor's VmRSS every second into $d/rss, and RssAnon (its own heap
# and stacks, without the mapped kernel ring buffer, which counts twice its
# size in VmRSS from the start) into $d/rss_anon.
pipe_step() {
	local sink=$1 rate=$2 secs=$3 d=$4 p args t0 t1
	rm -rf "$d" && mkdir -p "$d"
	read -r -a args <<<"$(pipe_sink_args "$sink" "$d")"
	t0=$EPOCHREALTIME
	"$PROCTOR" -v run "${args[@]}" -- "$BIN/evgen" "$EVGEN_MODE" "$rate" "$secs" "$EVGEN_WORKERS" \
		>"$d/evgen.out" 2>"$d/proctor.err" &
	p=$!
	(while kill -0 "$p" 2>/dev/null; do
		awk '/^VmRSS/ { print $2 }' /proc/"$p"/status 2>/dev/null >>"$d/rss"
		awk '/^RssAnon/ { print $2 }' /proc/"$p"/status 2>/dev/null >>"$d/rss_anon"
		sleep 1
	done) &
	wait "$p"
	t1=$EPOCHREALTIME
	wait
	pipe_sessions "$d"
	/usr/bin/python3 - "$d" "$t0" "$t1" <<'PY'
import json, re, sys
d, t0, t1 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
try:
    s = json.loads(open(d + "/sessions").read().splitlines()[-1])
except Exception:
    s = {}
t = open(d + "/proctor.err").read()
ev = s.get("events")
dr = s.get("drops")
if ev is None:
    m = re.search(r"(\d+) events, (\d+) drops", t)
    ev, dr = (int(m.group(1)), int(m.group(2))) if m else (0, -1)
m = re.search(r"load\+attach took ([0-9.]+) ms", t)
attach = float(m.group(1)) / 1e3 if m else 0.1
g = open(d + "/evgen.out").read()
m = re.search(r"elapsed_ns=(\d+) ops_per_s=(\d+)", g)
secs = int(m.group(1)) / 1e9 if m else 1
lag = max(0.0, (t1 - t0) - attach - secs)
ok = dr == 0 and lag <= max(0.5, 0.1 * secs)
st = {"sinks": {}}
for u, rec, bat, er, dro, w, mx in re.findall(
        r"sink (\S+): (\d+) records, (\d+) batches, (\d+) errors, (\d+) dropped, "
        r"write ([0-9.]+) ms \(max ([0-9.]+) ms per batch\)", t):
    st["sinks"][u.split(":")[0]] = {"records": int(rec), "batches": int(bat), "errors": int(er),
                                    "dropped": int(dro), "write_ms": float(w),
                                    "max_batch_ms": float(mx)}
r = re.search(r"high water (\d+) KiB, busy ([0-9.]+) ms \(sinks ([0-9.]+) ms, "
              r"decode\+stages ([0-9.]+) ms\), final drain ([0-9.]+) ms", t)
if r:
    st.update(rb_high_water_kib=int(r.group(1)), busy_ms=float(r.group(2)),
              stages_ms=float(r.group(4)), drain_ms=float(r.group(5)))
print("%d %d %d %d %d %s" % (ev / secs, dr, int(m.group(2)) if m else 0, lag * 1000, ok,
                             json.dumps(st, separators=(",", ":"))))
PY
}

# (no store with --db none: the -v summary on stderr is the fallback)
pipe_sessions() { "$PROCTOR" sessions --db "$1/p.db" --json >"$1/sessions" 2>/dev/null; }

pipeline() {
	local d=$WORK/pipeline sink
	mkdir -p "$d"
	{
		echo '{'
		# ---- load + attach
		local i ms=() tt=()
		for i in 1 2 3 4 5; do
			local t0=$EPOCHREALTIME
			"$PROCTOR" -v run --db "$d/load.db" -- /bin/true 2>"$d/load.$i.err" >/dev/null
			tt+=("$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", (b - a) * 1000 }')")
			ms+=("$(sed -n 's/.*load+attach took \([0-9.]*\) ms.*/\1/p' "$d/load.$i.err" | head -1)")
		done
		printf '"load": {"n": 5, "attach_ms": [%s], "true_ms": [%s]},\n' \
			"$(IFS=,; echo "${ms[*]}")" "$(IFS=,; echo "${tt[*]}")"
		# ---- throughput per sink
		echo '"sinks": ['
		local first=1
		for sink in sqlite jsonl; do
			local max eps dr ops lag ok st lo hi mid best="" best_eps="" steps=() dbl="" note=""
			log "  pipeline $sink: unpaced ${PIPE_SECS}s"
			read -r eps dr ops lag ok st < <(pipe_step "$sink" 0 "$PIPE_SECS" "$d/$sink.max"; true)
			steps+=("{\"rate\": 0, \"ops\": $ops, \"eps\": $eps, \"drops\": $dr, \"lag_ms\": $lag, \"proctor\": ${st:-null}}")
			max=$ops
			if ((ok)); then
				best=0 best_eps=$eps
				note="generator-bound: sustained at the generator's maximum ($EVGEN_MODE mode, $EVGEN_WORKERS workers)"
			else
				# bisect on the generator rate (ops/s) for the highest sustained one
				lo=0 hi=$max
				for i in 1 2 3 4; do
					mid=$(((lo + hi) / 2))
					log "  pipeline $sink: $mid ops/s"
					read -r eps dr ops lag ok st < <(pipe_step "$sink" "$mid" "$PIPE_SECS" "$d/$sink.$mid"; true)
					steps+=("{\"rate\": $mid, \"ops\": $ops, \"eps\": $eps, \"drops\": $dr, \"lag_ms\": $lag, \"proctor\": ${st:-null}}")
					if ((ok)); then lo=$mid best=$mid best_eps=$eps; else hi=$mid; fi
				done
				if [[ -n $best ]]; then
					log "  pipeline $sink: 2x = $((2 * best)) ops/s"
					read -r eps dr ops lag ok st < <(pipe_step "$sink" $((2 * best)) "$PIPE_SECS" "$d/$sink.dbl"; true)
					steps+=("{\"rate\": $((2 * best)), \"ops\": $ops, \"eps\": $eps, \"drops\": $dr, \"lag_ms\": $lag, \"proctor\": ${st:-null}}")
					dbl="$dr drops, $eps events/s produced, sink still $lag ms behind at the end"
					((ops < 2 * best * 9 / 10)) && dbl+=" (the generator reached only $ops of $((2 * best)) ops/s)"
				else
					note="not sustained even at $((max / 16)) ops/s"
				fi
			fi
			[[ $sink == sqlite ]] && LONG_RATE=${best:-0}
			((first)) || echo ','
			first=0
			printf '{"sink": "%s", "seconds": %s, "max_zero_drop_eps": "%s", "note": "%s", "at_double": "%s", "steps": [%s]}' \
				"$sink" "$PIPE_SECS" "${best_eps:-none}" "$note" \
				"${dbl:-not reachable: the generator cannot produce 2x}" "$(IFS=,; echo "${steps[*]}")"
		done
		echo '],'
		# ---- RSS: idle, with N live tracked processes
		local p idle rss hwm procs anon
		log "  pipeline: RSS with $RSS_PROCS live processes"
		rm -f "$d/ready" "$d/hold"
		mkfifo "$d/hold"
		"$PROCTOR" run --db "$d/rss.db" -- "$BIN/spawn_idle" "$RSS_PROCS" "$d/ready" <"$d/hold" \
			>/dev/null 2>"$d/rss.err" &
		p=$!
		exec 9>"$d/hold"
		sleep 1
		idle=$(awk '/^VmRSS/ { print $2 }' /proc/"$p"/status 2>/dev/null)
		for i in $(seq 1200); do
			[[ -s $d/ready ]] && break
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		sleep 2
		rss=$(awk '/^VmRSS/ { print $2 }' /proc/"$p"/status 2>/dev/null)
		hwm=$(awk '/^VmHWM/ { print $2 }' /proc/"$p"/status 2>/dev/null)
		anon=$(awk '/^RssAnon/ { print $2 }' /proc/"$p"/status 2>/dev/null)
		procs=$(cat "$d/ready" 2>/dev/null)
		exec 9>&-
		wait "$p"
		printf '"rss": {"procs": %s, "idle_kb": %s, "rss_kb": %s, "hwm_kb": %s, "anon_kb": %s},\n' \
			"${procs:-0}" "${idle:-null}" "${rss:-null}" "${hwm:-null}" "${anon:-null}"
		# ---- RSS through a long flood at the highest zero-drop rate (sqlite)
		log "  pipeline: RSS through a ${PIPE_LONG}s flood at ${LONG_RATE:-0} ops/s (0 = max)"
		pipe_step sqlite "${LONG_RATE:-0}" "$PIPE_LONG" "$d/long" >"$d/long.res"
		# eps drops ops lag ok, then proctor's -v numbers as JSON (kept apart:
		# they hold quotes)
		read -r eps dr ops lag ok st <"$d/long.res"
		printf '"rss_long": {"seconds": %s, "every": 1, "samples_kb": [%s], "anon_samples_kb": [%s], "result": "%s", "proctor": %s}\n' \
			"$PIPE_LONG" "$(paste -sd, "$d/long/rss")" "$(paste -sd, "$d/long/rss_anon")" \
			"$eps $dr $ops $lag $ok" "${st:-null}"
		echo '}'
	} >"$d/pipeline.raw.json"
	/usr/bin/python3 - "$d/pipeline.raw.json" <<'PY'
import json, statistics, sys
p = json.load(open(sys.argv[1]))
def h(kb):
    return "%.1f MiB" % (kb / 1024) if isinstance(kb, (int, float)) else "–"
l = p.get("load", {})
a = [x for x in l.get("attach_ms", []) if x is not None]
if a:
    l["attach_h"] = "median %.1f ms [%.1f, %.1f]" % (statistics.median(a), min(a), max(a))
    l["attach_src"] = "`proctor -v run` debug line, %d runs" % len(a)
t = l.get("true_ms", [])
if t:
    l["true_h"] = "%.0f ms" % statistics.median(t)
r = p.get("rss", {})
r["rss_kb_h"], r["hwm_kb_h"], r["idle_kb_h"] = h(r.get("rss_kb")), h(r.get("hwm_kb")), h(r.get("idle_kb"))
r["anon_kb_h"] = h(r.get("anon_kb"))
rl = p.get("rss_long", {})
rl["samples_h"] = [h(x) for x in rl.get("samples_kb", [])]
rl["anon_samples_h"] = [h(x) for x in rl.get("anon_samples_kb", [])]
json.dump(p, sys.stdout, indent=1)
PY
}
