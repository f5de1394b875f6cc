// clang-format off
/* The i386 time-setting calls with compat (32-bit) time structs, and
 * utimensat_time64 (what 32-bit glibc calls for utimensat): recorded as
 * utimes changes under the native name, marked ia32.
 * build: -m32
 * expect: {"type": "file.metadata", "file.operation": "utimes", "file.path": "$WORK/u.txt", "file.syscall": "utime", "file.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "utimes", "file.path": "$WORK/u.txt", "file.syscall": "utimes", "file.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "utimes", "file.path": "$WORK/u.txt", "file.syscall": "futimesat", "file.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "utimes", "file.path": "$WORK/u.txt", "file.syscall": "utimensat", "file.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "utimes", "file.path": "$WORK/gone.txt", "file.syscall": "utime", "file.syscall_abi": "ia32", "event.outcome": "failure", "error.code": "ENOENT"}
 */
// clang-format on
#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int32_t ub[2] = {1000000000, 1000000000};	/* struct old_utimbuf32 */
	int32_t tv[4] = {1000000000, 0, 1000000000, 0}; /* 2 x old_timeval32 */
	int64_t ts[4] = {1000000000, 0, 1000000000, 0}; /* 2 x __kernel_timespec */
	int fd;

	if (argc < 2 || chdir(argv[1]))
		return 1;
	if ((fd = open("u.txt", O_CREAT | O_WRONLY, 0644)) < 0 || close(fd))
		return 1;
	if (syscall(SYS_utime, "u.txt", ub) || syscall(SYS_utimes, "u.txt", tv) ||
	    syscall(SYS_futimesat, AT_FDCWD, "u.txt", tv) ||
	    syscall(SYS_utimensat_time64, AT_FDCWD, "u.txt", ts, 0))
		return 1;
	syscall(SYS_utime, "gone.txt", ub);
	return 0;
}
