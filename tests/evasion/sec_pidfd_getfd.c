// pidfd_getfd() copies another process's open file into the caller's fd
// table: a security.escape (ptrace) with the target pid and fd and the
// stolen file's name, not just the later read of it. A try on an fd the
// target does not have fails with EBADF and is recorded too.
// expect: {"type": "security.escape", "escape.category": "ptrace", "escape.syscall": "pidfd_getfd", "escape.detail": "~^pid=[0-9]+ fd=7 file=stolen-secret.txt$", "escape.target_fd": 7, "escape.file.name": "stolen-secret.txt", "event.outcome": "success"}
// expect: {"type": "security.escape", "escape.syscall": "pidfd_getfd", "escape.target_fd": 99, "event.outcome": "failure", "error.code": "EBADF"}
// expect: {"type": "file.read", "file.path": "$WORK/stolen-secret.txt"}
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char p[4096], buf[64];
	int sync[2], pidfd, fd;
	pid_t child;

	if (argc < 2 || pipe(sync))
		return 2;
	snprintf(p, sizeof(p), "%s/stolen-secret.txt", argv[1]);
	child = fork();
	if (child == 0) {
		fd = open(p, O_RDWR | O_CREAT, 0600);
		(void)!write(fd, "token=abc\n", 10);
		dup2(fd, 7);
		(void)!write(sync[1], "r", 1);
		pause();
		_exit(0);
	}
	(void)!read(sync[0], buf, 1);
	pidfd = syscall(SYS_pidfd_open, child, 0);
	fd = syscall(SYS_pidfd_getfd, pidfd, 7, 0);
	if (fd >= 0)
		(void)!pread(fd, buf, sizeof(buf), 0);
	syscall(SYS_pidfd_getfd, pidfd, 99, 0);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return fd >= 0 ? 0 : 1;
}
