// The mount family from an ordinary user in the initial namespaces: every
// call fails with EPERM and every attempt is recorded.
// user: proctor-agent
// expect: {"type": "security.escape", "escape.category": "mount", "escape.syscall": "mount", "escape.detail": "source=/dev/sda1 target=/mnt fstype=ext4 flags=MS_NOSUID|MS_BIND", "event.outcome": "failure", "error.code": "EPERM"}
// expect: {"type": "security.escape", "escape.syscall": "umount2", "escape.detail": "target=/ flags=0x2", "event.outcome": "failure", "error.code": "EPERM"}
// expect: {"type": "security.escape", "escape.syscall": "pivot_root", "escape.detail": "new_root=/tmp put_old=/tmp/old", "event.outcome": "failure", "error.code": "EPERM"}
// expect: {"type": "security.escape", "escape.syscall": "fsopen", "escape.detail": "fstype=tmpfs", "event.outcome": "failure", "error.code": "EPERM"}
// expect: {"type": "security.escape", "escape.syscall": "open_tree", "escape.detail": "path=/etc flags=0x1", "event.outcome": "failure", "error.code": "EPERM"}
// expect: {"type": "security.escape", "escape.syscall": "move_mount", "escape.detail": "from=/etc to=/mnt flags=0x0", "event.outcome": "failure", "error.code": "EPERM"}
// expect: {"type": "security.escape", "escape.syscall": "fsmount", "escape.detail": "fd=-1 flags=0x0", "event.outcome": "failure"}
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	mount("/dev/sda1", "/mnt", "ext4", MS_NOSUID | MS_BIND, 0);
	umount2("/", MNT_DETACH);
	syscall(SYS_pivot_root, "/tmp", "/tmp/old");
	syscall(SYS_fsopen, "tmpfs", 0);
	syscall(SYS_open_tree, AT_FDCWD, "/etc", OPEN_TREE_CLONE);
	syscall(SYS_move_mount, AT_FDCWD, "/etc", AT_FDCWD, "/mnt", 0);
	syscall(SYS_fsmount, -1, 0, 0);
	return 0;
}
