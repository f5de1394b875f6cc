# configs.sh: the recorder configurations a workload runs under. Sourced by
# bench/run.sh. Each config C has
#   cfg_C_start TDIR   sets CFG_PREFIX (argv before timeit) and CFG_OPTS (timeit
#                      options), starting whatever daemon the config needs;
#   cfg_C_stop TDIR    stops it and sets CFG_EVENTS / CFG_DROPS (what the
#                      recorder says it captured / lost; "" = unknown).
# The workload always runs as `PREFIX timeit --auid $BENCH_AUID OPTS -o F -- CMD`
# so every config pays the same timeit + loginuid write.
# Machine state (audit rules, auditd, kernel audit settings, bpftrace, cgroups)
# is restored by cfg_cleanup_all, which run.sh calls from its EXIT trap.

BENCH_AUID=${BENCH_AUID:-4242}  # loginuid the workloads run with (auditd scope)
AUDIT_KEY=proctor-bench
CFG_EVENTS="" CFG_DROPS=""

# ---- families: record with the peers what proctor records ------------------
# From the program names linked into proctor.bpf.o next to $PROCTOR: process always,
# file when proctor has an open hook, net when it has a connect hook.
# BENCH_FAMILIES=process,file,net overrides.
detect_families() {
	local obj names fam=process
	obj=$(dirname "$PROCTOR")/proctor.bpf.o
	if [[ -n ${BENCH_FAMILIES:-} ]]; then
		echo "$BENCH_FAMILIES"
		return
	fi
	[[ -f $obj ]] && names=$(readelf -sW "$obj" 2>/dev/null | awk '$4 == "FUNC" { print $8 }')
	grep -Eqi 'open|file' <<<"${names:-}" && fam+=,file
	grep -Eqi 'connect|sock|inet|net' <<<"${names:-}" && fam+=,net
	echo "$fam"
}

# ---- bare -------------------------------------------------------------------
cfg_bare_start() { CFG_PREFIX=() CFG_OPTS=(--auid "$BENCH_AUID"); }
cfg_bare_stop() { CFG_EVENTS="" CFG_DROPS=""; }

# ---- proctor ------------------------------------------------------------------
proctor_available() {
	[[ -x $PROCTOR ]] && "$PROCTOR" --help 2>&1 | grep -qw run
}
# proctor's own numbers for the session it just recorded: `sessions --json`
# first, the end-of-run summary on stderr as a fallback.
proctor_counts() {
	local tdir=$1 js
	js=$("$PROCTOR" sessions --db "$tdir/proctor.db" --json 2>/dev/null) || js=""
	read -r CFG_EVENTS CFG_DROPS < <(
		/usr/bin/python3 - "$tdir/proctor.err" "$js" <<'PY'
import json, re, sys
err, js = sys.argv[1], sys.argv[2]
ev = dr = ""
try:  # one JSON object per line; the trial's store holds one session
    s = json.loads(js.strip().splitlines()[-1])
    ev, dr = s.get("events", ""), s.get("drops", "")
except Exception:
    pass
if ev == "":
    try:
        t = open(err).read()
        m = re.findall(r"(\d+)\s+events|events[=:\s]+(\d+)", t)
        ev = next((a or b for a, b in reversed(m)), "")
        m = re.findall(r"(\d+)\s+drops|drops[=:\s]+(\d+)", t)
        dr = next((a or b for a, b in reversed(m)), "")
    except OSError:
        pass
print(ev if ev != "" else "-", dr if dr != "" else "-")
PY
	)
	[[ $CFG_EVENTS == - ]] && CFG_EVENTS=""
	[[ $CFG_DROPS == - ]] && CFG_DROPS=""
	return 0
}
cfg_proctor_sqlite_start() {
	CFG_PREFIX=("$PROCTOR" run --db "$1/proctor.db" --agent bench --project "$WORKLOAD" --)
	CFG_OPTS=(--auid "$BENCH_AUID")
}
cfg_proctor_sqlite_stop() { proctor_counts "$1"; }
# JSON-lines sink only (--db none: no SQLite store); PROCTOR_JSONL_ARGS
# overrides the options (e.g. "--db PATH --jsonl PATH" for SQLite plus JSONL).
cfg_proctor_jsonl_start() {
	local extra
	read -r -a extra <<<"${PROCTOR_JSONL_ARGS:---db none --jsonl $1/events.jsonl}"
	CFG_PREFIX=("$PROCTOR" run "${extra[@]}" --agent bench --project "$WORKLOAD" --)
	CFG_OPTS=(--auid "$BENCH_AUID")
}
cfg_proctor_jsonl_stop() {
	proctor_counts "$1"
	# what actually reached the file, when proctor has no count for us
	[[ -z $CFG_EVENTS && -f $1/events.jsonl ]] && CFG_EVENTS=$(wc -l <"$1/events.jsonl")
	return 0
}

# ---- a second proctor build (PROCTOR_BASE), for before/after comparisons ----
# base_sqlite and base_jsonl are proctor_sqlite and proctor_jsonl run with the
# binary PROCTOR_BASE names (e.g. main before a change), in the same rounds as
# everything else, so before and after are compared in one interleaved run.
base_available() {
	[[ -n ${PROCTOR_BASE:-} && -x $PROCTOR_BASE ]] && "$PROCTOR_BASE" --help 2>&1 | grep -qw run
}
with_base() {
	local saved=$PROCTOR rc
	PROCTOR=$PROCTOR_BASE
	"$@"
	rc=$?
	PROCTOR=$saved
	return $rc
}
cfg_base_sqlite_start() { with_base cfg_proctor_sqlite_start "$@"; }
cfg_base_sqlite_stop() { with_base cfg_proctor_sqlite_stop "$@"; }
cfg_base_jsonl_start() { with_base cfg_proctor_jsonl_start "$@"; }
cfg_base_jsonl_stop() { with_base cfg_proctor_jsonl_stop "$@"; }

# ---- auditd ------------------------------------------------------------------
# auditd (no systemd here: started by hand with a private config whose log is
# in the trial dir), kernel audit rules for the same syscalls proctor records,
# scoped with -F auid=$BENCH_AUID: timeit writes that loginuid before it
# starts the workload, so the rules match the workload and its children only
# (auid is inherited and this machine has no other session with that auid).
AUDITD_PID="" AUDIT_SAVED=""
audit_status() { auditctl -s 2>/dev/null | awk -v k="$1" '$1 == k { print $2 }'; }
cfg_auditd_start() {
	local tdir=$1 fams i
	mkdir -p "$tdir/audit"
	chmod 700 "$tdir/audit"
	# save the kernel audit settings once; restored by audit_restore
	[[ -n $AUDIT_SAVED ]] || AUDIT_SAVED="$(audit_status enabled) $(audit_status backlog_limit) \
$(audit_status failure) $(audit_status rate_limit) $(audit_status backlog_wait_time)"
	sed -e "s|^log_file *=.*|log_file = $tdir/audit/audit.log|" \
		-e "s|^max_log_file_action *=.*|max_log_file_action = ignore|" \
		-e "s|^space_left_action *=.*|space_left_action = ignore|" \
		-e "s|^admin_space_left_action *=.*|admin_space_left_action = ignore|" \
		-e "s|^disk_full_action *=.*|disk_full_action = ignore|" \
		/etc/audit/auditd.conf >"$tdir/audit/auditd.conf"
	chmod 600 "$tdir/audit/auditd.conf"
	auditd -c "$tdir/audit" -s enable 2>"$tdir/audit/auditd.err" || {
		echo "bench: auditd failed: $(cat "$tdir/audit/auditd.err")" >&2
		return 1
	}
	for i in $(seq 100); do
		AUDITD_PID=$(audit_status pid)
		[[ -n $AUDITD_PID && $AUDITD_PID != 0 ]] && break
		sleep 0.05
	done
	[[ -n $AUDITD_PID && $AUDITD_PID != 0 ]] || { echo "bench: auditd did not register" >&2; return 1; }
	# Debian's default audit.rules settings
	auditctl -b 8192 -f 1 --backlog_wait_time 60000 >/dev/null
	AUDIT_LOST0=$(audit_status lost)
	fams=$FAMILIES
	# (the arch filter must come before -S)
	local a=(-a always,exit -F arch=b64) r=(-F auid="$BENCH_AUID" -k "$AUDIT_KEY")
	auditctl "${a[@]}" -S execve,execveat "${r[@]}" >/dev/null || return 1
	auditctl "${a[@]}" -S clone,clone3,fork,vfork "${r[@]}" >/dev/null || return 1
	auditctl "${a[@]}" -S exit,exit_group "${r[@]}" >/dev/null || return 1
	if [[ $fams == *file* ]]; then
		auditctl "${a[@]}" -S open,openat,openat2 "${r[@]}" >/dev/null || return 1
	fi
	if [[ $fams == *net* ]]; then
		auditctl "${a[@]}" -S connect,accept,accept4 "${r[@]}" >/dev/null || return 1
	fi
	auditctl -l >"$tdir/audit/rules.txt"
	CFG_PREFIX=() CFG_OPTS=(--auid "$BENCH_AUID")
}
audit_stop_daemon() {
	auditctl -D -k "$AUDIT_KEY" >/dev/null 2>&1
	if [[ -n $AUDITD_PID && $AUDITD_PID != 0 ]]; then
		kill -TERM "$AUDITD_PID" 2>/dev/null
		for _ in $(seq 100); do
			kill -0 "$AUDITD_PID" 2>/dev/null || break
			sleep 0.05
		done
	fi
	AUDITD_PID=""
}
audit_restore() {
	local e b f r w
	[[ -n $AUDIT_SAVED ]] || return 0
	read -r e b f r w <<<"$AUDIT_SAVED"
	auditctl -e "${e:-0}" -b "${b:-64}" -f "${f:-1}" -r "${r:-0}" \
		--backlog_wait_time "${w:-15000}" >/dev/null 2>&1
}
cfg_auditd_stop() {
	local tdir=$1 lost
	lost=$(audit_status lost)
	audit_stop_daemon
	audit_restore
	# records of our key that reached the log (one SYSCALL record per event)
	CFG_EVENTS=$(grep -c "key=\"$AUDIT_KEY\"" "$tdir/audit/audit.log" 2>/dev/null || true)
	CFG_DROPS=$((${lost:-0} - ${AUDIT_LOST0:-0}))
}

# ---- bpftrace -------------------------------------------------------------------
# tracepoint probes equivalent to proctor's (exec with filename and argv, fork,
# exit; openat and connect/accept when proctor has those families), filtered
# in the kernel by cgroup id: timeit moves the workload into a fresh cgroup v2
# directory first. Output is written to a file with -o.
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
BT_PID="" BT_CG="" BT_MOUNTED=""
# tracepoint: probes need tracefs; mount it when nobody has (unmounted at exit)
bt_tracefs() {
	local t=/sys/kernel/tracing
	[[ -d $t/events/sched ]] && return 0
	[[ -d /sys/kernel/debug/tracing/events/sched ]] && return 0
	mount -t tracefs nodev "$t" && BT_MOUNTED=$t
}
bt_script() {
	local cg=$1 ready=$2 f="cgroup == cgroupid(\"$1\")"
	# BEGIN fires once every probe is attached. bpftrace block-buffers -o
	# files (its default, kept: it is the cheap way), so readiness is a touch.
	echo "BEGIN { system(\"touch $ready\"); }"
	cat <<EOT
tracepoint:sched:sched_process_exec /$f/ { printf("%llu exec pid=%d ppid=%d uid=%d comm=%s file=%s\n", nsecs, pid, curtask->real_parent->tgid, uid, comm, str(args->filename)); }
tracepoint:syscalls:sys_enter_execve /$f/ { printf("%llu argv pid=%d ", nsecs, pid); join(args->argv); }
tracepoint:sched:sched_process_fork /$f/ { printf("%llu fork ppid=%d pid=%d comm=%s\n", nsecs, args->parent_pid, args->child_pid, comm); }
tracepoint:sched:sched_process_exit /$f/ { printf("%llu exit pid=%d tid=%d code=%d comm=%s\n", nsecs, pid, tid, curtask->exit_code, comm); }
EOT
	[[ $FAMILIES == *file* ]] && cat <<EOT
tracepoint:syscalls:sys_enter_openat /$f/ { printf("%llu open pid=%d flags=%d path=%s\n", nsecs, pid, args->flags, str(args->filename)); }
EOT
	[[ $FAMILIES == *net* ]] && cat <<EOT
tracepoint:syscalls:sys_enter_connect /$f/ { printf("%llu connect pid=%d fd=%d\n", nsecs, pid, args->fd); }
tracepoint:syscalls:sys_exit_accept4 /$f/ { printf("%llu accept pid=%d fd=%d\n", nsecs, pid, args->ret); }
EOT
	return 0
}
cfg_bpftrace_start() {
	local tdir=$1 i
	[[ -n $CG2 ]] || { echo "bench: no cgroup2 mount" >&2; return 1; }
	BT_CG=$CG2/proctor-bench.$$.${tdir##*/}
	bt_tracefs || { echo "bench: no tracefs for bpftrace" >&2; return 1; }
	mkdir "$BT_CG" || return 1
	BT_READY=$(mktemp -u /tmp/pbt.XXXXXX) # bpftrace strings are <= 64 bytes
	bt_script "$BT_CG" "$BT_READY" >"$tdir/probes.bt"
	bpftrace --unsafe -o "$tdir/bpftrace.out" "$tdir/probes.bt" 2>"$tdir/bpftrace.err" &
	BT_PID=$!
	for i in $(seq 1500); do
		[[ -e $BT_READY ]] && break
		kill -0 "$BT_PID" 2>/dev/null || break
		sleep 0.02
	done
	[[ -e $BT_READY ]] || {
		echo "bench: bpftrace did not start: $(head -5 "$tdir/bpftrace.err")" >&2
		return 1
	}
	CFG_PREFIX=() CFG_OPTS=(--auid "$BENCH_AUID" --cgroup "$BT_CG")
}
bt_stop() {
	if [[ -n $BT_PID ]]; then
		kill -INT "$BT_PID" 2>/dev/null
		wait "$BT_PID" 2>/dev/null
	fi
	BT_PID=""
	[[ -n ${BT_READY:-} ]] && rm -f "$BT_READY"
	if [[ -n $BT_CG && -d $BT_CG ]]; then
		# leftover processes (a failed workload) go back to the root cgroup
		while read -r p; do echo "$p" >"$CG2/cgroup.procs"; done <"$BT_CG/cgroup.procs" 2>/dev/null
		rmdir "$BT_CG" 2>/dev/null
	fi
	BT_CG=""
}
cfg_bpftrace_stop() {
	local tdir=$1
	bt_stop
	CFG_EVENTS=$(grep -cv -e '^Attaching' -e '^READY' -e '^$' "$tdir/bpftrace.out" 2>/dev/null)
	CFG_DROPS=$(sed -n 's/.*Lost \([0-9]*\) events.*/\1/p' "$tdir/bpftrace.out" "$tdir/bpftrace.err" 2>/dev/null |
		awk '{ s += $1 } END { print s + 0 }')
}

# Called from run.sh's EXIT trap: leave no rules, daemons or cgroups behind.
cfg_cleanup_all() {
	audit_stop_daemon
	audit_restore
	bt_stop
	[[ -n $BT_MOUNTED ]] && umount "$BT_MOUNTED" 2>/dev/null
	BT_MOUNTED=""
}
