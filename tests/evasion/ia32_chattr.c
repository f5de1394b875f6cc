// clang-format off
/* chattr from a 32-bit program: the ia32 ioctl (54) with FS_IOC32_SETFLAGS
 * (what FS_IOC_SETFLAGS is under -m32: an int argument) +i, then -i, and
 * FS_IOC_FSSETXATTR +a: each a file.metadata setflags with the flags
 * requested, before (read at the ia32 entry) and after, marked ia32.
 * build: -m32
 * expect: {"type": "file.metadata", "file.operation": "setflags", "file.path": "$WORK/backdoor32", "file.syscall": "ioctl", "file.syscall_abi": "ia32", "file.ioctl": "FS_IOC_SETFLAGS", "file.attributes.requested": ["immutable", "extent"], "file.attributes.before": [], "file.attributes.after": ["immutable"], "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "setflags", "file.path": "$WORK/backdoor32", "file.syscall_abi": "ia32", "file.attributes.requested": ["extent"], "file.attributes.before": ["immutable"], "file.attributes.after": [], "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "setflags", "file.path": "$WORK/log32", "file.syscall_abi": "ia32", "file.ioctl": "FS_IOC_FSSETXATTR", "file.attributes.requested": ["append"], "file.attributes.before": [], "file.attributes.after": ["append"], "event.outcome": "success"}
 * expect-not: {"type": "file.metadata", "file.operation": "setflags", "file.ioctl": "FS_IOC_GETFLAGS"}
 */
// clang-format on
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
	snprintf(p, sizeof(p), "%s/backdoor32", argv[1]);
	fd = open(p, O_RDWR | O_CREAT, 0755);
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags)) /* a read: not recorded */
		return 1;
	flags |= FS_IMMUTABLE_FL;
	if (ioctl(fd, FS_IOC_SETFLAGS, &flags)) /* 0x40046602 = FS_IOC32_SETFLAGS */
		return 1;
	flags &= ~FS_IMMUTABLE_FL;
	if (ioctl(fd, FS_IOC_SETFLAGS, &flags))
		return 1;
	close(fd);

	snprintf(p, sizeof(p), "%s/log32", argv[1]);
	fd = open(p, O_RDWR | O_CREAT, 0644);
	if (ioctl(fd, FS_IOC_FSGETXATTR, &fx))
		return 1;
	fx.fsx_xflags |= FS_XFLAG_APPEND;
	if (ioctl(fd, FS_IOC_FSSETXATTR, &fx))
		return 1;
	fx.fsx_xflags &= ~FS_XFLAG_APPEND; /* clean up (not checked) */
	ioctl(fd, FS_IOC_FSSETXATTR, &fx);
	close(fd);
	return 0;
}
