/* sl.c: sl MODE N: N times one cheap syscall, MODE ioctl (FIONREAD on a
 * pipe), kill (kill(getpid(), 0): no signal delivered) or getppid (a syscall
 * no family hooks); prints "<wall_ns> <cpu_ns>" for the whole loop (1 syscall
 * per round). The hot syscalls the signal and ioctl hooks sit on, for
 * untracked processes (bench/dispatch/ab.py). */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static uint64_t ns(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "getppid";
	long n = argc > 2 ? atol(argv[2]) : 200000;
	pid_t me = getpid();
	int p[2], avail;
	uint64_t w0, c0;

	if (pipe(p))
		return 1;
	w0 = ns(CLOCK_MONOTONIC);
	c0 = ns(CLOCK_PROCESS_CPUTIME_ID);
	if (!strcmp(mode, "ioctl")) {
		for (long i = 0; i < n; i++)
			if (ioctl(p[0], FIONREAD, &avail))
				return 1;
	} else if (!strcmp(mode, "kill")) {
		for (long i = 0; i < n; i++)
			if (kill(me, 0))
				return 1;
	} else if (!strcmp(mode, "getppid")) {
		for (long i = 0; i < n; i++)
			getppid();
	} else {
		fprintf(stderr, "usage: sl ioctl|kill|getppid [N]\n");
		return 2;
	}
	printf("%llu %llu\n", (unsigned long long)(ns(CLOCK_MONOTONIC) - w0),
	       (unsigned long long)(ns(CLOCK_PROCESS_CPUTIME_ID) - c0));
	return 0;
}
