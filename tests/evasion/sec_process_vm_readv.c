// process_vm_readv(): read another process's memory without ptrace-attaching
// (same user, allowed). 50 reads -> the first event + a summary of 50.
// user: proctor-agent
// expect: {"type": "security.escape", "escape.category": "ptrace", "escape.syscall": "process_vm_readv", "escape.detail": "~^pid=[0-9]+ bytes=8$", "escape.count": 1, "event.outcome": "success"}
// expect: {"type": "security.escape", "escape.syscall": "process_vm_readv", "escape.count": 50, "escape.summary": true}
// expect: {"type": "security.escape", "escape.syscall": "process_vm_writev", "escape.detail": "pid=1", "event.outcome": "failure", "error.code": "EPERM"}
#define _GNU_SOURCE
#include <signal.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static long secret = 42;

int main(void)
{
	long buf;
	struct iovec l = {&buf, sizeof(buf)}, r = {&secret, sizeof(secret)};
	pid_t c = fork();

	if (c == 0) {
		pause();
		_exit(0);
	}
	for (int i = 0; i < 50; i++)
		process_vm_readv(c, &l, 1, &r, 1, 0);
	process_vm_writev(1, &l, 1, &r, 1, 0);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	return 0;
}
