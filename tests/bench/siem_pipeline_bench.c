/* siem_pipeline_bench.c: throughput of the export-side stages in one thread:
 * building+redacting exec records (clean and with a token), spool append
 * and replay (peek+decode+commit), OTLP protobuf encoding, RFC 5424
 * formatting. A measurement tool, not a test. Build after `make`:
 *   gcc -O2 -std=gnu11 -D_GNU_SOURCE -Isrc -Iinclude -Ibuild -DPROCTOR_VERSION="\"b\"" \
 *     -o build/siem_pipeline_bench tests/bench/siem_pipeline_bench.c build/libproctor.a \
 *     $(pkg-config --libs libbpf sqlite3 yaml-0.1 libcurl libmicrohttpd zlib libelf openssl libpcre2-8)
 * -lpthread -lm
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pipeline/redact.h"
#include "pipeline/enrich.h"
#include "sinks/spool.h"
#include "sinks/recser.h"
#include "sinks/otlp_enc.h"
#include "sinks/syslog_fmt.h"
#include "util/util.h"

static void mk(struct record *r, int i, int secret)
{
	char cmd[256];
	const char *argv[] = {"/usr/bin/python3",
			      "-m",
			      "pytest",
			      "-q",
			      "tests/unit/test_parser.py",
			      secret ? "--token=ghp_0123456789abcdefghijABCDEFGHIJ012345"
				     : "--maxfail=1"};
	record_reset(r);
	record_begin(r, 1, "process.exec", now_realtime_ns());
	r->session_key = 1;
	record_add_int(r, "process.pid", 1000 + i);
	record_add_int(r, "process.parent_pid", 999);
	record_add_str(r, "process.name", "python3");
	record_add_str(r, "process.executable.path", "/usr/bin/python3.11");
	record_add_strv(r, "process.command_args", argv, 6);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 -m pytest -q tests/unit/test_parser.py %s",
		 argv[5]);
	record_add_str(r, "process.command_line", cmd);
	record_add_str(r, "process.working_directory", "/home/dev/project");
	record_add_int(r, "process.user.id", 0);
}
int main(void)
{
	struct redactor *rd = redactor_new(true);
	struct record r;
	struct strbuf sb = STRBUF_INIT, ser = STRBUF_INIT;
	int i, N = 200000;
	uint64_t t0, t1;
	char err[256];
	record_init(&r);
	for (int secret = 0; secret < 2; secret++) {
		t0 = now_monotonic_ns();
		for (i = 0; i < N; i++) {
			mk(&r, i, secret);
			redact_record(rd, &r);
		}
		t1 = now_monotonic_ns();
		printf("build+redact exec records (%s): %.0f rec/s\n",
		       secret ? "with a token" : "clean", N / ((t1 - t0) / 1e9));
	}
	t0 = now_monotonic_ns();
	for (i = 0; i < N; i++)
		mk(&r, i, 0);
	t1 = now_monotonic_ns();
	printf("build only: %.0f rec/s\n", N / ((t1 - t0) / 1e9));
	/* spool append + replay */
	if (system("rm -rf /tmp/siem-bench-spool")) {
	}
	struct spool *sp =
		spool_open("/tmp/siem-bench-spool", 1ull << 30, NULL, NULL, err, sizeof(err));
	mk(&r, 1, 0);
	record_serialize(&r, &ser);
	t0 = now_monotonic_ns();
	for (i = 0; i < N; i++)
		spool_append(sp, ser.buf, ser.len, 1);
	t1 = now_monotonic_ns();
	printf("spool append: %.0f rec/s (%zu B/rec)\n", N / ((t1 - t0) / 1e9), ser.len + 16);
	struct spool_pos next;
	size_t got = 0;
	struct record back;
	record_init(&back);
	t0 = now_monotonic_ns();
	while (got < (size_t)N) {
		size_t n = spool_peek(sp, 500, 8u << 20, &sb, &next), k;
		const char *p = sb.buf;
		for (k = 0; k < n; k++) {
			uint32_t len;
			memcpy(&len, p, 4);
			record_deserialize(&back, p + 4, len);
			p += 4 + len;
		}
		spool_commit(sp, &next);
		got += n;
		if (!n)
			break;
	}
	t1 = now_monotonic_ns();
	printf("spool replay (peek+decode+commit): %.0f rec/s\n", got / ((t1 - t0) / 1e9));
	struct record *arr[500];
	static struct record rs[500];
	for (i = 0; i < 500; i++) {
		record_init(&rs[i]);
		mk(&rs[i], i, 0);
		arr[i] = &rs[i];
	}
	t0 = now_monotonic_ns();
	for (i = 0; i < 400; i++)
		otlp_encode(arr, 500, OTLP_PROTOBUF, 1, &sb);
	t1 = now_monotonic_ns();
	printf("otlp protobuf encode: %.0f rec/s (%zu B per 500)\n", 400 * 500 / ((t1 - t0) / 1e9),
	       sb.len);
	struct syslog_opts o = {.facility = 13};
	t0 = now_monotonic_ns();
	for (i = 0; i < N; i++)
		syslog_format(&rs[i % 500], &o, &sb);
	t1 = now_monotonic_ns();
	printf("rfc5424 format: %.0f rec/s\n", N / ((t1 - t0) / 1e9));
	return 0;
}
