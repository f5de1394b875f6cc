/* fuzz_proto.c: libFuzzer target for the daemon's control protocol: any
 * bytes as one frame (length header + JSON) through proto_decode. */
#include <stddef.h>
#include <stdint.h>

#include "daemon/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	json_t *j = proto_decode((const char *)data, size, err, sizeof(err));

	json_decref(j);
	return 0;
}
