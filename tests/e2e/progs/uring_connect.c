/* uring_connect.c: connect(2) through io_uring (IORING_OP_CONNECT): no
 * connect syscall, yet the kernel's cgroup connect hook still decides.
 * Usage: uring_connect IPv4 PORT; prints the completion result (0 or -errno). */
#include <arpa/inet.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	if (argc < 3 || inet_pton(AF_INET, argv[1], &a.sin_addr) != 1)
		return 2;
	a.sin_port = htons((unsigned short)atoi(argv[2]));
	if (io_uring_queue_init(4, &ring, 0))
		return 3;
	io_uring_prep_connect(io_uring_get_sqe(&ring), s, (struct sockaddr *)&a, sizeof(a));
	io_uring_submit(&ring);
	if (io_uring_wait_cqe(&ring, &cqe))
		return 4;
	printf("%d\n", cqe->res);
	return 0;
}
