/* A shared file mapping made read-only first and writable afterwards with
 * mprotect (so that the mmap itself looks harmless), then written through
 * memory: the write summary still reports a write-capable mapping.
 * setup: printf 'original!!' > $WORK/target
 * expect: {"type": "file.write", "file.path": "$WORK/target", "file.mmaps": 1, "file.operations": 0}
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
	int fd = open("target", O_RDWR);
	char *p = mmap(NULL, 10, PROT_READ, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return 1;
	close(fd); /* the mapping outlives the descriptor */
	if (mprotect(p, 10, PROT_READ | PROT_WRITE))
		return 1;
	memcpy(p, "rewritten!", 10);
	munmap(p, 10);
	return 0;
}
