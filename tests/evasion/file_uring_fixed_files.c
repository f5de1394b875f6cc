/* io_uring on registered (fixed) files: after registration the fd can be
 * closed and the request names only a slot index, so there is no fd to
 * follow. The reads are still summarised by the file itself (at exit, since
 * no close of an fd ends them).
 * setup: printf 'topsecret\n' > $WORK/secret
 * build: -luring
 * expect: {"type": "file.read", "file.path": "$WORK/secret", "file.bytes": 20, "file.operations": 2, "file.io_uring_operations": 2, "file.summary_reason": "exit"}
 */
#include <fcntl.h>
#include <liburing.h>
#include <stdlib.h>
#include <unistd.h>

#include "uring_run.h"

int main(void)
{
	struct io_uring_sqe *sqe;
	char buf[64];
	int fd = open("secret", O_RDONLY), n = 0, i;

	if (io_uring_queue_init(8, &ring, 0) || io_uring_register_files(&ring, &fd, 1))
		return 2;
	close(fd); /* only the registered slot remains */
	for (i = 0; i < 2; i++) {
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_read(sqe, 0, buf, sizeof(buf), 0);
		sqe->flags |= IOSQE_FIXED_FILE;
		n += uring_run();
	}
	_exit(n == 20 ? 0 : 1); /* exit with the ring still set up */
}
