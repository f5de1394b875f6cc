/* fuzz_tls_boring.c: libFuzzer target for the BoringSSL locator
 * (src/probe/tls_boring.c): the input is the executable, read through a
 * memfd as the locator reads a file (libelf headers, its own mapping). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "probe/tls_boring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_boring_loc l;
	char path[64], err[512];
	int fd = memfd_create("fuzz_tls_boring", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		tls_boring_locate(path, &l, err, sizeof(err));
	}
	close(fd);
	return 0;
}
