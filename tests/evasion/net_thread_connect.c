/* connect() from a secondary thread with its own name: attributed to the
 * thread (process.tid) of the process.
 * build: -lpthread
 * expect: {"type": "net.connect", "process.name": "connthr", "network.peer.port": 39051, "event.outcome": "success"}
 * expect: {"type": "net.flow", "process.name": "connthr", "network.peer.port": 39051, "flow.bytes_out": 5}
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in a = {.sin_family = AF_INET};

static void *run(void *arg)
{
	int c = socket(AF_INET, SOCK_STREAM, 0);
	(void)arg;
	pthread_setname_np(pthread_self(), "connthr");
	if (connect(c, (void *)&a, sizeof(a)) || write(c, "hello", 5) != 5)
		return (void *)1;
	close(c);
	return NULL;
}

int main(void)
{
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0), a2;
	pthread_t t;
	void *rc;
	char buf[16];

	a.sin_port = htons(39051);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (void *)&a, sizeof(a)) || listen(s, 1))
		return 1;
	pthread_create(&t, NULL, run, NULL);
	a2 = accept(s, NULL, NULL);
	while (read(a2, buf, sizeof(buf)) > 0)
		;
	pthread_join(t, &rc);
	return rc != NULL;
}
