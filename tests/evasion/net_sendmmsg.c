/* sendmmsg() to two destinations in one call: each destination gets its
 * net.send (first per process), and the UDP flows count every datagram.
 * expect: {"type": "net.send", "network.syscall": "sendmmsg", "network.peer.address": "127.0.0.1", "network.peer.port": 39001, "network.messages": 3, "network.bytes": 100, "event.outcome": "success"}
 * expect: {"type": "net.send", "network.syscall": "sendmmsg", "network.peer.port": 39002}
 * expect: {"type": "net.flow", "network.transport": "udp", "network.peer.port": 39001, "flow.bytes_out": 200}
 * expect: {"type": "net.flow", "network.transport": "udp", "network.peer.port": 39002, "flow.bytes_out": 100}
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

int main(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET}, b;
	char buf[100];
	struct iovec iov = {buf, sizeof(buf)};
	struct mmsghdr m[3];
	int s = socket(AF_INET, SOCK_DGRAM, 0), i;

	memset(buf, 'm', sizeof(buf));
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	b = a;
	a.sin_port = htons(39001);
	b.sin_port = htons(39002);
	memset(m, 0, sizeof(m));
	for (i = 0; i < 3; i++) {
		m[i].msg_hdr.msg_name = i == 2 ? &b : &a;
		m[i].msg_hdr.msg_namelen = sizeof(a);
		m[i].msg_hdr.msg_iov = &iov;
		m[i].msg_hdr.msg_iovlen = 1;
	}
	return sendmmsg(s, m, 3, 0) == 3 ? 0 : 1;
}
