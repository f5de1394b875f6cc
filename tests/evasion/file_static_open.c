/* A statically linked binary (no libc wrappers to interpose) opening and
 * reading a file with raw syscalls: recorded like any other.
 * setup: printf 'topsecret\n' > $WORK/secret
 * build: -static
 * expect: {"type": "file.open", "file.path": "$WORK/secret", "file.syscall": "open", "file.flags": ["O_RDONLY"], "event.outcome": "success"}
 * expect: {"type": "file.read", "file.path": "$WORK/secret", "file.bytes": 10, "file.operations": 2, "file.summary_reason": "exit"}
 */
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	char buf[64];
	long fd = syscall(SYS_open, "secret", O_RDONLY, 0);

	while (syscall(SYS_read, fd, buf, sizeof(buf)) > 0)
		;
	return 0; /* no close: the summary is flushed at exit */
}
