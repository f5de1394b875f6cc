/* io_uring requests flagged IOSQE_CQE_SKIP_SUCCESS post no completion when
 * they succeed, so completion tracing never sees them. They are counted at
 * submission (requested length, flagged as unconfirmed), and a completed
 * read on the same file adds its real bytes.
 * setup: printf 'topsecret\n' > $WORK/secret
 * build: -luring
 * expect: {"type": "file.write", "file.path": "$WORK/out", "file.bytes": 10, "file.operations": 1, "file.io_uring_unconfirmed_operations": 1, "file.bytes_estimated": true}
 * expect: {"type": "file.read", "file.path": "$WORK/secret", "file.bytes": 20, "file.operations": 2, "file.io_uring_operations": 2, "file.io_uring_unconfirmed_operations": 1}
 */
#include <fcntl.h>
#include <liburing.h>
#include <unistd.h>

#include "uring_run.h"

int main(void)
{
	struct io_uring_sqe *sqe;
	char buf[10];
	int in = open("secret", O_RDONLY), out = open("out", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (io_uring_queue_init(8, &ring, 0))
		return 2;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, in, buf, 10, 0);
	sqe->flags |= IOSQE_CQE_SKIP_SUCCESS | IOSQE_IO_LINK;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_write(sqe, out, buf, 10, 0);
	sqe->flags |= IOSQE_CQE_SKIP_SUCCESS | IOSQE_IO_LINK;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, in, buf, 10, 0); /* completes normally */
	if (uring_run() != 10)
		return 1;
	io_uring_queue_exit(&ring);
	close(in);
	close(out);
	return 0;
}
