// clone() (not clone3) with CLONE_NEWPID|CLONE_NEWNS as root: succeeds,
// reported once (by the parent, with the child's pid), never by the child's
// own return from clone.
// expect: {"type": "security.escape", "escape.category": "namespace", "escape.syscall": "clone", "escape.detail": "flags=CLONE_NEWNS|CLONE_NEWPID", "event.outcome": "success"}
// expect-not: {"type": "security.escape", "escape.syscall": "clone", "event.outcome": "failure"}
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static char stack[65536];

static int child(void *arg)
{
	(void)arg;
	return getpid() == 1 ? 0 : 1;
}

int main(void)
{
	pid_t p = clone(child, stack + sizeof(stack), CLONE_NEWPID | CLONE_NEWNS | SIGCHLD, 0);
	int st = 0;

	waitpid(p, &st, 0);
	return WEXITSTATUS(st);
}
