// A statically linked binary (no libc hooks, no dynamic loader) calls
// setuid(0) as an unprivileged account (EPERM), recorded from the syscall.
// user: proctor-agent
// build: -static
// expect: {"type": "security.privilege", "privilege.operation": "setuid", "privilege.from": "uid=1001", "privilege.to": "uid=1001", "privilege.requested": "uid=0", "event.outcome": "failure", "error.code": "EPERM", "process.user.id": 1001}
// expect: {"type": "security.privilege", "privilege.operation": "setresgid", "privilege.from": "gid=1001", "privilege.to": "gid=1001", "privilege.requested": "rgid=-1,egid=0,sgid=-1", "event.outcome": "failure", "error.code": "EPERM"}
#define _GNU_SOURCE
#include <unistd.h>

int main(void)
{
	setuid(0);
	setresgid(-1, 0, -1);
	return 0;
}
