// setns() into PID 1's namespaces through /proc/1/ns/*: the classic way back
// out of a container. As root in the init namespaces it succeeds; the
// target namespace is named from the file descriptor ("mnt:[inode]"). (Where
// this sandbox denies opening /proc/1/ns, the program's own are used: the
// setns calls and their records are the same.)
// expect: {"type": "security.escape", "escape.category": "namespace", "escape.syscall": "setns", "escape.detail": "~^nstype=CLONE_NEWNS target=mnt:\\[[0-9]+\\]$", "event.outcome": "success"}
// expect: {"type": "security.escape", "escape.category": "namespace", "escape.syscall": "setns", "escape.detail": "~^nstype=any target=net:\\[[0-9]+\\]$", "event.outcome": "success"}
// expect: {"type": "security.escape", "escape.syscall": "setns", "escape.detail": "~^nstype=CLONE_NEWUTS target=net:", "event.outcome": "failure", "error.code": "EINVAL"}
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

int main(void)
{
	int mnt = open("/proc/1/ns/mnt", O_RDONLY);
	int net = open("/proc/1/ns/net", O_RDONLY);

	if (mnt < 0)
		mnt = open("/proc/self/ns/mnt", O_RDONLY);
	if (net < 0)
		net = open("/proc/self/ns/net", O_RDONLY);

	setns(mnt, CLONE_NEWNS);
	setns(net, 0);
	setns(net, CLONE_NEWUTS); /* wrong type: EINVAL */
	return 0;
}
