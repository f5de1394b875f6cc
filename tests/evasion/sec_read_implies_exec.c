// personality(READ_IMPLIES_EXEC): from then on PROT_READ memory is also
// executable, so an anonymous mapping becomes code without PROT_EXEC ever
// being passed. Reported with the effective protection and implied_exec.
// expect: {"type": "security.memexec", "memory.operation": "mmap", "memory.protection": "r-x", "memory.anonymous": true, "memory.implied_exec": true, "event.outcome": "success"}
// expect: {"type": "security.memexec", "memory.operation": "mprotect", "memory.protection": "rwx", "memory.anonymous": true, "memory.implied_exec": true}
// expect-not: {"type": "security.memexec", "memory.protection": "---"}
#include <sys/mman.h>
#include <sys/personality.h>

int main(void)
{
	char *p;

	personality(READ_IMPLIES_EXEC);
	p = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mprotect(p, 4096, PROT_READ | PROT_WRITE);
	mprotect(p, 4096, PROT_NONE);
	return 0;
}
