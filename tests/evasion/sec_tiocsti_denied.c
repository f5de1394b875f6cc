// TIOCSTI by an unprivileged user into a terminal that is not its
// controlling one is refused (EPERM; EIO on kernels with
// dev.tty.legacy_tiocsti=0): the attempt is a security.escape (tty) with its
// result and the tty, nothing injected.
// user: proctor-agent
// expect: {"type": "security.escape", "escape.category": "tty", "escape.syscall": "ioctl", "escape.tty": "~^pts[0-9]+$", "escape.injected_bytes": 0, "event.outcome": "failure", "error.code": "~^(EPERM|EIO)$"}
// expect-not: {"type": "security.escape", "escape.category": "tty", "event.outcome": "success"}
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(void)
{
	char c = 'x';
	int m, s;

	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m))
		return 1;
	s = open(ptsname(m), O_RDWR | O_NOCTTY);
	if (s < 0)
		return 1;
	return ioctl(s, TIOCSTI, &c) == 0 ? 1 : 0;
}
