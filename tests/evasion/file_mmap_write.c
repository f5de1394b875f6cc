/* Writes a file only through a shared writable mapping (no write syscall):
 * the write summary reports the write-capable mapping (bytes written
 * through memory are not visible to syscall hooks; see EVENTS-file.md).
 * setup: printf 'original!!' > $WORK/target
 * expect: {"type": "file.write", "file.path": "$WORK/target", "file.mmaps": 1, "file.operations": 0, "file.bytes": 0}
 * expect: {"type": "file.open", "file.path": "$WORK/target", "file.access": "read_write"}
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
	int fd = open("target", O_RDWR);
	char *p = mmap(NULL, 10, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return 1;
	memcpy(p, "rewritten!", 10);
	munmap(p, 10);
	close(fd);
	return 0;
}
