/* io_uring with a kernel submission thread (IORING_SETUP_SQPOLL): the
 * process never enters the kernel to submit, the ring's own thread does.
 * The open and the read are still attributed to the process.
 * setup: printf 'topsecret\n' > $WORK/secret
 * build: -luring
 * expect: {"type": "file.open", "file.path": "$WORK/secret", "file.io_uring": true, "event.outcome": "success"}
 * expect: {"type": "file.read", "file.path": "$WORK/secret", "file.bytes": 10, "file.io_uring_operations": 1}
 */
#include <fcntl.h>
#include <liburing.h>
#include <stdlib.h>

#include "uring_run.h"

int main(void)
{
	struct io_uring_params p = {.flags = IORING_SETUP_SQPOLL, .sq_thread_idle = 1000};
	char buf[64];
	int fd, n;

	if (io_uring_queue_init_params(8, &ring, &p))
		return 2;
	io_uring_prep_openat(io_uring_get_sqe(&ring), AT_FDCWD, "secret", O_RDONLY, 0);
	fd = uring_run();
	io_uring_prep_read(io_uring_get_sqe(&ring), fd, buf, sizeof(buf), 0);
	n = uring_run();
	io_uring_queue_exit(&ring);
	return n == 10 ? 0 : 1;
}
