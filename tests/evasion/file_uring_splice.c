/* Copies a secret with io_uring SPLICE through a pipe (no read/write
 * syscalls, no io_uring READ/WRITE): the source read and the destination
 * write are still in the I/O summaries.
 * setup: printf 'topsecret\n' > $WORK/secret
 * build: -luring
 * expect: {"type": "file.read", "file.path": "$WORK/secret", "file.bytes": 10, "file.operations": 1, "file.io_uring_operations": 1}
 * expect: {"type": "file.write", "file.path": "$WORK/out", "file.bytes": 10, "file.operations": 1, "file.io_uring_operations": 1}
 */
#include <fcntl.h>
#include <liburing.h>
#include <stdlib.h>
#include <unistd.h>

#include "uring_run.h"

int main(void)
{
	int in = open("secret", O_RDONLY), out = open("out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int p[2], a, b;

	if (pipe(p) || io_uring_queue_init(8, &ring, 0))
		return 2;
	io_uring_prep_splice(io_uring_get_sqe(&ring), in, -1, p[1], -1, 10, 0);
	a = uring_run();
	io_uring_prep_splice(io_uring_get_sqe(&ring), p[0], -1, out, -1, 10, 0);
	b = uring_run();
	close(in);
	close(out);
	return a == 10 && b == 10 ? 0 : 1;
}
