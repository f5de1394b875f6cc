/* evgen MODE RATE SECONDS [WORKERS]: generates kernel events at a paced rate
 * (RATE operations/s in total, 0 = as fast as possible) for SECONDS, spread
 * over WORKERS processes (default 2). Used for the pipeline benchmark.
 *   fork   vfork + _exit + wait: process.fork + process.exit (2 events/op)
 *   exec   fork + execve /bin/true + wait (3 events/op)
 *   thread pthread_create + join: process.fork with the thread flag (1 event/op)
 *   open   openat + read + close of one of 64 files in turn (file family: a
 *          file.open and a file.read per operation, 2 events/op; 64 distinct
 *          files defeat proctor's in-kernel folding of repeated opens, which
 *          keeps 16 files per process, so every operation is emitted)
 * Prints "evgen mode=M ops=N elapsed_ns=T ops_per_s=X". */
#include "common.h"
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define EVGEN_FILES 64
static char evgen_dir[32];

/* The files of open mode, in a fresh directory removed at the end. */
static void make_files(void)
{
	char path[64];
	snprintf(evgen_dir, sizeof(evgen_dir), "/tmp/evgen.%d", (int)getpid());
	if (mkdir(evgen_dir, 0700) && errno != EEXIST)
		die("mkdir %s", evgen_dir);
	for (unsigned i = 0; i < EVGEN_FILES; i++) {
		snprintf(path, sizeof(path), "%s/f%02u", evgen_dir, i);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || write(fd, "evgen\n", 6) != 6)
			die("create %s", path);
		close(fd);
	}
}

static void remove_files(void)
{
	char path[64];
	for (unsigned i = 0; i < EVGEN_FILES; i++) {
		snprintf(path, sizeof(path), "%s/f%02u", evgen_dir, i);
		unlink(path);
	}
	rmdir(evgen_dir);
}

static void *thr(void *a)
{
	return a;
}

static void one_op(const char *mode)
{
	pid_t p;
	int st;
	switch (mode[0]) {
	case 'f':
		p = vfork();
		if (p == 0)
			_exit(0);
		if (p < 0)
			die("vfork");
		waitpid(p, &st, 0);
		break;
	case 'e':
		p = fork();
		if (p == 0) {
			char *const a[] = {"/bin/true", NULL}, *const e[] = {NULL};
			execve(a[0], a, e);
			_exit(127);
		}
		if (p < 0)
			die("fork");
		waitpid(p, &st, 0);
		break;
	case 't': {
		pthread_t t;
		if (pthread_create(&t, NULL, thr, NULL))
			die("pthread_create");
		pthread_join(t, NULL);
		break;
	}
	case 'o': {
		static unsigned next;
		char buf[256], path[64];
		int fd;
		snprintf(path, sizeof(path), "%s/f%02u", evgen_dir, next++ % EVGEN_FILES);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (read(fd, buf, sizeof(buf)) < 0)
				die("read");
			close(fd);
		}
		break;
	}
	default: fprintf(stderr, "evgen: unknown mode %s\n", mode); exit(2);
	}
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: evgen fork|exec|thread|open RATE SECONDS [WORKERS]\n");
		return 2;
	}
	const char *mode = argv[1];
	double rate = atof(argv[2]), secs = atof(argv[3]);
	int workers = argc > 4 ? atoi(argv[4]) : 2;
	long *ops = mmap(NULL, sizeof(long) * workers, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ops == MAP_FAILED)
		die("mmap");
	if (mode[0] == 'o')
		make_files();
	uint64_t t0 = now_ns(), end = t0 + (uint64_t)(secs * 1e9);
	for (int w = 0; w < workers; w++) {
		pid_t p = fork();
		if (p < 0)
			die("fork");
		if (p)
			continue;
		double per = rate / workers; /* ops/s for this worker */
		long n = 0;
		for (;;) {
			uint64_t t = now_ns();
			if (t >= end)
				break;
			if (per > 0) {
				/* ahead of schedule: sleep until the next op is due */
				uint64_t due = t0 + (uint64_t)(n / per * 1e9);
				if (due > t) {
					uint64_t d = due - t;
					struct timespec ts = {d / 1000000000ull, d % 1000000000ull};
					nanosleep(&ts, NULL);
					continue;
				}
			}
			for (int k = 0; k < 8; k++)
				one_op(mode);
			n += 8;
		}
		ops[w] = n;
		_exit(0);
	}
	while (wait(NULL) > 0)
		;
	uint64_t ns = now_ns() - t0;
	long total = 0;
	if (mode[0] == 'o')
		remove_files();
	for (int w = 0; w < workers; w++)
		total += ops[w];
	printf("evgen mode=%s ops=%ld elapsed_ns=%llu ops_per_s=%.0f\n", mode, total,
	       (unsigned long long)ns, total / (ns / 1e9));
	return 0;
}
