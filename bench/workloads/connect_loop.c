/* connect_loop N: N loopback TCP connections: connect to a listener in the
 * same process, accept, close both. The client closes with SO_LINGER 0 (RST),
 * so repeated runs do not exhaust ephemeral ports with TIME_WAIT. */
#include "common.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	int one = 1;
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(ls, (void *)&sa, sizeof(sa)) || listen(ls, 128) ||
	    getsockname(ls, (void *)&sa, &sl))
		die("listener");
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c < 0)
			die("socket");
		if (connect(c, (void *)&sa, sizeof(sa)))
			die("connect");
		int a = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
		if (a < 0)
			die("accept");
		setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(c);
		close(a);
	}
	/* socket, connect, accept4, setsockopt, close x2 */
	report("connect_loop", n, 6 * n, now_ns() - t0);
	close(ls);
	return 0;
}
