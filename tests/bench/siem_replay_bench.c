/* siem_replay_bench.c: end-to-end delivery rate of a network sink through
 * its spool to a local HTTP receiver (tests/bench/null_receiver.py PORT).
 * A measurement tool, not a test. Build like siem_pipeline_bench.c; run:
 *   python3 tests/bench/null_receiver.py 18555 &
 *   build/siem_replay_bench otlp+http://127.0.0.1:18555 100000
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sinks/netsink.h"
#include "util/util.h"
int main(int argc, char **argv)
{
	char err[256];
	struct sink *s;
	struct record r, *p = &r;

	if (argc < 3) {
		fprintf(stderr, "usage: %s SINK_URL N\n", argv[0]);
		return 2;
	}
	int i, N = atoi(argv[2]);
	if (system("rm -rf /tmp/siem-bench-spool2")) {
	}
	setenv("PROCTOR_SPOOL_DIR", "/tmp/siem-bench-spool2", 1);
	/* fill while receiver down: use a dead port first */
	s = sink_open_url(argv[1], err, sizeof(err));
	if (!s) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	record_init(&r);
	uint64_t t0 = now_monotonic_ns();
	for (i = 0; i < N; i++) {
		const char *av[] = {"/usr/bin/python3", "-m", "pytest", "-q"};
		record_reset(&r);
		record_begin(&r, 1, "process.exec", now_realtime_ns());
		record_add_str(&r, "session", "S");
		record_add_str(&r, "host.name", "h");
		record_add_int(&r, "process.pid", i);
		record_add_strv(&r, "process.command_args", av, 4);
		record_add_str(&r, "process.command_line", "/usr/bin/python3 -m pytest -q");
		s->ops->write(s, &p, 1);
	}
	uint64_t t1 = now_monotonic_ns();
	struct netsink *ns = netsink_of(s);
	if (!netsink_wait_idle(ns, 120000))
		fprintf(stderr, "not delivered within 120 s\n");
	uint64_t t2 = now_monotonic_ns();
	printf("%s: spool %d records: %.0f rec/s; delivered all in %.2fs = %.0f rec/s end to end\n",
	       argv[1], N, N / ((t1 - t0) / 1e9), (t2 - t0) / 1e9, N / ((t2 - t0) / 1e9));
	sink_close(s);
	return 0;
}
