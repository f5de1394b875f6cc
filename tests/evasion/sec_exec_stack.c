// A program linked with an executable stack (-z execstack): the kernel maps
// its stack read-write-execute at exec, no mmap/mprotect call needed to run
// injected code there. Reported at exec as memory.operation exec_stack.
// build: -z execstack
// expect: {"type": "security.memexec", "memory.operation": "exec_stack", "memory.protection": "rwx", "memory.anonymous": true, "event.outcome": "success", "process.name": "sec_exec_stack"}
// expect-not: {"type": "security.memexec", "memory.operation": "exec_stack", "process.name": "true"}
#include <unistd.h>

int main(void)
{
	/* a normal (non-exec-stack) program afterwards: not reported */
	execl("/bin/true", "true", (char *)0);
	return 1;
}
