/* uring_run.h: the io_uring step the file_uring_* programs share: one ring,
 * and uring_run() submits what is queued, waits for one completion and
 * returns its result (exit 2 if it cannot wait). Header only: the harness
 * builds each program alone (gcc prog.c -luring). */
#ifndef PROCTOR_EVASION_URING_RUN_H
#define PROCTOR_EVASION_URING_RUN_H
#include <liburing.h>
#include <stdlib.h>

static struct io_uring ring;

static int uring_run(void)
{
	struct io_uring_cqe *cqe;
	int res;

	io_uring_submit(&ring);
	if (io_uring_wait_cqe(&ring, &cqe))
		exit(2);
	res = cqe->res;
	io_uring_cqe_seen(&ring, cqe);
	return res;
}

#endif
