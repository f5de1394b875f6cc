/* open_loop N FILE: N times openat + read + close of a small file. */
#include "common.h"
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000;
	const char *path = argc > 2 ? argv[2] : "/etc/hostname";
	char buf[4096];
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die("open %s", path);
		if (read(fd, buf, sizeof(buf)) < 0)
			die("read");
		close(fd);
	}
	report("open_loop", n, 3 * n, now_ns() - t0);
	return 0;
}
