/* Opens a file without naming it: name_to_handle_at once, then
 * open_by_handle_at (needs CAP_DAC_READ_SEARCH; proctor tests run as root).
 * The open still names the file it reached.
 * setup: printf 'topsecret\n' > $WORK/secret
 * expect: {"type": "file.open", "file.path": "$WORK/secret", "file.syscall": "open_by_handle_at", "file.access": "read", "event.outcome": "success"}
 * expect: {"type": "file.read", "file.path": "$WORK/secret", "file.bytes": 10}
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct file_handle *h = malloc(sizeof(*h) + MAX_HANDLE_SZ);
	char buf[64];
	int mount_id, mfd, fd;

	h->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, "secret", h, &mount_id, 0))
		return 2;
	mfd = open(argv[1], O_RDONLY | O_DIRECTORY);
	fd = open_by_handle_at(mfd, h, O_RDONLY);
	if (fd < 0)
		return 1;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	return 0;
}
