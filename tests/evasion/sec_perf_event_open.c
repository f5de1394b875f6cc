// perf_event_open(): a system-wide hardware counter (needs CAP_PERFMON:
// EACCES for an ordinary user) and a counter on itself (allowed).
// user: proctor-agent
// expect: {"type": "security.escape", "escape.category": "perf_event", "escape.syscall": "perf_event_open", "escape.detail": "type=PERF_TYPE_HARDWARE config=0x0 pid=-1 cpu=0", "event.outcome": "failure", "error.code": "EACCES"}
// expect: {"type": "security.escape", "escape.category": "perf_event", "escape.detail": "type=PERF_TYPE_SOFTWARE config=0x0 pid=0 cpu=-1", "event.outcome": "success"}
#include <linux/perf_event.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_HARDWARE;
	a.config = PERF_COUNT_HW_CPU_CYCLES;
	syscall(SYS_perf_event_open, &a, -1, 0, -1, 0);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.exclude_kernel = a.exclude_hv = 1;
	syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	return 0;
}
