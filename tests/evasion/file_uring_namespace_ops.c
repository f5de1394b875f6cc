/* Directory and name changes through io_uring (mkdirat, renameat, linkat,
 * symlinkat, unlinkat, ftruncate, setxattr, fsetxattr) bypass the syscall hooks: file.metadata must still
 * record each one with its result.
 * setup: printf 'topsecret\n' > $WORK/secret
 * build: -luring
 * expect: {"type": "file.metadata", "file.operation": "mkdir", "file.path": "$WORK/d", "file.io_uring": true, "event.outcome": "success", "file.mode": "0750"}
 * expect: {"type": "file.metadata", "file.operation": "link", "file.path": "$WORK/d/hard", "file.target_path": "$WORK/secret", "file.io_uring": true, "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "symlink", "file.path": "$WORK/d/soft", "file.target_path": "$WORK/secret", "file.io_uring": true}
 * expect: {"type": "file.metadata", "file.operation": "rename", "file.path": "$WORK/d/hard", "file.target_path": "$WORK/d/moved", "file.io_uring": true, "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "unlink", "file.path": "$WORK/d/moved", "file.io_uring": true, "file.syscall": "io_uring:unlinkat", "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "truncate", "file.path": "$WORK/secret", "file.size": 3, "file.io_uring": true, "file.syscall": "io_uring:ftruncate", "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "setxattr", "file.path": "$WORK/secret", "file.xattr.name": "user.by_path", "file.xattr.size": 2, "file.syscall": "io_uring:setxattr", "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "setxattr", "file.path": "$WORK/secret", "file.xattr.name": "user.by_fd", "file.syscall": "io_uring:fsetxattr", "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "unlink", "file.path": "$WORK/nothere", "file.io_uring": true, "event.outcome": "failure", "error.code": "ENOENT"}
 */
#include <fcntl.h>
#include <liburing.h>
#include <stdlib.h>
#include <unistd.h>

#include "uring_run.h"

int main(void)
{
	int bad = 0, fd;

	if (io_uring_queue_init(8, &ring, 0))
		return 2;
	io_uring_prep_mkdirat(io_uring_get_sqe(&ring), AT_FDCWD, "d", 0750);
	bad |= uring_run();
	io_uring_prep_linkat(io_uring_get_sqe(&ring), AT_FDCWD, "secret", AT_FDCWD, "d/hard", 0);
	bad |= uring_run();
	io_uring_prep_symlinkat(io_uring_get_sqe(&ring), "../secret", AT_FDCWD, "d/soft");
	bad |= uring_run();
	io_uring_prep_renameat(io_uring_get_sqe(&ring), AT_FDCWD, "d/hard", AT_FDCWD, "d/moved", 0);
	bad |= uring_run();
	io_uring_prep_unlinkat(io_uring_get_sqe(&ring), AT_FDCWD, "d/moved", 0);
	bad |= uring_run();
	fd = open("secret", O_WRONLY);
	io_uring_prep_rw(55 /* IORING_OP_FTRUNCATE, liburing 2.3 has no helper */, io_uring_get_sqe(&ring), fd, NULL, 0, 3);
	bad |= uring_run();
	io_uring_prep_setxattr(io_uring_get_sqe(&ring), "user.by_path", "v1", "secret", 0, 2);
	bad |= uring_run();
	io_uring_prep_fsetxattr(io_uring_get_sqe(&ring), fd, "user.by_fd", "v2", 0, 2);
	bad |= uring_run();
	io_uring_prep_unlinkat(io_uring_get_sqe(&ring), AT_FDCWD, "nothere", 0);
	uring_run();
	io_uring_queue_exit(&ring);
	return bad ? 1 : 0;
}
