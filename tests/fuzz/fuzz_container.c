/* fuzz_container.c: libFuzzer target for the cgroup path parser of
 * container attribution (any bytes as a /proc/PID/cgroup path). `make fuzz`
 * builds and runs it with the corpus under tests/fuzz/corpus/container/. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/container.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = malloc(size + 1);
	struct container c;

	if (!path)
		return 0;
	memcpy(path, data, size);
	path[size] = 0;
	if (container_from_cgroup(path, &c))
		assert(strlen(c.id) == CONTAINER_ID_LEN && *c.runtime);
	free(path);
	return 0;
}
