// TIOCSTI pushes bytes into a terminal's input as if typed: whatever reads
// that terminal (the user's shell) runs them. Here a new session's
// controlling pty gets "id\n" injected, one byte per call: one
// security.escape (category tty) for the first byte with the tty's name,
// and the exit summary with the total (3 bytes). A try on a pipe fails with
// ENOTTY and is recorded too (no tty). The bytes themselves are not stored.
// expect: {"type": "security.escape", "escape.category": "tty", "escape.syscall": "ioctl", "escape.detail": "~^cmd=TIOCSTI fd=[0-9]+ tty=pts[0-9]+$", "escape.tty": "~^pts[0-9]+$", "escape.count": 1, "escape.injected_bytes": 1, "event.outcome": "success"}
// expect: {"type": "security.escape", "escape.category": "tty", "escape.summary": true, "escape.detail": "~^cmd=TIOCSTI tty=pts[0-9]+$", "escape.tty": "~^pts[0-9]+$", "escape.count": 3, "escape.injected_bytes": 3, "event.outcome": "success"}
// expect: {"type": "security.escape", "escape.category": "tty", "escape.detail": "~^cmd=TIOCSTI fd=[0-9]+$", "escape.injected_bytes": 0, "event.outcome": "failure", "error.code": "ENOTTY"}
// expect-not: {"type": "security.escape", "escape.category": "tty", "escape.injected_bytes": 4}
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static int inject(void)
{
	const char *cmd = "id\n";
	char buf[16];
	int m, s, i;

	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m) || setsid() < 0)
		return 1;
	s = open(ptsname(m), O_RDWR);
	if (s < 0 || ioctl(s, TIOCSCTTY, 0))
		return 1;
	for (i = 0; cmd[i]; i++)
		if (ioctl(s, TIOCSTI, &cmd[i]))
			return 1;
	/* the injected line is now the terminal's input */
	return read(s, buf, sizeof(buf)) == 3 ? 0 : 1;
}

int main(void)
{
	int p[2], st;
	char c = 'x';
	pid_t child;

	if (pipe(p) || ioctl(p[0], TIOCSTI, &c) == 0)
		return 1;
	child = fork();
	if (child == 0)
		_exit(inject());
	if (waitpid(child, &st, 0) != child)
		return 1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
