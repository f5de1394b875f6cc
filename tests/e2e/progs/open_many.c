/* open_many.c: open DIR/f00000 .. DIR/f<N-1> read-only, one after another,
 * as fast as it can (test_fail_closed.py: a flood of distinct file.open). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
	int n = atoi(argv[2]); char p[4096];
	for (int i = 0; i < n; i++) {
		snprintf(p, sizeof p, "%s/f%05d", argv[1], i);
		int fd = open(p, O_RDONLY);
		if (fd >= 0) close(fd);
	}
	return 0;
}
