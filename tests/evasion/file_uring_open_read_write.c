/* Opens, reads and writes a file only through io_uring (no open/read/write
 * syscalls): the file events must still appear, marked as io_uring.
 * (The kernel adds O_LARGEFILE to io_uring opens on 64-bit: recorded as is.)
 * setup: printf 'topsecret\n' > $WORK/secret
 * build: -luring
 * expect: {"type": "file.open", "file.path": "$WORK/secret", "file.io_uring": true, "file.syscall": "io_uring:openat", "event.outcome": "success", "file.access": "read", "file.flags": ["O_RDONLY", "O_LARGEFILE"]}
 * expect: {"type": "file.read", "file.path": "$WORK/secret", "file.bytes": 10, "file.operations": 1, "file.io_uring_operations": 1}
 * expect: {"type": "file.open", "file.path": "$WORK/out", "file.io_uring": true, "file.access": "write", "file.flags": ["O_WRONLY", "O_CREAT", "O_TRUNC", "O_LARGEFILE"], "file.mode": "0600"}
 * expect: {"type": "file.write", "file.path": "$WORK/out", "file.bytes": 10, "file.operations": 1, "file.io_uring_operations": 1}
 * expect: {"type": "file.open", "file.path": "$WORK/missing", "file.io_uring": true, "event.outcome": "failure", "error.code": "ENOENT"}
 */
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>

#include "uring_run.h"

int main(void)
{
	char buf[64];
	int in, out, n;

	if (io_uring_queue_init(8, &ring, 0))
		return 2;
	io_uring_prep_openat(io_uring_get_sqe(&ring), AT_FDCWD, "secret", O_RDONLY, 0);
	in = uring_run();
	io_uring_prep_read(io_uring_get_sqe(&ring), in, buf, sizeof(buf), 0);
	n = uring_run();
	io_uring_prep_openat(io_uring_get_sqe(&ring), AT_FDCWD, "out", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	out = uring_run();
	io_uring_prep_write(io_uring_get_sqe(&ring), out, buf, n, 0);
	uring_run();
	io_uring_prep_openat(io_uring_get_sqe(&ring), AT_FDCWD, "missing", O_RDONLY, 0);
	uring_run();
	io_uring_prep_close(io_uring_get_sqe(&ring), in);
	uring_run();
	io_uring_prep_close(io_uring_get_sqe(&ring), out);
	uring_run();
	io_uring_queue_exit(&ring);
	return n == 10 ? 0 : 1;
}
