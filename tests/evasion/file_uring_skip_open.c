/* The quietest io_uring open: IOSQE_CQE_SKIP_SUCCESS into a fixed-file slot,
 * so a successful open posts no completion at all and returns no fd, then
 * (once a NOP shows it ran) a read of the slot, also without completion.
 * Both are recorded at submission, flagged unconfirmed (no result exists; a
 * failure would still complete and be recorded as a failure).
 * setup: printf 'topsecret\n' > $WORK/secret
 * build: -luring
 * expect: {"type": "file.open", "file.path": "$WORK/secret", "file.io_uring": true, "file.io_uring_unconfirmed": true, "file.access": "read"}
 * expect: {"type": "file.read", "file.path": "$WORK/secret", "file.bytes": 10, "file.io_uring_unconfirmed_operations": 1, "file.bytes_estimated": true}
 * expect: {"type": "file.open", "file.path": "$WORK/missing", "file.io_uring": true, "event.outcome": "failure", "error.code": "ENOENT"}
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

	if (io_uring_queue_init(8, &ring, 0) || io_uring_register_files_sparse(&ring, 2))
		return 2;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_openat_direct(sqe, AT_FDCWD, "secret", O_RDONLY, 0, 0);
	sqe->flags |= IOSQE_CQE_SKIP_SUCCESS | IOSQE_IO_LINK;
	io_uring_prep_nop(io_uring_get_sqe(&ring));
	uring_run();
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, 0, buf, 10, 0);
	sqe->flags |= IOSQE_FIXED_FILE | IOSQE_CQE_SKIP_SUCCESS | IOSQE_IO_LINK;
	io_uring_prep_nop(io_uring_get_sqe(&ring));
	uring_run();
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_openat_direct(sqe, AT_FDCWD, "missing", O_RDONLY, 0, 1);
	sqe->flags |= IOSQE_CQE_SKIP_SUCCESS; /* fails: completes anyway */
	uring_run();
	_exit(0);
}
