// A System V shared memory segment attached with SHM_EXEC is executable
// memory with no file on disk, made without mmap or mprotect: a
// security.memexec (shmat), writable and executable here, read-only and
// executable for the SHM_RDONLY attach. An ordinary attach is not one.
// expect: {"type": "security.memexec", "memory.operation": "shmat", "memory.protection": "rwx", "memory.anonymous": true, "memory.shared": true, "memory.length": 4096, "file.name": "~^SYSV[0-9a-f]{8}$", "event.outcome": "success"}
// expect: {"type": "security.memexec", "memory.operation": "shmat", "memory.protection": "r-x", "memory.anonymous": true, "event.outcome": "success"}
// expect-not: {"type": "security.memexec", "memory.operation": "shmat", "memory.protection": "rw-"}
#define _GNU_SOURCE
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(void)
{
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	unsigned char *p, *q, *plain;
	int ok;

	if (id < 0)
		return 1;
	plain = shmat(id, NULL, 0);
	p = shmat(id, NULL, SHM_EXEC);
	q = shmat(id, NULL, SHM_EXEC | SHM_RDONLY);
	ok = plain != (void *)-1 && p != (void *)-1 && q != (void *)-1;
	if (ok) {
		p[0] = 0xc3; /* ret */
		((void (*)(void))q)();
	}
	shmctl(id, IPC_RMID, NULL);
	return ok ? 0 : 1;
}
