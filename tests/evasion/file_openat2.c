/* openat2 with RESOLVE_BENEATH relative to a directory fd: the open is
 * recorded with its resolve flags; an escape attempt that the kernel refuses
 * (EXDEV) is recorded as a failure with the lexically resolved path.
 * setup: mkdir -p $WORK/sub && printf 'x' > $WORK/sub/f
 * expect: {"type": "file.open", "file.path": "$WORK/sub/f", "file.syscall": "openat2", "file.resolve": ["RESOLVE_BENEATH"], "file.flags": ["O_RDONLY", "O_CLOEXEC"], "event.outcome": "success", "file.requested_path": "sub/f"}
 * expect: {"type": "file.open", "file.path": "~/etc/passwd$", "file.syscall": "openat2", "event.outcome": "failure", "error.code": "EXDEV", "file.resolve": ["RESOLVE_BENEATH"]}
 * expect-not: {"type": "file.open", "file.path": "/etc/passwd", "file.syscall": "openat2"}
 */
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct open_how how = {.flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_BENEATH};
	int dir = open(argv[1], O_RDONLY | O_DIRECTORY);
	int ok = syscall(SYS_openat2, dir, "sub/f", &how, sizeof(how));
	int bad = syscall(SYS_openat2, dir, "../../etc/passwd", &how, sizeof(how));

	return ok >= 0 && bad < 0 ? 0 : 1;
}
