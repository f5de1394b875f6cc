/* store_write_bench.c: throughput of the SQLite sink (records -> store) in
 * one thread: batches of 4096 records, a process lifecycle (fork, exec,
 * exit) and file.open events per pid, one session begin/end. A measurement
 * tool, not a test. Build after `make` (as siem_pipeline_bench.c):
 *   gcc -O2 -std=gnu11 -D_GNU_SOURCE -Isrc -Iinclude -Ibuild -DPROCTOR_VERSION="\"b\"" \
 *     -o build/store_write_bench tests/bench/store_write_bench.c build/libproctor.a \
 *     $(pkg-config --libs libbpf sqlite3 yaml-0.1 libcurl libmicrohttpd zlib libelf openssl) \
 *     -lpthread -lm
 * Usage: store_write_bench DB_PATH [PIDS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sinks/sink.h"
#include "util/util.h"

#define BATCH	4096
#define PER_PID 8 /* fork, exec, 5 opens, exit */

static void mk(struct record *r, int pid, int k)
{
	static const char *const argv[] = {"/usr/bin/python3", "-m", "pytest", "-q"};
	static const char *const types[PER_PID] = {"process.fork", "process.exec", "file.open",
						   "file.open",	   "file.open",	   "file.open",
						   "file.open",	   "process.exit"};
	char path[64];

	record_reset(r);
	record_begin(r, 1, types[k], 1000000000ull * 1000 + (uint64_t)pid * PER_PID + k);
	r->pid = pid;
	record_add_str(r, "session", "bench-session");
	record_add_int(r, "process.pid", pid);
	record_add_int(r, "process.parent_pid", pid - 1);
	record_add_str(r, "process.name", "python3");
	if (k == 1) {
		record_add_str(r, "process.executable.path", "/usr/bin/python3.11");
		record_add_strv(r, "process.command_args", argv, 4);
		record_add_str(r, "process.command_line", "/usr/bin/python3 -m pytest -q");
		record_add_str(r, "process.working_directory", "/home/dev/project");
	} else if (k >= 2 && k < 7) {
		snprintf(path, sizeof(path), "/home/dev/project/src/f%d.py", k);
		record_add_str(r, "file.path", path);
	} else if (k == 7) {
		record_add_int(r, "process.exit.code", 0);
	}
}

/* CPU time of the process (the writer and the checkpointer thread). */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	int pids = argc > 2 ? atoi(argv[2]) : 20000, n = 0, i, j;
	char url[4200], err[512];
	struct record *recs = calloc(BATCH, sizeof(*recs)), *ptrs[BATCH];
	struct session ses;
	struct sink *s;
	uint64_t t0, t1, c0, c1;

	if (argc < 2 || !recs)
		return 2;
	snprintf(url, sizeof(url), "%s-wal", argv[1]);
	unlink(url);
	snprintf(url, sizeof(url), "%s-shm", argv[1]);
	unlink(url);
	unlink(argv[1]);
	snprintf(url, sizeof(url), "sqlite:%s", argv[1]);
	if (!(s = sink_open_url(url, err, sizeof(err)))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	memset(&ses, 0, sizeof(ses));
	snprintf(ses.id, sizeof(ses.id), "bench-session");
	for (i = 0; i < BATCH; i++) {
		record_init(&recs[i]);
		ptrs[i] = &recs[i];
	}
	t0 = now_monotonic_ns();
	c0 = cpu_ns();
	s->ops->session_begin(s, &ses);
	for (i = 0; i < pids; i++) {
		for (j = 0; j < PER_PID; j++) {
			mk(&recs[n++], 2 + i, j);
			if (n == BATCH) {
				s->ops->write(s, ptrs, n);
				n = 0;
			}
		}
	}
	if (n)
		s->ops->write(s, ptrs, n);
	s->ops->session_end(s, &ses);
	t1 = now_monotonic_ns();
	c1 = cpu_ns();
	printf("%.0f rec/s wall, %.0f rec/s cpu\n", (double)pids * PER_PID / ((t1 - t0) / 1e9),
	       (double)pids * PER_PID / ((c1 - c0) / 1e9));
	sink_close(s);
	return 0;
}
