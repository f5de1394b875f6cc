/* fuzz_heads.c: libFuzzer target for reading chain heads back from a
 * sink's JSON-lines stream (store/heads.h, `proctor verify --heads`): any
 * line is a head, another record or an error with a message, never a
 * crash; a head's fields are within their bounds. */
#include <stdint.h>
#include <string.h>

#include "store/heads.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chain_head h;
	char err[256];
	int rc = chain_head_parse((const char *)data, size, &h, err, sizeof(err));

	if (rc == 1 && (h.seq < 0 || !h.session[0] || strlen(h.key_id) != 16))
		__builtin_trap();
	if (rc < 0 && !err[0])
		__builtin_trap();
	return 0;
}
