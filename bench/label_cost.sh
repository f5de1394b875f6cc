#!/usr/bin/env bash
# bench/label_cost.sh: what information-flow labels add to the exec loop
# and the open loop over proctor without a policy (docs/POLICY.md
# "labels"): "label" is one label (two source globs) and one label rule
# (deny: connect) that the workload never matches: every open for reading
# pays the source DFA over its path; "labelled" makes the opened file itself
# the source, so the loop's process is labelled and its every open and
# exec also looks up the inode's and process's labels. Rounds interleave
# the configurations; prints the median ns per iteration of each and the
# difference. A benchmark, never a test.
#   BENCH_RUNS=N (default 5; BENCH_QUICK=1: 3)   N_EXEC (2000)   N_OPEN (200000)
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROCTOR=${PROCTOR:-$ROOT/build/proctor}
BIN=$ROOT/build/bench
RUNS=${BENCH_RUNS:-$([[ ${BENCH_QUICK:-} == 1 ]] && echo 3 || echo 5)}
N_EXEC=${N_EXEC:-2000} N_OPEN=${N_OPEN:-200000}
((EUID == 0)) || { echo "run as root" >&2; exit 1; }
make -s -C "$ROOT/bench" OUT="$BIN" all >/dev/null || exit 1
FIX=$(mktemp -d /tmp/proctor-labelcost.XXXXXX)
trap 'rm -rf "$FIX"' EXIT
echo hello >"$FIX/small.txt"
rule='rules: [{name: no-secret-egress, if: {label: secret}, deny: connect}]'
printf 'labels: {secret: {sources: ["~/.ssh/**", "**/.env"]}}\n%s\n' "$rule" >"$FIX/label.yaml"
printf 'labels: {secret: {sources: ["%s/small.txt"]}}\n%s\n' "$FIX" "$rule" >"$FIX/labelled.yaml"

trial() { # config workload -> ns per iteration
	local pol=() cmd
	[[ $1 != none ]] && pol=(--policy "$FIX/$1.yaml")
	case $2 in
	exec) cmd=(sh -c "read x <$FIX/small.txt; exec $BIN/exec_loop $N_EXEC") ;;
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
	: >"$FIX/none" && : >"$FIX/label" && : >"$FIX/labelled"
	for ((r = 0; r < RUNS; r++)); do
		case $((r % 3)) in
		0) order="none label labelled" ;; 1) order="label labelled none" ;; *) order="labelled none label" ;;
		esac
		for c in $order; do trial "$c" "$wl" >>"$FIX/$c" || exit 1; done
	done
	n=$(median <"$FIX/none") l=$(median <"$FIX/label") d=$(median <"$FIX/labelled")
	printf '%s loop: no policy %s ns/iter, one label %s ns/iter (%+.1f%%), labelled process %s ns/iter (%+.1f%%); runs: none [%s] label [%s] labelled [%s]\n' \
		"$wl" "$n" "$l" "$(pct "$n" "$l")" "$d" "$(pct "$n" "$d")" \
		"$(paste -sd' ' "$FIX/none")" "$(paste -sd' ' "$FIX/label")" "$(paste -sd' ' "$FIX/labelled")"
done
