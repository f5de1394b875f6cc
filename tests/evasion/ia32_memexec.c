// clang-format off
/* A 32-bit program makes memory executable through the ia32 ABI: an
 * anonymous W+X mmap2, an anonymous R+X old mmap (90, its arguments in a
 * block), mprotect and pkey_mprotect of anonymous memory, and its own
 * written data page (file-backed, private) turned R+X. Each is a
 * security.memexec as from a 64-bit program, marked ia32; ld.so's loading of
 * the 32-bit libc stays quiet.
 * build: -m32
 * expect: {"type": "security.memexec", "memory.operation": "mmap", "memory.protection": "rwx", "memory.anonymous": true, "memory.length": 4096, "memory.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "security.memexec", "memory.operation": "mmap", "memory.protection": "r-x", "memory.anonymous": true, "memory.length": 8192, "memory.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "security.memexec", "memory.operation": "mprotect", "memory.protection": "r-x", "memory.anonymous": true, "memory.length": 4096, "memory.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "security.memexec", "memory.operation": "mprotect", "memory.syscall": "pkey_mprotect", "memory.protection": "rwx", "memory.anonymous": true, "memory.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "security.memexec", "memory.operation": "mprotect", "memory.protection": "r-x", "memory.anonymous": false, "memory.written": true, "file.name": "ia32_memexec", "memory.syscall_abi": "ia32", "event.outcome": "success"}
 * expect-not: {"type": "security.memexec", "file.name": "~^(libc|ld-linux)"}
 */
// clang-format on
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* page-aligned and initialised: in .data, mapped from the file */
static unsigned char page[3 * 4096] __attribute__((aligned(4096))) = {1};

int main(void)
{
	uint32_t old[6] = {0, 8192, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0};
	unsigned char *w, *x, *p = page + 4096;
	long r;

	w = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		 0);		    /* mmap2 (192) */
	r = syscall(SYS_mmap, old); /* old mmap (90): a 32-bit address or -errno */
	if (w == MAP_FAILED || (r < 0 && r > -4096))
		return 1;
	x = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x == MAP_FAILED || syscall(SYS_mprotect, x, 4096, PROT_READ | PROT_EXEC) ||
	    syscall(SYS_pkey_mprotect, x + 4096, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, -1))
		return 1;
	p[0] = 0xc3; /* ret */
	if (syscall(SYS_mprotect, p, 4096, PROT_READ | PROT_EXEC))
		return 1;
	((void (*)(void))p)();
	return 0;
}
