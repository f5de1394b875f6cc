// chattr is an ioctl: FS_IOC_SETFLAGS +i makes a backdoor undeletable, -i
// unlocks it again, FS_IOC_FSSETXATTR +a makes a log append-only. Each is a
// file.metadata (setflags) with the flags requested and the inode's flags
// before and after (requested flags include ext4's "extent", which
// FS_IOC_GETFLAGS returns on this ext4 /tmp); the unlink refused while +i
// is recorded as well.
// expect: {"type": "file.metadata", "file.operation": "setflags", "file.path": "$WORK/backdoor", "file.syscall": "ioctl", "file.ioctl": "FS_IOC_SETFLAGS", "file.attributes.requested": ["immutable", "extent"], "file.attributes.before": [], "file.attributes.after": ["immutable"], "event.outcome": "success"}
// expect: {"type": "file.metadata", "file.operation": "unlink", "file.path": "$WORK/backdoor", "event.outcome": "failure", "error.code": "EPERM"}
// expect: {"type": "file.metadata", "file.operation": "setflags", "file.path": "$WORK/backdoor", "file.attributes.requested": ["extent"], "file.attributes.before": ["immutable"], "file.attributes.after": [], "event.outcome": "success"}
// expect: {"type": "file.metadata", "file.operation": "setflags", "file.path": "$WORK/log", "file.ioctl": "FS_IOC_FSSETXATTR", "file.attributes.requested": ["append"], "file.attributes.before": [], "file.attributes.after": ["append"], "event.outcome": "success"}
// expect-not: {"type": "file.metadata", "file.operation": "setflags", "file.ioctl": "FS_IOC_GETFLAGS"}
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char p[4096];
	struct fsxattr fx;
	int fd, flags = 0;

	if (argc < 2)
		return 2;
	snprintf(p, sizeof(p), "%s/backdoor", argv[1]);
	fd = open(p, O_RDWR | O_CREAT, 0755);
	ioctl(fd, FS_IOC_GETFLAGS, &flags); /* a read: not recorded */
	flags |= FS_IMMUTABLE_FL;
	ioctl(fd, FS_IOC_SETFLAGS, &flags);
	unlink(p); /* EPERM while immutable */
	flags &= ~FS_IMMUTABLE_FL;
	ioctl(fd, FS_IOC_SETFLAGS, &flags);
	close(fd);

	snprintf(p, sizeof(p), "%s/log", argv[1]);
	fd = open(p, O_RDWR | O_CREAT, 0644);
	ioctl(fd, FS_IOC_FSGETXATTR, &fx);
	fx.fsx_xflags |= FS_XFLAG_APPEND;
	ioctl(fd, FS_IOC_FSSETXATTR, &fx);
	fx.fsx_xflags &= ~FS_XFLAG_APPEND; /* clean up (not checked) */
	ioctl(fd, FS_IOC_FSSETXATTR, &fx);
	close(fd);
	return 0;
}
