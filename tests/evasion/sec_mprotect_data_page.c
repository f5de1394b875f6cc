// The program's own initialised data (a private mapping of its executable)
// written with code and turned executable: file-backed, so not anonymous,
// but written. A security.memexec with memory.written and the program's
// name.
// expect: {"type": "security.memexec", "memory.operation": "mprotect", "memory.protection": "r-x", "memory.anonymous": false, "memory.written": true, "file.name": "sec_mprotect_data_page", "event.outcome": "success"}
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>

/* page-aligned and initialised: in .data, mapped from the file */
static unsigned char page[3 * 4096] __attribute__((aligned(4096))) = {1};

int main(void)
{
	unsigned char *p = page + 4096;

	p[0] = 0xc3; /* ret */
	if (mprotect(p, 4096, PROT_READ | PROT_EXEC))
		return 1;
	((void (*)(void))p)();
	return 0;
}
