// A descriptor received over a UNIX socket (SCM_RIGHTS) from a process
// outside the session is another process's open file taken into the
// agent's fd table, like pidfd_getfd: a security.escape (ptrace) with the
// sender's pid and the file's name, not just the later read of it. A
// descriptor passed between two processes of the session is not one.
// setup: printf 'token=outside\n' > $WORK/outside-secret.txt && printf 'x\n' > $WORK/inside.txt && (setsid /usr/bin/python3 -c "import socket,os,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]+'/fdpass.sock'); s.listen(1); s.settimeout(60); c,_=s.accept(); f=os.open(sys.argv[1]+'/outside-secret.txt', os.O_RDONLY); socket.send_fds(c, [b'x'], [f]); c.settimeout(60); c.recv(1)" $WORK >/dev/null 2>&1 </dev/null &) && sleep 0.5
// expect: {"type": "security.escape", "escape.category": "ptrace", "escape.syscall": "recvmsg", "escape.detail": "~^pid=[0-9]+ socket_fd=[0-9]+ fds=1 fd=[0-9]+ file=outside-secret.txt$", "escape.received_fds": 1, "escape.file.name": "outside-secret.txt", "event.outcome": "success"}
// expect: {"type": "file.read", "file.path": "$WORK/outside-secret.txt"}
// expect-not: {"type": "security.escape", "escape.file.name": "inside.txt"}
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int recv_fd(int s)
{
	char b, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {&b, 1};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			   .msg_controllen = sizeof(ctl)};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(s, &m, 0) < 1 || !(c = CMSG_FIRSTHDR(&m)) || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}

static void send_fd(int s, int fd)
{
	char b = 'x', ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {&b, 1};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			   .msg_controllen = sizeof(ctl)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	sendmsg(s, &m, 0);
}

int main(int argc, char **argv)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	char buf[64], p[4096];
	int s, fd, sp[2], i;
	pid_t child;

	if (argc < 2)
		return 2;
	/* inside the session: a child passes its file to the parent */
	snprintf(p, sizeof(p), "%s/inside.txt", argv[1]);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp))
		return 1;
	child = fork();
	if (child == 0) {
		send_fd(sp[1], open(p, O_RDONLY));
		_exit(0);
	}
	fd = recv_fd(sp[0]);
	waitpid(child, NULL, 0);
	if (fd < 0)
		return 1;
	/* from outside: the server started before the session */
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/fdpass.sock", argv[1]);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	for (i = 0; i < 50 && connect(s, (void *)&a, sizeof(a)); i++)
		usleep(100000);
	fd = recv_fd(s);
	if (fd < 0 || pread(fd, buf, sizeof(buf), 0) <= 0)
		return 1;
	(void)!write(s, "k", 1);
	return 0;
}
