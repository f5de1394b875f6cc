// clang-format off
/* A 32-bit program (int $0x80 / the compat entry) opens, writes, renames,
 * links, chmods, chowns and unlinks: the ia32 calls make the same file.*
 * records as the 64-bit ones, named by their native syscall, marked ia32.
 * build: -m32
 * expect: {"type": "file.open", "file.path": "$WORK/ia32.txt", "file.syscall": "open", "file.syscall_abi": "ia32", "file.access": "write", "event.outcome": "success"}
 * expect: {"type": "file.open", "file.path": "$WORK/made.txt", "file.syscall": "creat", "file.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "file.open", "file.path": "$WORK/ia32.txt", "file.syscall": "openat", "file.syscall_abi": "ia32", "file.access": "read", "event.outcome": "success"}
 * expect: {"type": "file.write", "file.path": "$WORK/ia32.txt", "file.bytes": 10, "file.operations": 2, "file.summary_reason": "close"}
 * expect: {"type": "file.read", "file.path": "$WORK/ia32.txt", "file.bytes": 10, "file.operations": 1, "file.summary_reason": "close"}
 * expect: {"type": "file.metadata", "file.operation": "rename", "file.path": "$WORK/ia32.txt", "file.target_path": "$WORK/moved.txt", "file.syscall": "rename", "file.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "link", "file.path": "$WORK/hard.txt", "file.target_path": "$WORK/moved.txt", "file.syscall": "link", "file.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "symlink", "file.path": "$WORK/soft.txt", "file.symlink_contents": "moved.txt", "file.syscall": "symlink", "file.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "chmod", "file.path": "$WORK/moved.txt", "file.mode": "4755", "file.syscall": "chmod", "file.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "chown", "file.path": "$WORK/moved.txt", "file.syscall": "chown", "file.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "unlink", "file.path": "$WORK/hard.txt", "file.syscall": "unlink", "file.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "unlink", "file.path": "$WORK/gone.txt", "file.syscall": "unlinkat", "file.syscall_abi": "ia32", "event.outcome": "failure", "error.code": "ENOENT"}
 */
// clang-format on
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char b[16];
	int fd;

	if (argc < 2 || chdir(argv[1]))
		return 1;
	fd = syscall(SYS_open, "ia32.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0 || syscall(SYS_write, fd, "hello", 5) != 5 ||
	    syscall(SYS_write, fd, "world", 5) != 5)
		return 1;
	close(fd);
	if ((fd = syscall(SYS_creat, "made.txt", 0600)) < 0)
		return 1;
	close(fd);
	fd = syscall(SYS_openat, AT_FDCWD, "ia32.txt", O_RDONLY);
	if (fd < 0 || syscall(SYS_read, fd, b, sizeof(b)) != 10)
		return 1;
	close(fd);
	if (syscall(SYS_rename, "ia32.txt", "moved.txt") ||
	    syscall(SYS_link, "moved.txt", "hard.txt") ||
	    syscall(SYS_symlink, "moved.txt", "soft.txt") ||
	    syscall(SYS_chmod, "moved.txt", 04755) || syscall(SYS_chown32, "moved.txt", 0, 0) ||
	    syscall(SYS_unlink, "hard.txt"))
		return 1;
	syscall(SYS_unlinkat, AT_FDCWD, "gone.txt", 0);
	return 0;
}
