/* fuzz_daemon_config.c: libFuzzer target for the daemon's configuration
 * file parser (any bytes as daemon.yaml): parse over the defaults, then
 * look a few executables up in what loaded. A failed parse must leave the
 * defaults untouched. `make fuzz` runs it with tests/fuzz/corpus/daemon_config/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct daemon_config c, d;
	char err[1024];

	daemon_config_defaults(&c);
	d = c;
	if (daemon_config_parse(&c, "fuzz.yaml", (const char *)data, size, err, sizeof(err))) {
		if (memcmp(&c, &d, sizeof(c)))
			abort(); /* half-applied */
		return 0;
	}
	daemon_config_agent(&c, "/usr/local/bin/claude");
	daemon_config_agent(&c, "codex");
	return 0;
}
