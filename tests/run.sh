#!/usr/bin/env bash
# run.sh: every test: cmocka unit tests (build/tests/test_*), then, as root,
# the cmocka tests that need root (build/tests/root/test_*) and the
# end-to-end suite (pytest, on the real kernel). Ends with one line
# "tests: N passed, N failed, N skipped" over all of them (cmocka skips
# counted too), and exits non-zero if anything failed.
#   tests/run.sh            all
#   tests/run.sh --unit     unit tests only (no root needed)
#   tests/run.sh -k EXPR    pass a selection to pytest (root unit tests run too)
#   tests/run.sh --asan     against the ASan/UBSan build ($BUILD, `make asan`):
#                           unit tests, root unit tests, the e2e smoke subset
set -u
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
BUILD=${BUILD:-build}
passed=0 failed=0 skipped=0
unit_only=0 asan=0
[[ "${1:-}" == "--unit" ]] && { unit_only=1; shift; }
[[ "${1:-}" == "--asan" ]] && { asan=1; shift; }

# The e2e smoke subset under ASan/UBSan: each user-space layer once (decode of
# every family, pipeline stages, the store and CLI; every sink through the
# redaction test), and the rate limiter dropping a record an escape is derived
# from (issue 10 §3: test_rate_limited_opens_never_garble_their_escapes). About 2-3 minutes on 2 cores.
SMOKE_FILES=(tests/e2e/test_process.py tests/e2e/test_file_open.py tests/e2e/test_file_io.py
	tests/e2e/test_security_escape.py tests/e2e/test_security_privilege.py
	tests/e2e/test_security_memexec.py tests/e2e/test_tree.py tests/e2e/test_cli_errors.py
	tests/e2e/test_jsonl_only.py tests/e2e/test_sink_pipeline.py
	tests/e2e/test_sink_redaction.py)
SMOKE_NET="test_syscall_events_tcp_udp or test_tcp_flow_bytes_exact or test_dns_query_response or test_policy_rule_kinds or test_timed_bypass"
SMOKE_RATE_ESCAPE="rate_limited_opens_never_garble"

if ((asan)); then
	san=$BUILD/san
	rm -rf "$san" && mkdir -p "$san"
	# Reports go to files ($san/asan.PID, $san/ubsan.PID): a report from a
	# process whose exit status no test looks at still fails the run.
	export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:log_path=$PWD/$san/asan"
	export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$PWD/$san/ubsan"
	export LSAN_OPTIONS="suppressions=$PWD/tests/asan/lsan.supp:print_suppressions=0"
	export PROCTOR=$PWD/$BUILD/proctor
fi

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

# Run pytest; add its passed/failed/skipped to the totals (no summary line,
# e.g. nothing selected, counts as a failure).
pytest_count() {
	local log line p f s
	log=$(mktemp)
	$PY -m pytest -q -p no:cacheprovider -o console_output_style=classic "$@" 2>&1 | tee "$log"
	line=$(grep -E '^=*.* (passed|failed|error|skipped)' "$log" | tail -1)
	p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || echo 0)
	f=$(grep -oE '[0-9]+ (failed|error|errors)' <<<"$line" | grep -oE '[0-9]+' | paste -sd+ | bc 2>/dev/null || echo 0)
	s=$(grep -oE '[0-9]+ skipped' <<<"$line" | grep -oE '[0-9]+' || echo 0)
	[[ -z "$line" ]] && { echo "pytest $*: nothing ran" >&2; f=1; }
	passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
	rm -f "$log"
}

echo "== unit tests (cmocka)"
run_cmocka "$BUILD"/tests/test_*

if ((!unit_only)); then
	if [[ $(id -u) != 0 ]]; then
		echo "end-to-end tests need root" >&2
		failed=$((failed + 1))
	else
		echo "== unit tests that need root (cmocka: BPF, cgroups)"
		run_cmocka "$BUILD"/tests/root/test_*
		echo "== end-to-end tests (pytest, real kernel)"
		if ((asan)); then
			pytest_count "${SMOKE_FILES[@]}" "$@"
			pytest_count tests/e2e/test_network.py -k "$SMOKE_NET" "$@"
			pytest_count tests/e2e -k "$SMOKE_RATE_ESCAPE" "$@"
		else
			pytest_count tests/e2e "$@"
		fi
	fi
fi
if ((asan)); then
	reports=$(ls "$san" 2>/dev/null | wc -l)
	if ((reports > 0)); then
		echo "== sanitizer reports ($san)"
		head -40 "$san"/*
		failed=$((failed + reports))
	fi
fi
echo
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
((failed == 0))
