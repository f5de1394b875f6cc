#!/usr/bin/env bash
# bench/store_size.sh: bytes per event on disk, schema v2 against v1, on the
# bench's mixed workloads (exec, open, find + grep, git, make), each recorded
# into its own store by `proctor run`. The v1 file is the same records in the
# v1 schema (tests/e2e/v1_store.py: the v2 events view gives back each v1 row
# byte for byte), so both sizes are of the same evidence; both are VACUUMed.
# Not part of run.sh: `sudo bench/store_size.sh` (BENCH_QUICK=1: quarter
# loops). Prints one line per workload and the total.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROCTOR=${PROCTOR:-$ROOT/build/proctor}
SCALE=$([[ ${BENCH_QUICK:-0} == 1 ]] && echo 4 || echo 1)
WORK=$(mktemp -d /tmp/proctor-store-size.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
make -s -C "$ROOT/bench" OUT="$ROOT/build/bench" >/dev/null
BIN=$ROOT/build/bench
FIX=$WORK/fix
mkdir -p "$FIX"
printf 'proctor bench small file\n' >"$FIX/small.txt"
"$ROOT/bench/lib/fixtures.py" tree "$FIX/tree" 6000
"$ROOT/bench/lib/fixtures.py" tree "$FIX/gitsrc" 2000
"$ROOT/bench/lib/fixtures.py" cproject "$FIX/cproject" 24
touch -d '2020-01-01' "$FIX/tree/mod00"

record() { # NAME CMD...
	local name=$1
	shift
	"$PROCTOR" run --db "$WORK/$name.db" -- "$@" >/dev/null 2>"$WORK/$name.err" ||
		{ cat "$WORK/$name.err" >&2; exit 1; }
}
record exec "$BIN/exec_loop" $((2000 / SCALE))
record open "$BIN/open_loop" $((200000 / SCALE / 10)) "$FIX/small.txt"
record findgrep sh "$ROOT/bench/workloads/findgrep.sh" "$FIX/tree"
cp -a "$FIX/gitsrc" "$WORK/repo"
record git env HOME="$WORK" GIT_CONFIG_NOSYSTEM=1 sh -c 'cd "$1" && git init -q . &&
	git add -A && git -c user.email=b@p -c user.name=b commit -qm import &&
	git status --short && git log --oneline >/dev/null' sh "$WORK/repo"
record make make -s -j2 -C "$FIX/cproject"

V1_DIR=$ROOT/tests/e2e /usr/bin/python3 - "$WORK" exec open findgrep git make <<'PY'
import os, sqlite3, sys
work, names = sys.argv[1], sys.argv[2:]
sys.path.insert(0, os.environ["V1_DIR"])
from v1_store import make_v1
tot = {"ev": 0, "v1": 0, "v2": 0}
def size(path):
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=DELETE")
    con.execute("VACUUM")
    con.close()
    return os.path.getsize(path)
print(f"{'workload':<10} {'events':>8} {'v1 B/ev':>8} {'v2 B/ev':>8}")
for n in names:
    v2 = os.path.join(work, n + ".db")
    v1 = os.path.join(work, n + ".v1.db")
    make_v1(v2, v1)
    con = sqlite3.connect(v2)
    ev = con.execute("SELECT count(*) FROM events").fetchone()[0]
    con.close()
    b1, b2 = size(v1), size(v2)
    tot["ev"] += ev; tot["v1"] += b1; tot["v2"] += b2
    print(f"{n:<10} {ev:>8} {b1 / ev:>8.0f} {b2 / ev:>8.0f}")
print(f"{'all':<10} {tot['ev']:>8} {tot['v1'] / tot['ev']:>8.0f} {tot['v2'] / tot['ev']:>8.0f}")
PY
