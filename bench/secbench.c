/* secbench.c: runs one syscall pattern N times, for bench/security_cost.py
 * (per-syscall cost of the security family's BPF programs). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "getppid";
	long n = argc > 2 ? atol(argv[2]) : 1000000, i;
	char name[16];
	char *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	for (i = 0; i < n; i++) {
		if (!strcmp(op, "getppid"))
			syscall(SYS_getppid);
		else if (!strcmp(op, "prctl"))
			prctl(PR_GET_NAME, name);
		else if (!strcmp(op, "mmap_rw"))
			mmap(p, 4096, PROT_READ | PROT_WRITE,
			     MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		else if (!strcmp(op, "mmap_rx_anon"))
			mmap(p, 4096, PROT_READ | PROT_EXEC,
			     MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		else if (!strcmp(op, "mprotect_rx_anon"))
			mprotect(p, 4096, PROT_READ | PROT_EXEC);
		else if (!strcmp(op, "setuid"))
			syscall(SYS_setuid, geteuid());
		else if (!strcmp(op, "exec")) { /* fork + exec /bin/true + wait */
			pid_t c = fork();
			if (c == 0) {
				execl("/bin/true", "true", (char *)0);
				_exit(127);
			}
			waitpid(c, 0, 0);
		} else if (!strcmp(op, "ptrace_peek")) /* no tracee: ESRCH, aggregated */
			syscall(SYS_ptrace, 2, 1, 0, 0);
		else
			return 2;
	}
	return 0;
}
