/* A TCP server made entirely through io_uring: SOCKET, BIND, LISTEN and
 * ACCEPT make no socket/bind/listen/accept syscall. Each is still a net.*
 * record like the syscall's (network.syscall "io_uring"), with the
 * addresses and the result (a failed BIND has no address: it is not kept); a BIND to an address in use fails with
 * EADDRINUSE and is recorded too.
 * build: -luring
 * expect: {"type": "net.socket", "network.syscall": "io_uring", "network.type": "ipv4", "network.transport": "tcp", "event.outcome": "success"}
 * expect: {"type": "net.bind", "network.syscall": "io_uring", "network.local.address": "127.0.0.1", "event.outcome": "success"}
 * expect: {"type": "net.bind", "network.syscall": "io_uring", "event.outcome": "failure", "error.code": "EADDRINUSE"}
 * expect: {"type": "net.listen", "network.syscall": "io_uring", "network.local.address": "127.0.0.1", "network.transport": "tcp", "event.outcome": "success"}
 * expect: {"type": "net.accept", "network.syscall": "io_uring", "network.peer.address": "127.0.0.1", "network.local.address": "127.0.0.1", "event.outcome": "success"}
 */
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "uring_run.h"

#define OP_BIND	  56
#define OP_LISTEN 57

static int uring_bind(int fd, struct sockaddr_in *a)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

	io_uring_prep_rw(OP_BIND, sqe, fd, a, 0, sizeof(*a));
	return uring_run();
}

static int uring_listen(int fd)
{
	io_uring_prep_rw(OP_LISTEN, io_uring_get_sqe(&ring), fd, NULL, 8, 0);
	return uring_run();
}

int main(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	int l, l2, c, s;

	if (io_uring_queue_init(4, &ring, 0))
		return 2;
	io_uring_prep_socket(io_uring_get_sqe(&ring), AF_INET, SOCK_STREAM, 0, 0);
	l = uring_run();
	io_uring_prep_socket(io_uring_get_sqe(&ring), AF_INET, SOCK_STREAM, 0, 0);
	l2 = uring_run();
	if (l < 0 || l2 < 0 || uring_bind(l, &a) || uring_listen(l))
		return 1;
	if (getsockname(l, (void *)&a, &alen))
		return 1;
	if (uring_bind(l2, &a) != -EADDRINUSE)
		return 1;
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (void *)&a, sizeof(a)))
		return 1;
	io_uring_prep_accept(io_uring_get_sqe(&ring), l, NULL, NULL, 0);
	s = uring_run();
	return s >= 0 ? 0 : 1;
}
