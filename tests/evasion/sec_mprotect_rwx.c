// JIT-style code generation: anonymous RW memory flipped to RWX 1000 times,
// and one anonymous RX mapping made directly. Aggregated per process: one
// event for the first mprotect, then a summary with the total at exit.
// A plain RW mapping (no exec) is not reported.
// expect: {"type": "security.memexec", "memory.operation": "mprotect", "memory.protection": "rwx", "memory.anonymous": true, "memory.count": 1, "memory.length": 4096, "event.outcome": "success"}
// expect: {"type": "security.memexec", "memory.operation": "mprotect", "memory.protection": "rwx", "memory.anonymous": true, "memory.count": 1000, "memory.summary": true}
// expect: {"type": "security.memexec", "memory.operation": "mmap", "memory.protection": "r-x", "memory.anonymous": true, "memory.count": 1}
// expect-not: {"type": "security.memexec", "memory.protection": "rw-"}
#include <sys/mman.h>

int main(void)
{
	char *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	for (int i = 0; i < 1000; i++) {
		mprotect(p, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
		mprotect(p, 4096, PROT_READ | PROT_WRITE);
	}
	mmap(0, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return 0;
}
