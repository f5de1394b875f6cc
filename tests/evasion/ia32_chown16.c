// clang-format off
/* The 16-bit-id chown calls of the i386 ABI (chown 182, lchown 16, fchown
 * 95; not chown32): recorded as chown, with the ids widened as the kernel
 * does ((u16)-1 is "unchanged", so no group id), marked ia32.
 * build: -m32
 * expect: {"type": "file.metadata", "file.operation": "chown", "file.path": "$WORK/c16.txt", "file.owner.id": 1234, "file.group.id": 4321, "file.syscall": "chown", "file.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "chown", "file.path": "$WORK/link16", "file.owner.id": 2345, "file.syscall": "lchown", "file.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "chown", "file.path": "$WORK/c16.txt", "file.owner.id": 3456, "file.syscall": "fchown", "file.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "chown", "file.path": "$WORK/none16", "file.syscall": "chown", "file.syscall_abi": "ia32", "event.outcome": "failure", "error.code": "ENOENT"}
 * expect-not: {"type": "file.metadata", "file.operation": "chown", "file.group.id": 65535}
 */
// clang-format on
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd;

	if (argc < 2 || chdir(argv[1]))
		return 1;
	if ((fd = open("c16.txt", O_CREAT | O_WRONLY, 0644)) < 0 || symlink("c16.txt", "link16"))
		return 1;
	if (syscall(SYS_chown, "c16.txt", 1234, 4321) ||   /* i386 chown: 16-bit ids */
	    syscall(SYS_lchown, "link16", 2345, 0xffff) || /* the link itself, group kept */
	    syscall(SYS_fchown, fd, 3456, 0xffff))
		return 1;
	syscall(SYS_chown, "none16", 1, 1);
	return close(fd) ? 1 : 0;
}
