/* redact_bench.c: per-record cost of the Redact stage on typical records:
 * an exec record with clean argv, one with a GitHub token, one with an
 * Anthropic key, and a file.open record. A measurement tool, not a test.
 * Build after `make`:
 *   gcc -O2 -std=gnu11 -D_GNU_SOURCE -Isrc -Iinclude -Ibuild -o build/redact_bench \
 *     tests/bench/redact_bench.c build/libproctor.a $(pkg-config --libs libbpf sqlite3 \
 *     yaml-0.1 libcurl libmicrohttpd zlib libelf openssl libpcre2-8) -lpthread -lm
 *   build/redact_bench                 ns per record, each kind
 *   build/redact_bench K R [RULES]     only kind K (0-3), redacting if R=1, with a
 *                                      gitleaks file: for instruction counts, e.g.
 *                                      valgrind --tool=callgrind (R=1 minus R=0)
 * BENCH_N sets the number of records (200000). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/redact_rules.h"
#include "util/util.h"

static const char fake_key[] = "sk-ant-api03-FAKEfakeFAKEfake0123456789_-FAKEfakeFAKEfake0123456789"
			       "_-FAKEfakeFAKEfake0123456789_-FAKEfakeFAKAA";

static void make_record(struct record *r, int kind, int i)
{
	static const char *const last[] = {
		"--maxfail=1", "--token=ghp_0123456789abcdefghijABCDEFGHIJ012345", fake_key};
	const char *argv[] = {"/usr/bin/python3",	   "-m",	  "pytest", "-q",
			      "tests/unit/test_parser.py", last[kind % 3]};
	char cmd[512];

	record_reset(r);
	record_begin(r, kind < 3 ? 1 : 2, kind < 3 ? "process.exec" : "file.open", 1);
	r->session_key = 1;
	record_add_int(r, "process.pid", 1000 + i);
	record_add_str(r, "process.name", "python3");
	record_add_str(r, "process.executable.path", "/usr/bin/python3.11");
	record_add_str(r, "process.parent.chain", "sh(41) < proctor(40) < bash(12)");
	if (kind < 3) {
		snprintf(cmd, sizeof(cmd),
			 "/usr/bin/python3 -m pytest -q tests/unit/test_parser.py %s", last[kind]);
		record_add_strv(r, "process.command_args", argv, 6);
		record_add_str(r, "process.command_line", cmd);
		record_add_str(r, "process.working_directory", "/home/dev/project");
	} else {
		record_add_str(r, "file.path", "/home/dev/project/src/parser/tokenizer_utils.py");
		record_add_str(r, "file.access", "read");
		record_add_str(r, "event.outcome", "success");
	}
}

int main(int argc, char **argv)
{
	static const char *const names[] = {"exec clean", "exec github token", "exec anthropic key",
					    "file.open"};
	struct redactor *rd = redactor_new(true);
	int n = getenv("BENCH_N") ? atoi(getenv("BENCH_N")) : 200000;
	int only = argc > 1 ? atoi(argv[1]) : -1, redact = argc > 2 ? atoi(argv[2]) : 1, i, k;
	struct record r;
	char err[512];

	if (argc > 3 && redact_rules_load(rd, argv[3], err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	record_init(&r);
	for (k = only >= 0 ? only : 0; k < (only >= 0 ? only + 1 : 4); k++) {
		uint64_t t0 = now_monotonic_ns(), t1, t2;
		for (i = 0; i < n; i++) {
			make_record(&r, k, i);
			if (redact)
				redact_record(rd, &r);
		}
		t1 = now_monotonic_ns();
		for (i = 0; only < 0 && i < n; i++)
			make_record(&r, k, i);
		t2 = now_monotonic_ns();
		if (only < 0)
			printf("%-20s %6.0f ns/record\n", names[k],
			       ((double)(t1 - t0) - (double)(t2 - t1)) / n);
	}
	record_free(&r);
	redactor_free(rd);
	return 0;
}
