/* spawn_idle N READYFILE: forks N children that just wait (pause), writes
 * READYFILE once all exist, then holds them until stdin closes or it gets
 * SIGTERM, and then kills and reaps them. For "RSS with N live tracked
 * processes". Children die with the parent (PR_SET_PDEATHSIG). */
#include "common.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_term(int s)
{
	(void)s;
	stop = 1;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: spawn_idle N READYFILE\n");
		return 2;
	}
	long n = atol(argv[1]);
	pid_t *pids = calloc(n, sizeof(pid_t));
	pid_t me = getpid();
	signal(SIGTERM, on_term);
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0)
			die("fork after %ld children", i);
		if (p == 0) {
			signal(SIGTERM, SIG_DFL);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != me)
				_exit(0);
			for (;;)
				pause();
		}
		pids[i] = p;
	}
	int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("open %s", argv[2]);
	dprintf(fd, "%ld\n", n);
	close(fd);
	char c;
	while (!stop && read(0, &c, 1) > 0)
		;
	for (long i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}
