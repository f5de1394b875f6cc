// An ordinary user attaches to its own child with PTRACE_ATTACH and reads
// its memory word by word (100 PTRACE_PEEKDATA): the attach is one event,
// the peeks one first event plus a per-process summary with the count.
// user: proctor-agent
// expect: {"type": "security.escape", "escape.category": "ptrace", "escape.syscall": "ptrace", "escape.detail": "~^request=PTRACE_ATTACH pid=[0-9]+$", "event.outcome": "success"}
// expect: {"type": "security.escape", "escape.category": "ptrace", "escape.detail": "~^request=PTRACE_PEEKDATA pid=[0-9]+$", "escape.count": 1, "event.outcome": "success"}
// expect: {"type": "security.escape", "escape.category": "ptrace", "escape.detail": "request=PTRACE_PEEKDATA", "escape.count": 100, "escape.summary": true}
// expect: {"type": "security.escape", "escape.category": "ptrace", "escape.detail": "~^request=PTRACE_ATTACH pid=1$", "event.outcome": "failure", "error.code": "EPERM"}
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static long secret = 42;

int main(void)
{
	pid_t c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	ptrace(PTRACE_ATTACH, 1, 0, 0); /* init: EPERM */
	ptrace(PTRACE_ATTACH, c, 0, 0);
	waitpid(c, NULL, 0);
	for (int i = 0; i < 100; i++)
		ptrace(PTRACE_PEEKDATA, c, &secret, 0);
	ptrace(PTRACE_DETACH, c, 0, 0);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	return 0;
}
