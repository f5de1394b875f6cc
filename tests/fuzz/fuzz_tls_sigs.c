/* fuzz_tls_sigs.c: libFuzzer target for the TLS signature file parser
 * (src/probe/tls_sigs.c): the input is a file's text; what parses must
 * also save and reload to the same entries. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe/tls_sigs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_sigs t = {0}, u = {0};
	char err[512], path[64];
	size_t i;

	if (tls_sigs_parse(&t, (const char *)data, size, "fuzz", err, sizeof(err)) || !t.n) {
		tls_sigs_free(&t);
		return 0;
	}
	snprintf(path, sizeof(path), "/tmp/fuzz_tls_sigs.%d", (int)getpid());
	if (!tls_sigs_save(&t, path, err, sizeof(err))) {
		if (tls_sigs_load(&u, path, err, sizeof(err)) || u.n != t.n)
			abort();
		for (i = 0; i < t.n; i++)
			if (memcmp(&t.v[i], &u.v[i], offsetof(struct tls_sig, comment)))
				abort();
		unlink(path);
	}
	tls_sigs_free(&t);
	tls_sigs_free(&u);
	return 0;
}
