// clang-format off
/* A 32-bit program connects through socketcall(2), the ia32 multiplexer: the
 * call number and its arguments (in user memory) are decoded into the same
 * net.* records as the direct calls, marked ia32.
 * build: -m32
 * expect: {"type": "net.socket", "process.executable.path": "~ia32_socketcall$", "network.syscall": "socket", "network.syscall_abi": "ia32", "network.transport": "tcp", "event.outcome": "success"}
 * expect: {"type": "net.bind", "process.executable.path": "~ia32_socketcall$", "network.syscall": "bind", "network.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "net.connect", "process.executable.path": "~ia32_socketcall$", "network.syscall": "connect", "network.syscall_abi": "ia32", "network.peer.address": "127.0.0.1", "event.outcome": "success"}
 * expect: {"type": "net.connect", "process.executable.path": "~ia32_socketcall$", "network.syscall": "connect", "network.syscall_abi": "ia32", "network.peer.address": "127.0.0.1", "network.peer.port": 9, "event.outcome": "failure", "error.code": "ECONNREFUSED"}
 * expect: {"type": "net.accept", "process.executable.path": "~ia32_socketcall$", "network.syscall": "accept", "network.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "net.send", "process.executable.path": "~ia32_socketcall$", "network.syscall": "sendto", "network.syscall_abi": "ia32", "network.peer.address": "127.0.0.1", "network.peer.port": 9, "network.bytes": 1, "event.outcome": "success"}
 */
// clang-format on
#include <arpa/inet.h>
#include <linux/net.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static long sc(int call, unsigned long a0, unsigned long a1, unsigned long a2, unsigned long a3,
	       unsigned long a4, unsigned long a5)
{
	unsigned long args[6] = {a0, a1, a2, a3, a4, a5};

	return syscall(SYS_socketcall, call, args);
}

int main(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(0)};
	struct sockaddr_in closed = {.sin_family = AF_INET, .sin_port = htons(9)};
	socklen_t al = sizeof(a);
	int s, c, x, u;
	char b[8];

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	closed.sin_addr = a.sin_addr;
	s = sc(SYS_SOCKET, AF_INET, SOCK_STREAM, 0, 0, 0, 0);
	c = sc(SYS_SOCKET, AF_INET, SOCK_STREAM, 0, 0, 0, 0);
	if (s < 0 || c < 0 || sc(SYS_BIND, s, (unsigned long)&a, sizeof(a), 0, 0, 0) ||
	    sc(SYS_LISTEN, s, 1, 0, 0, 0, 0) || getsockname(s, (void *)&a, &al) ||
	    sc(SYS_CONNECT, c, (unsigned long)&a, sizeof(a), 0, 0, 0))
		return 1;
	if ((x = sc(SYS_ACCEPT, s, 0, 0, 0, 0, 0)) < 0 || write(c, "abc", 3) != 3)
		return 1;
	close(c);
	while (read(x, b, sizeof(b)) > 0)
		;
	c = sc(SYS_SOCKET, AF_INET, SOCK_STREAM, 0, 0, 0, 0);
	if (sc(SYS_CONNECT, c, (unsigned long)&closed, sizeof(closed), 0, 0, 0) == 0)
		return 1;
	u = sc(SYS_SOCKET, AF_INET, SOCK_DGRAM, 0, 0, 0, 0);
	sc(SYS_SENDTO, u, (unsigned long)"x", 1, 0, (unsigned long)&closed, sizeof(closed));
	return 0;
}
