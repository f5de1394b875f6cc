// clang-format off
/* truncate64/ftruncate64 of the i386 ABI pass the 64-bit length as two
 * 32-bit halves: recorded as truncate/ftruncate with the whole length
 * (4 GiB + 5 is a sparse file), marked ia32.
 * build: -m32 -D_FILE_OFFSET_BITS=64
 * expect: {"type": "file.metadata", "file.operation": "truncate", "file.path": "$WORK/t64.bin", "file.size": 4294967301, "file.syscall": "truncate", "file.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "truncate", "file.path": "$WORK/t64.bin", "file.size": 7, "file.syscall": "ftruncate", "file.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "truncate", "file.path": "$WORK/none64", "file.size": 8589934592, "file.syscall": "truncate", "file.syscall_abi": "ia32", "event.outcome": "failure", "error.code": "ENOENT"}
 * expect-not: {"type": "file.metadata", "file.operation": "truncate", "file.size": 5}
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
	if ((fd = open("t64.bin", O_CREAT | O_WRONLY, 0644)) < 0)
		return 1;
	/* i386: (path, low, high) and (fd, low, high) */
	if (syscall(SYS_truncate64, "t64.bin", 5, 1) || syscall(SYS_ftruncate64, fd, 7, 0))
		return 1;
	syscall(SYS_truncate64, "none64", 0, 2);
	return close(fd) ? 1 : 0;
}
