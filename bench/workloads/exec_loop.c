/* exec_loop N: N times fork + execve /bin/true + waitpid. */
#include "common.h"
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000;
	char *const args[] = {"/bin/true", NULL};
	char *const envp[] = {NULL};
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			execve(args[0], args, envp);
			_exit(127);
		}
		int st;
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			die("child %d", (int)pid);
	}
	/* fork, execve, exit_group, wait4 per iteration (the loader's own
	 * syscalls in the child are not counted). */
	report("exec_loop", n, 4 * n, now_ns() - t0);
	return 0;
}
