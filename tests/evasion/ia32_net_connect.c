// clang-format off
/* A 32-bit program makes a loopback TCP connection with the direct ia32
 * socket syscalls (socket 359, bind 361, listen 363, connect 362, accept4
 * 364): the same net.* records as the 64-bit calls, marked ia32.
 * build: -m32
 * expect: {"type": "net.socket", "process.executable.path": "~ia32_net_connect$", "network.syscall": "socket", "network.syscall_abi": "ia32", "network.transport": "tcp", "event.outcome": "success"}
 * expect: {"type": "net.bind", "process.executable.path": "~ia32_net_connect$", "network.syscall": "bind", "network.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "net.listen", "process.executable.path": "~ia32_net_connect$", "network.syscall": "listen", "network.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "net.connect", "process.executable.path": "~ia32_net_connect$", "network.syscall": "connect", "network.syscall_abi": "ia32", "network.peer.address": "127.0.0.1", "event.outcome": "success"}
 * expect: {"type": "net.accept", "process.executable.path": "~ia32_net_connect$", "network.syscall": "accept4", "network.syscall_abi": "ia32", "event.outcome": "success"}
 * expect: {"type": "net.flow", "process.executable.path": "~ia32_net_connect$", "flow.bytes_out": 3}
 */
// clang-format on
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(0)};
	socklen_t al = sizeof(a);
	int s = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	int c = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0), x;
	char b[8];

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (s < 0 || c < 0 || syscall(SYS_bind, s, &a, sizeof(a)) || syscall(SYS_listen, s, 1) ||
	    getsockname(s, (void *)&a, &al) || syscall(SYS_connect, c, &a, sizeof(a)))
		return 1;
	if ((x = syscall(SYS_accept4, s, NULL, NULL, 0)) < 0 || write(c, "abc", 3) != 3)
		return 1;
	close(c);
	while (read(x, b, sizeof(b)) > 0)
		;
	return 0;
}
