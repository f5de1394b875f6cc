// setns() by an unprivileged user into its own UTS namespace: needs
// CAP_SYS_ADMIN, fails with EPERM, and the attempt is what gets recorded.
// user: proctor-agent
// expect: {"type": "security.escape", "escape.category": "namespace", "escape.syscall": "setns", "escape.detail": "~^nstype=CLONE_NEWUTS target=uts:\\[[0-9]+\\]$", "event.outcome": "failure", "error.code": "EPERM", "process.user.id": 1001}
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

int main(void)
{
	int fd = open("/proc/self/ns/uts", O_RDONLY);
	return setns(fd, CLONE_NEWUTS) == 0;
}
