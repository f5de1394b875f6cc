#!/usr/bin/env bash
# bench/policy_cost.sh: what an active policy adds to the exec loop and the
# open loop over proctor without a policy: "policy" is 10 exec rules
# (bench/policy-exec-cost.yaml), "full" 20 file rules and the same 10 exec
# rules (bench/policy-full-cost.yaml; with it the session's feedback feed,
# docs/POLICY.md). Rounds interleave the configurations; prints the median
# ns per iteration of each and the difference. A benchmark, never a test.
#   BENCH_RUNS=N (default 5)   N_EXEC (2000)   N_OPEN (200000)
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROCTOR=${PROCTOR:-$ROOT/build/proctor}
BIN=$ROOT/build/bench
RUNS=${BENCH_RUNS:-5} N_EXEC=${N_EXEC:-2000} N_OPEN=${N_OPEN:-200000}
POLICY=$ROOT/bench/policy-exec-cost.yaml FULL=$ROOT/bench/policy-full-cost.yaml
((EUID == 0)) || { echo "run as root" >&2; exit 1; }
make -s -C "$ROOT/bench" OUT="$BIN" all >/dev/null || exit 1
FIX=$(mktemp -d /tmp/proctor-polcost.XXXXXX)
trap 'rm -rf "$FIX"' EXIT
echo hello >"$FIX/small.txt"

trial() { # config workload -> ns per iteration
	local pol=() cmd
	[[ $1 == policy ]] && pol=(--policy "$POLICY")
	[[ $1 == full ]] && pol=(--policy "$FULL")
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
for wl in exec open; do
	: >"$FIX/none" && : >"$FIX/policy" && : >"$FIX/full"
	for ((r = 0; r < RUNS; r++)); do
		case $((r % 3)) in
		0) order="none policy full" ;; 1) order="policy full none" ;; *) order="full none policy" ;;
		esac
		for c in $order; do trial "$c" "$wl" >>"$FIX/$c" || exit 1; done
	done
	n=$(median <"$FIX/none") p=$(median <"$FIX/policy") f=$(median <"$FIX/full")
	printf '%s loop: no policy %s ns/iter, 10 exec rules %s ns/iter (%+.1f%%), 20 file + 10 exec rules %s ns/iter (%+.1f%%); runs: none [%s] policy [%s] full [%s]\n' \
		"$wl" "$n" "$p" "$(pct "$n" "$p")" "$f" "$(pct "$n" "$f")" \
		"$(paste -sd' ' "$FIX/none")" "$(paste -sd' ' "$FIX/policy")" "$(paste -sd' ' "$FIX/full")"
done
