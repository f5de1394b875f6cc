/* otlp_enc.c (bench): encode speed of the OTLP sink's protobuf and JSON
 * encoders on 100k process.exec records (batches of 1000, two sessions), the
 * measurement behind retiring the hand-written wire writer (docs/SINKS.md).
 * Not a timed test: `build/bench/otlp_enc [records]` prints records/s. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "model/record.h"
#include "sinks/otlp_enc.h"

#define BATCH 1000

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void mk(struct record *r, int i)
{
	const char *argv[] = {"git", "commit", "-m", "a message of some length", "--quiet"};

	record_init(r);
	record_begin(r, 1, "process.exec", 1700000000123456789ull + (uint64_t)i);
	record_add_str(r, "session", i % 2 ? "S1" : "S2");
	record_add_str(r, "host.name", "bench-host");
	record_add_str(r, "agent", "claude");
	record_add_int(r, "process.pid", 1000 + i);
	record_add_int(r, "process.parent.pid", 999);
	record_add_str(r, "process.executable", "/usr/bin/git");
	record_add_str(r, "process.name", "git");
	record_add_strv(r, "process.command_args", argv, 5);
	record_add_str(r, "process.command_line",
		       "git commit -m 'a message of some length' --quiet");
	record_add_str(r, "process.working_directory", "/home/user/project");
	record_add_int(r, "user.id", 1000);
	record_add_str(r, "user.name", "user");
	record_add_bool(r, "process.args_truncated", false);
	record_add_str(r, "event.severity", "info");
}

static void run(struct record *const *recs, int n, enum otlp_encoding enc, const char *name)
{
	struct strbuf out = STRBUF_INIT;
	size_t bytes = 0;
	double t0 = now_s(), dt;
	int i;

	for (i = 0; i < n; i += BATCH) {
		if (otlp_encode(recs + i, (size_t)(n - i < BATCH ? n - i : BATCH), enc, 42, &out)) {
			fprintf(stderr, "encode failed\n");
			exit(1);
		}
		bytes += out.len;
	}
	dt = now_s() - t0;
	printf("%-8s %d records in %.3f s: %.0f records/s, %.1f MB/s out (%zu bytes)\n", name, n,
	       dt, n / dt, (double)bytes / dt / 1e6, bytes);
	sb_free(&out);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100000, i, round;
	struct record *recs = calloc((size_t)n, sizeof(*recs));
	struct record **ptrs = calloc((size_t)n, sizeof(*ptrs));

	if (!recs || !ptrs || n <= 0)
		return 2;
	for (i = 0; i < n; i++) {
		mk(&recs[i], i);
		ptrs[i] = &recs[i];
	}
	for (round = 0; round < 3; round++) {
		run(ptrs, n, OTLP_PROTOBUF, "protobuf");
		run(ptrs, n, OTLP_JSON, "json");
	}
	for (i = 0; i < n; i++)
		record_free(&recs[i]);
	free(recs);
	free(ptrs);
	return 0;
}
