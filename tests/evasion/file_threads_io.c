/* Four threads write to one shared descriptor concurrently (I/O spread over
 * threads so no single thread looks busy): one write summary for the open
 * file with every byte and operation.
 * build: -lpthread
 * expect: {"type": "file.write", "file.path": "$WORK/out", "file.bytes": 40000, "file.operations": 40, "file.summary_reason": "close"}
 */
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

static int fd;

static void *worker(void *arg)
{
	char buf[1000];
	long i, id = (long)arg;

	memset(buf, 'a' + id, sizeof(buf));
	for (i = 0; i < 10; i++)
		pwrite(fd, buf, sizeof(buf), (id * 10 + i) * 1000);
	return NULL;
}

int main(void)
{
	pthread_t t[4];
	long i;

	fd = open("out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	close(fd);
	return 0;
}
