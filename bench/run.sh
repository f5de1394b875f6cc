#!/usr/bin/env bash
# bench/run.sh: proctor's benchmark suite (issue 6). `make bench` runs it as
# root. Every workload runs bare and under every configuration in the same
# run, interleaved (one trial of each config per round, the config order
# rotated every round), BENCH_RUNS rounds; then the in-kernel cost and the
# pipeline numbers. Writes bench/results/latest.{md,json} and timestamped copies.
#
# Knobs (environment):
#   BENCH_RUNS=N         rounds per workload x config (default 3: with the file
#                        family a round takes ~6 min on 2 loaded cores; 5+ for
#                        tighter medians)
#   BENCH_QUICK=1        quarter-size loops, short pipeline steps
#   BENCH_WORKLOADS="exec open ..."  subset (exec open connect git make findgrep agent)
#   BENCH_CONFIGS="bare proctor_sqlite ..."  subset (bare proctor_sqlite
#                        proctor_jsonl auditd bpftrace)
#   BENCH_SKIP="kcost pipeline"  skip whole phases (workloads kcost pipeline daemon)
#   BENCH_FAMILIES=process[,file][,net]  what the peers record (default: what
#                        proctor's BPF object has)
#   BENCH_OUT=DIR        results directory (default bench/results)
#   BENCH_CLEAN_WAIT=S   wait up to S s before each trial for no other proctor
#                        instance to be loaded on the machine (default 0)
#   BENCH_KEEP=1         keep the scratch directory (trial logs)
#   PROCTOR=PATH         the proctor binary (default build/proctor)
#   PROCTOR_BASE=PATH    a second proctor binary (e.g. main before a change): adds
#                        it to BENCH_CONFIGS as base_sqlite and base_jsonl, run in
#                        the same interleaved rounds (before/after in one run)
#   BENCH_PROCTOR_LABEL  what to call it in the results (default: git describe)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
BIN=$ROOT/build/bench
PROCTOR=${PROCTOR:-$ROOT/build/proctor}
OUT=${BENCH_OUT:-$BENCH/results}
QUICK=${BENCH_QUICK:-0}
RUNS=${BENCH_RUNS:-3}
SCALE=$([[ $QUICK == 1 ]] && echo 4 || echo 1)
WORKLOADS=${BENCH_WORKLOADS:-exec open connect git make findgrep agent}
CONFIGS=${BENCH_CONFIGS:-bare proctor_sqlite proctor_jsonl auditd bpftrace}
[[ -n ${PROCTOR_BASE:-} && " $CONFIGS " != *" base_"* ]] && CONFIGS+=" base_sqlite base_jsonl"
SKIP=${BENCH_SKIP:-}
N_EXEC=$((2000 / SCALE)) N_OPEN=$((200000 / SCALE)) N_CONN=$((10000 / SCALE))
N_GIT=2000 N_TREE=6000 N_CUNITS=24
AGENT_USER=proctor-agent
CLAUDE=${PROCTOR_TEST_CACHE:-/var/cache/proctor-test}/claude/node_modules/.bin/claude

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

((EUID == 0)) || die "run as root (make bench does)"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK=$(mktemp -d /tmp/proctor-bench.XXXXXX)
chmod 755 "$WORK"
RAW=$WORK/raw.jsonl
: >"$RAW"
SERVER_PID=""

source "$BENCH/lib/configs.sh"
cleanup() {
	cfg_cleanup_all
	declare -F kcost_restore >/dev/null && kcost_restore
	[[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null
	for p in "${BG_PIDS[@]:-}"; do [[ -n $p ]] && kill "$p" 2>/dev/null; done
	if [[ ${BENCH_KEEP:-0} == 1 ]]; then
		log "scratch kept in $WORK"
	else
		rm -rf "$WORK"
	fi
}
BG_PIDS=()
trap cleanup EXIT
trap 'exit 130' INT TERM

log "building workloads"
make -s -C "$BENCH" OUT="$BIN" || die "bench workloads did not build"
FAMILIES=$(detect_families)
log "families recorded by proctor (and by the peers): $FAMILIES"

# drop configs that cannot run here, saying why (they show as n/a)
declare -A NA=()
proctor_available || {
	NA[proctor_sqlite]="proctor run not available ($PROCTOR)"
	NA[proctor_jsonl]="proctor run not available ($PROCTOR)"
}
base_available || {
	NA[base_sqlite]="no second proctor binary (PROCTOR_BASE=${PROCTOR_BASE:-unset})"
	NA[base_jsonl]=${NA[base_sqlite]}
}
command -v auditd >/dev/null && command -v auditctl >/dev/null || NA[auditd]="auditd not installed"
command -v bpftrace >/dev/null || NA[bpftrace]="bpftrace not installed"
if [[ " $WORKLOADS " == *" agent "* ]] && ! "$CLAUDE" --version >/dev/null 2>&1; then
	log "Claude Code not in cache; installing it through the e2e harness once"
	"$ROOT/tests/e2e/agents/claude_harness.sh" -- "true" >/dev/null 2>&1
	"$CLAUDE" --version >/dev/null 2>&1 || { log "no Claude Code: agent workload skipped"; WORKLOADS=${WORKLOADS/agent/}; }
fi
for c in "${!NA[@]}"; do log "config $c: n/a: ${NA[$c]}"; done

# ---- fixtures (untimed) --------------------------------------------------------
FIX=$WORK/fixtures
mkdir -p "$FIX"
log "generating fixtures in $FIX"
printf 'proctor bench small file\n' >"$FIX/small.txt"
"$BENCH/lib/fixtures.py" tree "$FIX/tree" "$N_TREE"
"$BENCH/lib/fixtures.py" tree "$FIX/gitsrc" "$N_GIT"
"$BENCH/lib/fixtures.py" cproject "$FIX/cproject" "$N_CUNITS"
touch -d '2020-01-01' "$FIX/tree/mod00"

# ---- workloads: wl_W_prepare TDIR sets WL_CMD; wl_W_check TDIR validates ------
wl_exec_prepare() { WL_CMD=("$BIN/exec_loop" "$N_EXEC"); }
wl_open_prepare() { WL_CMD=("$BIN/open_loop" "$N_OPEN" "$FIX/small.txt"); }
wl_connect_prepare() { WL_CMD=("$BIN/connect_loop" "$N_CONN"); }
wl_git_prepare() {
	cp -a "$FIX/gitsrc" "$1/repo"
	WL_CMD=(env HOME="$1" GIT_CONFIG_NOSYSTEM=1 sh -c 'cd "$1" && git init -q . &&
		git add -A && git -c user.email=bench@proctor -c user.name=bench commit -qm import &&
		git status --short && git log --oneline >/dev/null &&
		echo change >>mod01/sub1/file0001.c && git status --short >/dev/null &&
		git -c user.email=bench@proctor -c user.name=bench commit -qam change &&
		git log --stat -2 >/dev/null' sh "$1/repo")
}
wl_make_prepare() {
	make -s -C "$FIX/cproject" clean >/dev/null
	WL_CMD=(make -s -j2 -C "$FIX/cproject")
}
wl_findgrep_prepare() { WL_CMD=(sh "$BENCH/workloads/findgrep.sh" "$FIX/tree"); }
wl_agent_prepare() {
	local tdir=$1 home port
	home=$(getent passwd "$AGENT_USER" | cut -d: -f6)
	rm -rf "$home/work"
	mkdir -p "$home/work" && chown "$AGENT_USER": "$home/work"
	: >"$tdir/server.log"
	/usr/bin/python3 "$ROOT/tests/e2e/agents/fake_anthropic.py" --port 0 --script "$BENCH/agent/session.txt" \
		--log "$tdir/server.log" >"$tdir/server.out" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 100); do
		port=$(sed -n 's/^PORT=//p' "$tdir/server.out")
		[[ -n $port ]] && break
		sleep 0.05
	done
	WL_CMD=(runuser -u "$AGENT_USER" -- /usr/bin/env -i -C "$home/work" HOME="$home"
		USER="$AGENT_USER" LOGNAME="$AGENT_USER" SHELL=/bin/bash PATH=/usr/local/bin:/usr/bin:/bin
		LANG=C.UTF-8 ANTHROPIC_BASE_URL="http://127.0.0.1:$port" ANTHROPIC_API_KEY=test-key
		DISABLE_TELEMETRY=1 DISABLE_AUTOUPDATER=1 DISABLE_ERROR_REPORTING=1
		CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1
		"$CLAUDE" -p "run the command" --dangerously-skip-permissions
		--output-format json --no-session-persistence)
}
wl_agent_check() {
	kill "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=""
	grep -q '"action": "final"' "$1/server.log" && ! grep -q '"tool_result_blocked": true' "$1/server.log"
}

# Other proctor instances loaded on the machine (other engineers' tests): their
# syscall hooks slow every process, bare included. Counted around each trial
# (ours is not loaded at those moments) and reported; BENCH_CLEAN_WAIT=S waits
# up to S seconds for a moment without any before a trial.
foreign_proctors() { bpftool prog show 2>/dev/null | grep -c 'name handle_exec'; }
CLEAN_WAIT=${BENCH_CLEAN_WAIT:-0}
wait_clean() {
	local end=$((SECONDS + CLEAN_WAIT))
	while ((SECONDS < end)) && (($(foreign_proctors) > 0)); do sleep 0.2; done
}

# one trial: prints a JSON line to $RAW
trial() {
	local w=$1 c=$2 round=$3 tdir rc ok=true ns cpu t0 t1 note=""
	tdir=$WORK/t.$w.$c.$round
	mkdir -p "$tdir"
	chmod 755 "$tdir"
	WORKLOAD=$w CFG_EVENTS="" CFG_DROPS=""
	"wl_${w}_prepare" "$tdir"
	((CLEAN_WAIT > 0)) && wait_clean
	local f0 f1
	f0=$(foreign_proctors)
	if ! "cfg_${c}_start" "$tdir"; then
		cfg_cleanup_all
		note="config failed to start"
		ok=false
	else
		t0=$EPOCHREALTIME
		timeout -k 5 600 "${CFG_PREFIX[@]}" "$BIN/timeit" "${CFG_OPTS[@]}" -o "$tdir/time" -- "${WL_CMD[@]}" \
			>"$tdir/out" 2>"$tdir/proctor.err"
		rc=$?
		t1=$EPOCHREALTIME
		"cfg_${c}_stop" "$tdir"
		f1=$(foreign_proctors)
		((f1 > f0)) && f0=$f1
		((rc == 0)) || { ok=false; note="exit $rc: $(tail -c 300 "$tdir/proctor.err" | tr -d '"\\\n\t')"; }
	fi
	if declare -F "wl_${w}_check" >/dev/null; then
		"wl_${w}_check" "$tdir" || { ok=false; note="${note:-workload check failed}"; }
	fi
	ns=$(sed -n 's/^elapsed_ns=\([0-9]*\).*/\1/p' "$tdir/time" 2>/dev/null | tail -1)
	cpu=$(sed -n 's/.*cpu_ns=\([0-9]*\).*/\1/p' "$tdir/time" 2>/dev/null | tail -1)
	printf '{"workload":"%s","config":"%s","round":%d,"load1":%s,"foreign":%d,"ok":%s,"seconds":%s,"cpu_seconds":%s,"outer_seconds":%s,"events":%s,"drops":%s,"note":"%s"}\n' \
		"$w" "$c" "$round" "$(cut -d' ' -f1 /proc/loadavg)" "${f0:-0}" "$ok" "$(awk -v n="${ns:-0}" 'BEGIN { printf "%.6f", n / 1e9 }')" \
		"$(awk -v n="${cpu:-0}" 'BEGIN { printf "%.6f", n / 1e9 }')" \
		"$(awk -v a="${t0:-0}" -v b="${t1:-0}" 'BEGIN { printf "%.6f", b - a }')" \
		"${CFG_EVENTS:-null}" "${CFG_DROPS:-null}" "$note" >>"$RAW"
	$ok || log "  $w/$c round $round FAILED: $note (logs: $tdir)"
	$ok && [[ ${BENCH_KEEP:-0} != 1 ]] && rm -rf "$tdir"
	return 0
}

# ---- phase 1: workloads x configs, interleaved ----------------------------------
read -r -a CFGS <<<"$CONFIGS"
RUN_CFGS=()
for c in "${CFGS[@]}"; do [[ -z ${NA[$c]:-} ]] && RUN_CFGS+=("$c"); done
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
T_START=$(date +%s)
if [[ " $SKIP " != *" workloads "* ]]; then
	log "workloads: $WORKLOADS; configs: ${RUN_CFGS[*]}; $RUNS rounds"
	for w in $WORKLOADS; do
		log "warm-up: $w (bare, discarded)"
		trial "$w" bare 0
	done
	sed -i '/"round":0,/d' "$RAW"
	for ((r = 1; r <= RUNS; r++)); do
		for w in $WORKLOADS; do
			n=${#RUN_CFGS[@]}
			order=()
			for ((i = 0; i < n; i++)); do order+=("${RUN_CFGS[$(((i + r - 1) % n))]}"); done
			log "round $r/$RUNS $w: ${order[*]}"
			for c in "${order[@]}"; do trial "$w" "$c" "$r"; done
		done
	done
fi
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- phase 2 and 3: in-kernel cost, pipeline ---------------------------------------
if [[ " $SKIP " != *" kcost "* ]]; then
	if proctor_available; then
		log "in-kernel cost (bpf stats)"
		source "$BENCH/lib/kcost.sh"
		kcost >"$WORK/kcost.json" || log "kcost failed"
	else
		echo '{"status": "n/a: proctor run not available"}' >"$WORK/kcost.json"
	fi
fi
if [[ " $SKIP " != *" pipeline "* ]]; then
	if proctor_available; then
		log "pipeline: throughput, drops, RSS, load time"
		source "$BENCH/lib/pipeline.sh"
		pipeline >"$WORK/pipeline.json" || log "pipeline failed"
	else
		echo '{"status": "n/a: proctor run not available"}' >"$WORK/pipeline.json"
	fi
fi

if [[ " $SKIP " != *" daemon "* ]]; then
	log "daemon: start-up via the daemon, untracked open loop with idle sessions"
	BENCH_RUNS=$RUNS BENCH_OPEN_LOOP=$N_OPEN PROCTOR=$PROCTOR "$BENCH/daemon.sh" \
		>"$WORK/daemon.txt" 2>"$WORK/daemon.err" || log "daemon bench failed"
	cat "$WORK/daemon.txt" >&2
fi

# ---- machine + report ---------------------------------------------------------------
na_json=$(for c in "${!NA[@]}"; do printf '"%s": "%s",' "$c" "${NA[$c]}"; done)
cat >"$WORK/meta.json" <<EOT
{"stamp": "$STAMP", "date": "$(date -u '+%F %T UTC')",
 "host": {"kernel": "$(uname -r)", "arch": "$(uname -m)",
  "cpu": "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)", "cpus": $(nproc),
  "mem_gb": $(awk '/MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo),
  "os": "$(. /etc/os-release && echo "$PRETTY_NAME")",
  "loadavg_start": "$LOAD0", "loadavg_end": "$LOAD1"},
 "versions": {"proctor": "${BENCH_PROCTOR_LABEL:-$(git -C "$ROOT" describe --always --dirty 2>/dev/null)}",
  "proctor_binary": "$PROCTOR",
  "auditd": "$(auditctl -v 2>/dev/null | awk '{ print $NF }')",
  "bpftrace": "$(bpftrace --version 2>/dev/null | awk '{ print $2 }')",
  "git": "$(git --version | awk '{ print $3 }')",
  "claude": "$("$CLAUDE" --version 2>/dev/null | awk '{ print $1 }')"},
 "runs": $RUNS, "quick": $QUICK, "families": "$FAMILIES",
 "sizes": {"exec": $N_EXEC, "open": $N_OPEN, "connect": $N_CONN, "git_files": $N_GIT,
  "tree_files": $N_TREE, "c_units": $N_CUNITS,
  "agent_tool_calls": $(grep -cv '^#' "$BENCH/agent/session.txt")},
 "na": {${na_json%,}}, "workload_seconds": $(($(date +%s) - T_START))}
EOT
mkdir -p "$OUT"
# docs/BENCHMARKS.md holds the latest table: updated when the results go to
# the default place (BENCH_DOC=0 to leave it alone)
DOC=()
[[ -z ${BENCH_OUT:-} && ${BENCH_DOC:-1} == 1 && -f $ROOT/docs/BENCHMARKS.md ]] && DOC=(--doc "$ROOT/docs/BENCHMARKS.md")
/usr/bin/python3 "$BENCH/lib/report.py" --raw "$RAW" --meta "$WORK/meta.json" \
	--kcost "$WORK/kcost.json" --pipeline "$WORK/pipeline.json" \
	--out "$OUT" --stamp "$STAMP" "${DOC[@]}" || die "report failed"
if [[ -s $WORK/daemon.txt ]]; then # the daemon's two figures (issue 11)
	cp "$WORK/daemon.txt" "$OUT/$STAMP-daemon.txt"
	cp "$WORK/daemon.txt" "$OUT/latest-daemon.txt"
fi
# the API, tree and report on a 1M-event session (issue 14; BENCH_SERVE=0 skips)
if [[ ${BENCH_SERVE:-1} == 1 ]]; then
	log "serve: a 1M-event session (bench/serve.py)"
	PROCTOR="$PROCTOR" /usr/bin/python3 "$BENCH/serve.py" || die "bench/serve.py failed"
fi
log "results: $OUT/latest.md ($OUT/$STAMP.md)"
cat "$OUT/latest.md"
[[ -s $OUT/latest-daemon.txt ]] && cat "$OUT/latest-daemon.txt"
