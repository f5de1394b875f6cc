// The rest of the id family as root: setgroups, setregid, setfsuid (which
// never returns an error: its effect decides the outcome) and setgid.
// expect: {"type": "security.privilege", "privilege.operation": "setgroups", "privilege.from": "groups=", "privilege.to": "groups=4,24,27", "privilege.requested": "count=3", "event.outcome": "success"}
// expect: {"type": "security.privilege", "privilege.operation": "setregid", "privilege.from": "gid=0", "privilege.to": "gid=0,egid=1001,sgid=1001", "privilege.requested": "rgid=-1,egid=1001", "event.outcome": "success"}
// expect: {"type": "security.privilege", "privilege.operation": "setfsuid", "privilege.from": "fsuid=0", "privilege.to": "fsuid=1001", "privilege.requested": "fsuid=1001", "event.outcome": "success"}
// expect: {"type": "security.privilege", "privilege.operation": "setgid", "privilege.from": "gid=0,egid=1001,sgid=1001", "privilege.to": "gid=1001", "privilege.requested": "gid=1001", "event.outcome": "success"}
// expect: {"type": "security.privilege", "privilege.operation": "setfsgid", "privilege.requested": "fsgid=-1", "event.outcome": "failure", "error.code": "EPERM"}
#include <grp.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	gid_t g[] = {4, 24, 27};

	syscall(SYS_setgroups, 3, g);
	syscall(SYS_setregid, -1, 1001);
	syscall(SYS_setfsuid, 1001);
	syscall(SYS_setgid, 1001);
	syscall(SYS_setfsgid, -1);
	return 0;
}
