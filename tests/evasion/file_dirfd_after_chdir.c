/* Opens relative to a directory fd taken before a chdir elsewhere: the path
 * is resolved against the directory fd, not the (new) working directory.
 * setup: mkdir -p $WORK/a/b && printf 'topsecret\n' > $WORK/a/b/secret
 * expect: {"type": "file.open", "file.path": "$WORK/a/b/secret", "file.requested_path": "b/secret", "event.outcome": "success"}
 * expect: {"type": "file.open", "file.path": "$WORK/a/missing", "event.outcome": "failure", "error.code": "ENOENT"}
 * expect: {"type": "file.open", "file.path": "/missing-in-root", "event.outcome": "failure"}
 * expect-not: {"type": "file.open", "file.path": "/b/secret"}
 */
#include <fcntl.h>
#include <unistd.h>

int main(void)
{
	int dir = open("a", O_RDONLY | O_DIRECTORY);

	chdir("/");
	openat(dir, "b/secret", O_RDONLY);
	openat(dir, "missing", O_RDONLY);
	openat(AT_FDCWD, "missing-in-root", O_RDONLY);
	return 0;
}
