/* TCP Fast Open: sendto(MSG_FASTOPEN) connects without connect(2). The
 * cgroup connect hook still sees it: a flow, and a net.send with the peer.
 * expect: {"type": "net.send", "network.transport": "tcp", "network.peer.port": 39091, "network.syscall": "sendto"}
 * expect: {"type": "net.flow", "network.transport": "tcp", "network.peer.port": 39091, "flow.bytes_out": 4}
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(39091)};
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), x;
	char b[8];

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (void *)&a, sizeof(a)) || listen(s, 1))
		return 1;
	if (sendto(c, "tfo!", 4, MSG_FASTOPEN, (void *)&a, sizeof(a)) != 4)
		return 1;
	x = accept(s, NULL, NULL);
	close(c);
	while (read(x, b, sizeof(b)) > 0)
		;
	return 0;
}
