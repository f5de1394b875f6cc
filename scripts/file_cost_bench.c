/* file_cost_bench.c: workload for scripts/file_cost.py. Reads a phase name
 * and a count from stdin, runs it, prints "done <ns>" (wall time). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long long now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	char phase[64], path[256], buf[64];
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	long n, i;
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(path, sizeof(path), "%s/f", dir);
	close(open(path, O_WRONLY | O_CREAT, 0644));
	for (i = 0; i < 1000; i++) {
		snprintf(buf, sizeof(buf), "%s/c%ld", dir, i);
		close(open(buf, O_WRONLY | O_CREAT, 0644));
	}
	while (scanf("%63s %ld", phase, &n) == 2) {
		long long t0 = now();
		if (!strcmp(phase, "open_same")) { /* folded after the first */
			for (i = 0; i < n; i++)
				close(open(path, O_RDONLY));
		} else if (!strcmp(phase, "open_distinct_fail")) { /* each one emitted */
			for (i = 0; i < n; i++) {
				snprintf(buf, sizeof(buf), "%s/missing%ld", dir, i);
				open(buf, O_RDONLY);
			}
		} else if (!strcmp(phase, "open_cycle")) { /* 1000 files: each open emitted, path walked */
			for (i = 0; i < n; i++) {
				snprintf(buf, sizeof(buf), "%s/c%ld", dir, i % 1000);
				close(open(buf, O_RDONLY));
			}
		} else if (!strcmp(phase, "read")) {
			fd = open(path, O_RDONLY);
			for (i = 0; i < n; i++)
				pread(fd, buf, 1, 0);
			close(fd);
		} else if (!strcmp(phase, "write")) {
			fd = open(path, O_WRONLY);
			for (i = 0; i < n; i++)
				pwrite(fd, buf, 1, 0);
			close(fd);
		} else if (!strcmp(phase, "chmod")) {
			for (i = 0; i < n; i++)
				chmod(path, 0644);
		} else if (!strcmp(phase, "getpid")) { /* an unhooked syscall */
			for (i = 0; i < n; i++)
				getppid();
		}
		printf("done %lld\n", now() - t0);
	}
	return 0;
}
