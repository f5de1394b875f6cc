// clone3() with CLONE_NEWUSER by an unprivileged user (allowed on this
// kernel): a namespace escape attempt through the newest clone entry point,
// which proctor must see even though fork-style syscalls are not "escapes".
// user: proctor-agent
// needs: userns
// expect: {"type": "security.escape", "escape.category": "namespace", "escape.syscall": "clone3", "escape.detail": "flags=CLONE_NEWUSER", "event.outcome": "success", "process.user.id": 1001}
// expect: {"type": "security.escape", "escape.category": "namespace", "escape.syscall": "clone3", "escape.detail": "flags=CLONE_NEWNS|CLONE_NEWUSER", "event.outcome": "success"}
// expect-not: {"type": "security.escape", "escape.syscall": "clone3", "event.outcome": "success", "escape.detail": "flags=0"}
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t clone3_flags(uint64_t flags)
{
	struct clone_args a;

	memset(&a, 0, sizeof(a));
	a.flags = flags;
	a.exit_signal = SIGCHLD;
	return (pid_t)syscall(SYS_clone3, &a, sizeof(a));
}

int main(void)
{
	uint64_t sets[] = {CLONE_NEWUSER, CLONE_NEWUSER | CLONE_NEWNS, 0};
	for (int i = 0; i < 3; i++) {
		pid_t p = clone3_flags(sets[i]);
		if (p == 0)
			_exit(0);
		if (p > 0)
			waitpid(p, NULL, 0);
	}
	return 0;
}
