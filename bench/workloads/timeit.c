/* timeit [-o FILE] [--auid N] [--cgroup DIR] -- CMD...: runs CMD and appends
 * "elapsed_ns=T status=S cpu_ns=C" to FILE (stdout when no -o). Runs INSIDE each bench
 * configuration so that the recorder's start-up and drain are not counted as
 * workload time (they are measured separately).
 *   --auid N     write N to /proc/self/loginuid first (auditd rules scope on it)
 *   --cgroup DIR move itself into cgroup v2 DIR first (bpftrace filters on it) */
#include "common.h"
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static void write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, val, strlen(val)) < 0)
		die("timeit: write %s to %s", val, path);
	close(fd);
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	int i;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "--auid") && i + 1 < argc) {
			write_file("/proc/self/loginuid", argv[++i]);
		} else if (!strcmp(argv[i], "--cgroup") && i + 1 < argc) {
			char p[4096], pid[32];
			snprintf(p, sizeof(p), "%s/cgroup.procs", argv[++i]);
			snprintf(pid, sizeof(pid), "%d", (int)getpid());
			write_file(p, pid);
		} else {
			fprintf(stderr,
				"usage: timeit [-o FILE] [--auid N] [--cgroup DIR] -- CMD...\n");
			return 2;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "timeit: no command\n");
		return 2;
	}
	uint64_t t0 = now_ns();
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		execvp(argv[i], &argv[i]);
		die("timeit: exec %s", argv[i]);
	}
	int st = 0;
	struct rusage ru = {0};
	while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR)
		;
	uint64_t ns = now_ns() - t0;
	/* user + sys CPU of CMD and every descendant it waited for: in-context
	 * costs (hooks, audit's syscall path) without other machines' noise */
	uint64_t cpu = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
		       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	FILE *f = out ? fopen(out, "a") : stdout;
	if (!f)
		die("timeit: %s", out);
	fprintf(f, "elapsed_ns=%llu status=%d cpu_ns=%llu\n", (unsigned long long)ns, code,
		(unsigned long long)cpu);
	if (out)
		fclose(f);
	return code;
}
