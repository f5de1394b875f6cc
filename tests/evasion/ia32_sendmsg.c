// clang-format off
/* A 32-bit program sends UDP datagrams with sendmsg and sendmmsg, direct
 * (370, 345) and through socketcall (SYS_SENDMSG, SYS_SENDMMSG): the compat
 * msghdr (32-bit pointers) is decoded, so each destination is a net.send
 * like the native calls', marked ia32.
 * build: -m32
 * expect: {"type": "net.send", "network.syscall": "sendmsg", "network.syscall_abi": "ia32", "network.peer.address": "127.0.0.1", "network.peer.port": 39011, "network.bytes": 20, "event.outcome": "success"}
 * expect: {"type": "net.send", "network.syscall": "sendmsg", "network.syscall_abi": "ia32", "network.peer.address": "127.0.0.1", "network.peer.port": 39012, "network.bytes": 21, "event.outcome": "success"}
 * expect: {"type": "net.send", "network.syscall": "sendmmsg", "network.syscall_abi": "ia32", "network.peer.address": "127.0.0.1", "network.peer.port": 39013, "network.messages": 3, "network.bytes": 22, "event.outcome": "success"}
 * expect: {"type": "net.send", "network.syscall": "sendmmsg", "network.syscall_abi": "ia32", "network.peer.address": "127.0.0.1", "network.peer.port": 39014, "network.messages": 3, "network.bytes": 22, "event.outcome": "success"}
 * expect: {"type": "net.send", "network.syscall": "sendmmsg", "network.syscall_abi": "ia32", "network.peer.address": "127.0.0.1", "network.peer.port": 39015, "network.messages": 1, "network.bytes": 22, "event.outcome": "success"}
 * expect: {"type": "net.flow", "network.transport": "udp", "network.peer.port": 39013, "flow.bytes_out": 44}
 */
// clang-format on
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/net.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static struct sockaddr_in dst[5];

static void msg(struct msghdr *m, struct sockaddr_in *to, struct iovec *iov)
{
	memset(m, 0, sizeof(*m));
	m->msg_name = to;
	m->msg_namelen = sizeof(*to);
	m->msg_iov = iov;
	m->msg_iovlen = 1;
}

int main(void)
{
	char buf[32];
	struct iovec i20 = {buf, 20}, i21 = {buf, 21}, i22 = {buf, 22};
	struct mmsghdr mm[3];
	struct msghdr m;
	unsigned long args[4];
	int s = socket(AF_INET, SOCK_DGRAM, 0), i;

	memset(buf, 'x', sizeof(buf));
	for (i = 0; i < 5; i++) {
		dst[i].sin_family = AF_INET;
		dst[i].sin_port = htons(39011 + i);
		inet_pton(AF_INET, "127.0.0.1", &dst[i].sin_addr);
	}
	msg(&m, &dst[0], &i20);
	if (syscall(SYS_sendmsg, s, &m, 0) != 20)
		return 1;
	msg(&m, &dst[1], &i21);
	args[0] = s, args[1] = (unsigned long)&m, args[2] = 0;
	if (syscall(SYS_socketcall, SYS_SENDMSG, args) != 21)
		return 1;
	memset(mm, 0, sizeof(mm));
	for (i = 0; i < 3; i++)
		msg(&mm[i].msg_hdr, &dst[i == 2 ? 3 : 2], &i22);
	if (syscall(SYS_sendmmsg, s, mm, 3, 0) != 3)
		return 1;
	msg(&mm[0].msg_hdr, &dst[4], &i22);
	args[0] = s, args[1] = (unsigned long)mm, args[2] = 1, args[3] = 0;
	return syscall(SYS_socketcall, SYS_SENDMMSG, args) == 1 ? 0 : 1;
}
