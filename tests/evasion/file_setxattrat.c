/* The *xattrat syscalls (Linux 6.13) have no C library wrappers: a direct
 * syscall sets and removes an attribute relative to a directory fd. Both are
 * file.metadata with the absolute path and the attribute name.
 * setup: mkdir -p $WORK/d && printf 'x' > $WORK/d/f
 * expect: {"type": "file.metadata", "file.operation": "setxattr", "file.path": "$WORK/d/f", "file.xattr.name": "user.hidden", "file.xattr.size": 4, "file.syscall": "setxattrat", "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "removexattr", "file.path": "$WORK/d/f", "file.xattr.name": "user.hidden", "file.syscall": "removexattrat", "event.outcome": "success"}
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

struct xattr_args {
	uint64_t value;
	uint32_t size, flags;
};

int main(void)
{
	struct xattr_args a = {.value = (uintptr_t) "data", .size = 4};
	int d = open("d", O_RDONLY | O_DIRECTORY);

	if (syscall(463, d, "f", 0, "user.hidden", &a, sizeof(a)))
		return 1;
	return syscall(466, d, "f", 0, "user.hidden") ? 1 : 0;
}
