/* A TCP connect submitted through io_uring makes no connect(2) syscall: it
 * is still recorded as net.connect (network ABI), with the peer, the local
 * end once connected, and a refused attempt with its errno.
 * build: -luring
 * expect: {"type": "net.connect", "network.syscall": "io_uring", "network.peer.address": "127.0.0.1", "network.local.address": "127.0.0.1", "network.type": "ipv4", "network.transport": "tcp", "event.outcome": "success"}
 * expect: {"type": "net.connect", "network.syscall": "io_uring", "network.peer.address": "127.0.0.1", "network.peer.port": 1, "event.outcome": "failure", "error.code": "ECONNREFUSED"}
 */
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "uring_run.h"

int main(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
	int c2 = socket(AF_INET, SOCK_STREAM, 0), ok, refused;

	if (bind(l, (void *)&a, sizeof(a)) || listen(l, 1) || getsockname(l, (void *)&a, &alen))
		return 2;
	if (io_uring_queue_init(4, &ring, 0))
		return 2;
	io_uring_prep_connect(io_uring_get_sqe(&ring), c, (void *)&a, sizeof(a));
	ok = uring_run();
	a.sin_port = htons(1);
	io_uring_prep_connect(io_uring_get_sqe(&ring), c2, (void *)&a, sizeof(a));
	refused = uring_run();
	return ok == 0 && refused < 0 ? 0 : 1;
}
