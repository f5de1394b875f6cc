/* UDP datagrams sent through io_uring make no sendto/sendmsg syscall: a
 * SENDMSG with msg_name and a SEND with a destination address (sendto
 * style) are net.send records like the syscalls' (first per process and
 * destination), network.syscall "io_uring". A SEND on a connected socket has
 * no destination of its own (the connect has it) and is no net.send.
 * build: -luring
 * expect: {"type": "net.send", "network.syscall": "io_uring", "network.peer.address": "127.0.0.1", "network.peer.port": 9, "network.transport": "udp", "event.outcome": "success"}
 * expect: {"type": "net.send", "network.syscall": "io_uring", "network.peer.address": "127.0.0.1", "network.peer.port": 7, "network.transport": "udp", "event.outcome": "success"}
 * expect-not: {"type": "net.send", "network.peer.port": 13}
 */
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "uring_run.h"

int main(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	char buf[] = "ping";
	struct iovec iov = {buf, 4};
	struct msghdr m = {.msg_name = &a, .msg_namelen = sizeof(a), .msg_iov = &iov, .msg_iovlen = 1};
	struct io_uring_sqe *sqe;
	int u = socket(AF_INET, SOCK_DGRAM, 0), cu = socket(AF_INET, SOCK_DGRAM, 0);
	int r1, r2, r3;

	if (u < 0 || cu < 0 || io_uring_queue_init(4, &ring, 0))
		return 2;
	a.sin_port = htons(9);
	io_uring_prep_sendmsg(io_uring_get_sqe(&ring), u, &m, 0);
	r1 = uring_run();
	/* SEND with a destination: sqe->addr2 and addr_len (sendto style) */
	struct sockaddr_in b = a;
	b.sin_port = htons(7);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_send(sqe, u, buf, 4, 0);
	sqe->addr2 = (unsigned long)&b;
	sqe->addr_len = sizeof(b);
	r2 = uring_run();
	a.sin_port = htons(13);
	if (connect(cu, (void *)&a, sizeof(a)))
		return 1;
	io_uring_prep_send(io_uring_get_sqe(&ring), cu, buf, 4, 0);
	r3 = uring_run();
	return r1 == 4 && r2 == 4 && r3 == 4 ? 0 : 1;
}
