// io_uring_setup(): creating a ring (an I/O path that bypasses per-syscall
// monitoring) is an escape-category event; one with SQPOLL by an ordinary
// user is allowed on 6.x kernels too.
// user: proctor-agent
// expect: {"type": "security.escape", "escape.category": "io_uring", "escape.syscall": "io_uring_setup", "escape.detail": "entries=8 flags=0x0", "event.outcome": "success"}
// expect: {"type": "security.escape", "escape.category": "io_uring", "escape.detail": "entries=4 flags=0x2", "event.outcome": "success"}
// expect: {"type": "security.escape", "escape.category": "io_uring", "escape.detail": "entries=0 flags=0x0", "event.outcome": "failure", "error.code": "EINVAL"}
#include <linux/io_uring.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	syscall(SYS_io_uring_setup, 8, &p);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQPOLL;
	syscall(SYS_io_uring_setup, 4, &p);
	memset(&p, 0, sizeof(p));
	syscall(SYS_io_uring_setup, 0, &p);
	return 0;
}
