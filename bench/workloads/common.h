/* common.h: tiny helpers shared by the benchmark workloads. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define die(...)                                                                                   \
	do {                                                                                       \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fprintf(stderr, ": %s\n", strerror(errno));                                        \
		exit(1);                                                                           \
	} while (0)

/* Every loop prints one line: "<name> iters=N syscalls=S elapsed_ns=T". */
static inline void report(const char *name, long iters, long syscalls, uint64_t ns)
{
	printf("%s iters=%ld syscalls=%ld elapsed_ns=%llu\n", name, iters, syscalls,
	       (unsigned long long)ns);
}
#endif
