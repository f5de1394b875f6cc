/* statsfd: turns on BPF run-time stats (run_cnt, run_time_ns) for as long as
 * it runs, with BPF_ENABLE_STATS: a reference-counted fd, unlike the
 * kernel.bpf_stats_enabled sysctl, so other users of the machine toggling the
 * sysctl neither disturb the measurement nor are disturbed by it. Prints
 * "READY" once the stats are on, then waits for SIGTERM/SIGINT. */
#include "common.h"
#include <linux/bpf.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.enable_stats.type = BPF_STATS_RUN_TIME;
	int fd = (int)syscall(__NR_bpf, BPF_ENABLE_STATS, &attr, sizeof(attr));
	if (fd < 0)
		die("statsfd: BPF_ENABLE_STATS");
	printf("READY\n");
	fflush(stdout);
	for (;;)
		pause(); /* the fd closes when a signal ends us */
}
