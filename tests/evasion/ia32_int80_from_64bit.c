// clang-format off
/* A 64-bit program switches to the ia32 ABI for one call: int $0x80 with
 * i386 numbers and a path below 4 GiB (MAP_32BIT). open (5) and write (4)
 * here are x86_64's fstat and open: decoded by their i386 meaning, never
 * misread as the native syscalls of those numbers.
 * expect: {"type": "file.open", "file.path": "$WORK/int80.txt", "file.syscall": "open", "file.syscall_abi": "ia32", "file.access": "write", "event.outcome": "success"}
 * expect: {"type": "file.write", "file.path": "$WORK/int80.txt", "file.bytes": 6, "file.operations": 1, "file.summary_reason": "close"}
 * expect: {"type": "file.metadata", "file.operation": "chmod", "file.path": "$WORK/int80.txt", "file.mode": "0700", "file.syscall": "chmod", "file.syscall_abi": "ia32", "event.outcome": "success"}
 * expect-not: {"type": "file.open", "file.path": "$WORK/int80.txt", "file.syscall": "open", "file.syscall_abi": null}
 */
// clang-format on
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

/* The kernel's compat entry clears r8-r15 and reads only the low 32 bits of
 * the argument registers: every register it may touch is clobbered. */
static long int80(long nr, long a1, long a2, long a3)
{
	long r = nr;

	__asm__ volatile("int $0x80"
			 : "+a"(r), "+b"(a1), "+c"(a2), "+d"(a3)
			 :
			 : "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "cc",
			   "memory");
	return r;
}

int main(int argc, char **argv)
{
	char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	long fd;

	if (argc < 2 || low == MAP_FAILED)
		return 1;
	snprintf(low, 2048, "%s/int80.txt", argv[1]);
	strcpy(low + 2048, "hello\n");
	fd = int80(5, (long)low, O_CREAT | O_WRONLY | O_TRUNC, 0644); /* i386 open */
	if (fd < 0 || int80(4, fd, (long)(low + 2048), 6) != 6)	      /* i386 write */
		return 1;
	if (int80(15, (long)low, 0700, 0)) /* i386 chmod */
		return 1;
	return int80(6, fd, 0, 0) ? 1 : 0; /* i386 close */
}
