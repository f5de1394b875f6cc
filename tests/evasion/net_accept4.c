/* accept4() with flags, and the peer of the accepted connection.
 * expect: {"type": "net.accept", "network.syscall": "accept4", "network.local.port": 39041, "network.peer.address": "127.0.0.1", "event.outcome": "success"}
 * expect: {"type": "net.listen", "network.local.port": 39041, "network.local.address": "127.0.0.1"}
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(39041)};
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (void *)&a, sizeof(a)) || listen(s, 1) || connect(c, (void *)&a, sizeof(a)))
		return 1;
	return accept4(s, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK) >= 0 ? 0 : 1;
}
