/* A statically linked binary (no libc to hook) connects: the kernel sees it.
 * build: -static
 * expect: {"type": "net.connect", "process.executable.path": "~net_static_connect$", "network.peer.port": 39061, "event.outcome": "success"}
 * expect: {"type": "net.flow", "process.executable.path": "~net_static_connect$", "network.peer.port": 39061, "flow.bytes_out": 3}
 */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(39061)};
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), x;
	char b[8];

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (void *)&a, sizeof(a)) || listen(s, 1) || connect(c, (void *)&a, sizeof(a)))
		return 1;
	x = accept(s, NULL, NULL);
	if (write(c, "abc", 3) != 3)
		return 1;
	close(c);
	while (read(x, b, sizeof(b)) > 0)
		;
	return 0;
}
