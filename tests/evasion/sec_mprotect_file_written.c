// Code written into a private file mapping, then made executable: the
// mapping is file-backed (not anonymous, never W+X at once), but its bytes
// are no longer the file's. mprotect(RX) after the write is a
// security.memexec with memory.written. Mapping the same file read+exec
// without writing it (what ld.so does) is not one.
// setup: head -c 8192 /dev/zero > code.bin && head -c 4096 /dev/zero > clean.bin
// expect: {"type": "security.memexec", "memory.operation": "mprotect", "memory.protection": "r-x", "memory.anonymous": false, "memory.written": true, "file.name": "code.bin", "event.outcome": "success"}
// expect-not: {"type": "security.memexec", "file.name": "clean.bin"}
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char path[4096];
	unsigned char *p, *c;
	int fd, cfd;

	if (argc < 2)
		return 2;
	snprintf(path, sizeof(path), "%s/code.bin", argv[1]);
	fd = open(path, O_RDONLY);
	snprintf(path, sizeof(path), "%s/clean.bin", argv[1]);
	cfd = open(path, O_RDONLY);
	if (fd < 0 || cfd < 0)
		return 1;
	/* ordinary loading: read+exec, then mprotect read-only and back */
	c = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, cfd, 0);
	if (c == MAP_FAILED || mprotect(c, 4096, PROT_READ) || mprotect(c, 4096, PROT_READ | PROT_EXEC))
		return 1;
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return 1;
	p[4096] = 0xc3; /* ret */
	if (mprotect(p + 4096, 4096, PROT_READ | PROT_EXEC))
		return 1;
	((void (*)(void))(p + 4096))();
	return 0;
}
