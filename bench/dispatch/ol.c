/* ol.c: N times open + read + close of /etc/hostname (as open_loop does);
 * prints "<wall_ns> <cpu_ns>" for the whole loop (3 syscalls per round). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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
	long n = argc > 1 ? atol(argv[1]) : 200000;
	char buf[4096];
	uint64_t w0 = ns(CLOCK_MONOTONIC), c0 = ns(CLOCK_PROCESS_CPUTIME_ID);

	for (long i = 0; i < n; i++) {
		int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read(fd, buf, sizeof(buf)) < 0)
			return 1;
		close(fd);
	}
	printf("%llu %llu\n", (unsigned long long)(ns(CLOCK_MONOTONIC) - w0),
	       (unsigned long long)(ns(CLOCK_PROCESS_CPUTIME_ID) - c0));
	return 0;
}
