#!/usr/bin/env bash
# bench/policy_cost.sh: what an active policy adds to the exec loop and the
# open loop over proctor without a policy: "policy" is 10 exec rules
# (bench/policy-exec-cost.yaml), "full" 20 file rules and the same 10 exec
# rules (bench/policy-full-cost.yaml; with it the session's feedback feed,
# docs/POLICY.md), "temporal" one temporal rule (bench/policy-temporal-cost.yaml,
# satisfied at every exit of the loop's /bin/true), "issue" the issue's cost
# policy: the full one plus one label (its deny: connect rule) and one
# temporal rule (bench/policy-issue-cost.yaml). Rounds interleave the
# configurations (each first in turn); prints the median ns per iteration of
# each, the difference to the first, and the load. A benchmark, never a test.
#   BENCH_CONFIGS="none issue" (default: none policy full temporal issue);
#   "bare" (not by default): a bare label rule deny: write, decided on the
#   session's own mounts: every open of the session waits for proctor
#   BENCH_RUNS=N (default 5)   N_EXEC (2000)   N_OPEN (200000)
#   BENCH_QUICK=1: quarter-size loops   BENCH_WORKLOADS="exec open" (default)
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROCTOR=${PROCTOR:-$ROOT/build/proctor}
BIN=$ROOT/build/bench
RUNS=${BENCH_RUNS:-5} N_EXEC=${N_EXEC:-2000} N_OPEN=${N_OPEN:-200000}
if [[ ${BENCH_QUICK:-0} == 1 ]]; then N_EXEC=$((N_EXEC / 4)) N_OPEN=$((N_OPEN / 4)); fi
TEMPORAL=$ROOT/bench/policy-temporal-cost.yaml ISSUE=$ROOT/bench/policy-issue-cost.yaml
POLICY=$ROOT/bench/policy-exec-cost.yaml FULL=$ROOT/bench/policy-full-cost.yaml
((EUID == 0)) || { echo "run as root" >&2; exit 1; }
make -s -C "$ROOT/bench" OUT="$BIN" all >/dev/null || exit 1
FIX=$(mktemp -d /tmp/proctor-polcost.XXXXXX)
trap 'rm -rf "$FIX"' EXIT
echo hello >"$FIX/small.txt"
printf '%s\n' 'labels: {secret: {sources: ["/root/.ssh/**"]}}' \
	'rules: [{name: no-writes, if: {label: secret}, deny: write}]' >"$FIX/bare.yaml"

trial() { # config workload -> ns per iteration
	local pol=() cmd
	[[ $1 == policy ]] && pol=(--policy "$POLICY")
	[[ $1 == full ]] && pol=(--policy "$FULL")
	[[ $1 == temporal ]] && pol=(--policy "$TEMPORAL")
	[[ $1 == issue ]] && pol=(--policy "$ISSUE")
	[[ $1 == bare ]] && pol=(--policy "$FIX/bare.yaml")
	case $2 in
	exec) cmd=("$BIN/exec_loop" "$N_EXEC") ;;
	open) cmd=("$BIN/open_loop" "$N_OPEN" "$FIX/small.txt") ;;
	esac
	"$PROCTOR" run --db none --jsonl /dev/null "${pol[@]}" -- "${cmd[@]}" 2>"$FIX/err" |
		awk '{for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		      printf "%.0f\n", v["elapsed_ns"] / v["iters"]}' | grep . ||
		{ echo "trial $1 $2 failed:" >&2; cat "$FIX/err" >&2; exit 1; }
}

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

pct() { echo "($2 - $1) * 100 / $1" | bc -l; }
CONFIGS=(${BENCH_CONFIGS:-none policy full temporal issue})
load() { cut -d' ' -f1-3 /proc/loadavg; }
for wl in ${BENCH_WORKLOADS:-exec open}; do
	for c in "${CONFIGS[@]}"; do : >"$FIX/$c"; done
	echo "$wl loop: load before: $(load)"
	for ((r = 0; r < RUNS; r++)); do
		n=${#CONFIGS[@]} # rotate the order: each configuration runs first in turn
		for ((i = 0; i < n; i++)); do
			c=${CONFIGS[$(((i + r) % n))]}
			trial "$c" "$wl" >>"$FIX/$c" || exit 1
		done
	done
	base=$(median <"$FIX/${CONFIGS[0]}")
	line="$wl loop: ${CONFIGS[0]} $base ns/iter"
	for c in "${CONFIGS[@]:1}"; do
		m=$(median <"$FIX/$c")
		line+=$(printf ', %s %s ns/iter (%+.1f%%)' "$c" "$m" "$(pct "$base" "$m")")
	done
	echo "$line; load after: $(load)"
	for c in "${CONFIGS[@]}"; do echo "  runs $c: $(paste -sd' ' "$FIX/$c")"; done
done
