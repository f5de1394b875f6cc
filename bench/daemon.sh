#!/usr/bin/env bash
# bench/daemon.sh: the daemon's two figures (issue 11): start-up of `proctor
# run -- true` via the daemon vs standalone, and an untracked open loop with
# 0, 1, 8 and 32 idle sessions registered with one daemon, and 0 again once
# they ended (the machine's load drifts: both 0 figures are printed, with
# `uptime` before and after). Medians of BENCH_RUNS (5; BENCH_QUICK=1: 3);
# BENCH_OPEN_LOOP opens per loop (200000; BENCH_QUICK=1: 50000). Not a
# timed test: numbers only, printed. Root. bench/run.sh runs it (phase
# daemon). The daemon adopts nothing on its own (its own config).
# The daemon pins in a scratch bpffs directory and, stopped with
# --stop-sessions, leaves nothing pinned.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
P=${PROCTOR:-$ROOT/build/proctor}
QUICK=${BENCH_QUICK:-0}
RUNS=${BENCH_RUNS:-$([[ $QUICK == 1 ]] && echo 3 || echo 5)}
LOOP=${BENCH_OPEN_LOOP:-$([[ $QUICK == 1 ]] && echo 50000 || echo 200000)}
tmp=$(mktemp -d)
export PROCTOR_SOCKET=$tmp/proctor.sock
sleepers=()
cleanup() {
	for s in "${sleepers[@]}"; do kill "$s" 2>/dev/null || true; done
	# the sleepers only: a bare `wait` would wait for the daemon too
	((${#sleepers[@]})) && { wait "${sleepers[@]}" 2>/dev/null || true; }
	[[ -n "${dpid:-}" ]] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	rm -rf "$tmp" "$pins"
}
trap cleanup EXIT

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timed() { local t0; t0=$(now); "$@" >/dev/null 2>&1; echo "$(now) - $t0" | bc -l; }

pins=/sys/fs/bpf/proctor-bench-$$
echo "auto_adopt: {agents: false, containers: {enabled: false}}" >"$tmp/daemon.yaml"
echo "load before: $(uptime)"
"$P" daemon --config "$tmp/daemon.yaml" --db "$tmp/daemon.db" --pin-dir "$pins" \
	--stop-sessions 2>"$tmp/daemon.log" &
dpid=$!
until grep -q listening "$tmp/daemon.log"; do sleep 0.05; done

via=$(for i in $(seq "$RUNS"); do timed "$P" run --daemon -- true; done | median)
alone=$(for i in $(seq "$RUNS"); do timed "$P" run --standalone --db "$tmp/alone.db" -- true; done | median)
printf 'start-up: via the daemon %.3f s, standalone %.3f s (%.1f%%)\n' "$via" "$alone" \
	"$(echo "100 * $via / $alone" | bc -l)"

open_loop() {
	python3 -c "import os
for _ in range($LOOP): os.close(os.open('/etc/hostname', os.O_RDONLY))"
}
declare -A res
have=0
for n in 0 1 8 32; do
	while ((have < n)); do
		"$P" run --daemon -- sleep 3600 >/dev/null 2>&1 &
		sleepers+=($!)
		have=$((have + 1))
	done
	sleep 1
	res[$n]=$(for i in $(seq "$RUNS"); do timed open_loop; done | median)
	printf 'untracked open loop (%d opens), %2d idle sessions: %.3f s\n' "$LOOP" "$n" "${res[$n]}"
done
for s in "${sleepers[@]}"; do kill "$s" 2>/dev/null || true; done
wait "${sleepers[@]}" 2>/dev/null || true
sleepers=()
until "$P" status --json | python3 -c "import json,sys; sys.exit(bool(json.load(sys.stdin)['sessions']))"; do
	sleep 0.5 # their sessions end after the grace period
done
res[again]=$(for i in $(seq "$RUNS"); do timed open_loop; done | median)
printf 'untracked open loop (%d opens),  0 idle sessions again: %.3f s\n' "$LOOP" "${res[again]}"
printf 'untracked open loop: 32 vs 0 idle sessions: %+.1f%% (vs 0 again: %+.1f%%)\n' \
	"$(echo "100 * (${res[32]} - ${res[0]}) / ${res[0]}" | bc -l)" \
	"$(echo "100 * (${res[32]} - ${res[again]}) / ${res[again]}" | bc -l)"
echo "load after: $(uptime)"
