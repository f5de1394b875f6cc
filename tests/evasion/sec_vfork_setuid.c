// vfork(), then the child drops root with setuid() before exiting: the
// privilege change belongs to the child thread (its own credentials), with
// the ids before and after.
// expect: {"type": "security.privilege", "privilege.operation": "setuid", "privilege.from": "uid=0", "privilege.to": "uid=65534", "privilege.requested": "uid=65534", "event.outcome": "success", "process.user.id": 65534}
// expect-not: {"type": "security.privilege", "privilege.operation": "setuid", "event.outcome": "failure"}
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	pid_t p = vfork();
	if (p == 0) {
		syscall(SYS_setuid, 65534);
		_exit(0);
	}
	waitpid(p, NULL, 0);
	return 0;
}
