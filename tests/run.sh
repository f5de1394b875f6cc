#!/usr/bin/env bash
# run.sh: every test: cmocka unit tests (build/tests/test_*), then, as root,
# the cmocka tests that need root (build/tests/root/test_*) and the
# end-to-end suite (pytest, on the real kernel). Ends with one line
# "tests: N passed, N failed, N skipped" over all of them (cmocka skips
# counted too), and exits non-zero if anything failed.
#   tests/run.sh            all
#   tests/run.sh --unit     unit tests only (no root needed)
#   tests/run.sh -k EXPR    pass a selection to pytest (root unit tests run too)
set -u
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
passed=0 failed=0 skipped=0
unit_only=0
[[ "${1:-}" == "--unit" ]] && { unit_only=1; shift; }

# Run cmocka binaries; add their passed/failed/skipped to the totals.
run_cmocka() {
	local t out rc p f s
	for t in "$@"; do
		[[ -x "$t" ]] || continue
		out=$("$t" 2>&1); rc=$?
		p=$(grep -c '^\[       OK \]' <<<"$out")
		f=$(grep '^\[  FAILED  \] ' <<<"$out" | grep -v 'test(s)' | sort -u | wc -l)
		s=$(grep '^\[  SKIPPED \] ' <<<"$out" | grep -v 'test(s)' | sort -u | wc -l)
		if ((rc != 0 && f == 0)); then f=1; fi
		passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
		printf '  %-40s %3d passed %3d failed %3d skipped\n' "$(basename "$t")" "$p" "$f" "$s"
		((f > 0)) && echo "$out" | grep -E 'FAILED|Error|error|assert' | head -20
	done
}

echo "== unit tests (cmocka)"
run_cmocka build/tests/test_*

if ((!unit_only)); then
	if [[ $(id -u) != 0 ]]; then
		echo "end-to-end tests need root" >&2
		failed=$((failed + 1))
	else
		echo "== unit tests that need root (cmocka: BPF, cgroups)"
		run_cmocka build/tests/root/test_*
		echo "== end-to-end tests (pytest, real kernel)"
		log=$(mktemp)
		$PY -m pytest tests/e2e -q -p no:cacheprovider -o console_output_style=classic "$@" 2>&1 | tee "$log"
		line=$(grep -E '^=*.* (passed|failed|error|skipped)' "$log" | tail -1)
		p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || echo 0)
		f=$(grep -oE '[0-9]+ (failed|error|errors)' <<<"$line" | grep -oE '[0-9]+' | paste -sd+ | bc 2>/dev/null || echo 0)
		s=$(grep -oE '[0-9]+ skipped' <<<"$line" | grep -oE '[0-9]+' || echo 0)
		[[ -z "$line" ]] && f=1
		passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
		rm -f "$log"
	fi
fi
echo
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
((failed == 0))
