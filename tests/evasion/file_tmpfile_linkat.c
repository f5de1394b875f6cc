/* A file written while it has no name (O_TMPFILE) and given one afterwards
 * with linkat(AT_EMPTY_PATH): the open, the write and the link that makes it
 * appear are all recorded.
 * expect: {"type": "file.open", "file.flags": ["O_RDWR", "O_TMPFILE"], "file.path": "~^$WORK/", "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "link", "file.path": "$WORK/appeared", "file.target_path": "~^$WORK/", "file.syscall": "linkat", "event.outcome": "success"}
 * expect: {"type": "file.write", "file.path": "~^$WORK/", "file.bytes": 10, "file.operations": 1, "file.deleted": true}
 * expect: {"type": "file.open", "file.flags": ["O_RDWR", "O_TMPFILE"], "file.deleted": true}
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd = open(argv[1], O_TMPFILE | O_RDWR, 0600);

	if (fd < 0)
		return 2;
	write(fd, "topsecret\n", 10);
	if (linkat(fd, "", AT_FDCWD, "appeared", AT_EMPTY_PATH))
		return 1;
	close(fd);
	return 0;
}
