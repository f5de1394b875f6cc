/* fuzz_bolt.c: libFuzzer target for what the daemon reads of podman's state
 * at a container's start (src/util/bolt.c, src/app/container_state.c): any
 * bytes as a bbolt database, looked up as libpod does (ctr/ID/config), and
 * any bytes as the container configuration's JSON, and as containerd's
 * metadata (v1/NS/containers/ID, its labels). `make fuzz` runs it with
 * tests/fuzz/corpus/bolt/ (a real podman 4 bolt_state.db, a real
 * containerd 1.6 meta.db). */
#include <stdint.h>
#include <string.h>

#include "app/container_state.h"
#include "util/bolt.h"

#define ID "06c0a19a7e13828030b5e2e5a393905f92ec57c062cbd2d1b5774d3c94a3bf3a"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct container_labels l = {"proctor.agent", "proctor.project"};
	const char *path[] = {"ctr", ID};
	struct container_meta m;
	const uint8_t *v;
	size_t vlen;
	char err[512];

	struct container_cmd cmd = {0};

	memset(&m, 0, sizeof(m));
	if (!bolt_get(data, size, path, 2, "config", &v, &vlen))
		container_state_parse(ID, (const char *)v, vlen, &l, &m, &cmd, err, sizeof(err));
	container_cmd_free(&cmd);
	bolt_get(data, size, path, 1, "ids", &v, &vlen);
	{
		const char *ctrd[] = {"v1", "proctor-test", "containers", "proctor-fuzz-seed",
				      "labels"};
		bolt_get(data, size, ctrd, 4, "image", &v, &vlen);
		bolt_get(data, size, ctrd, 5, "proctor.agent", &v, &vlen);
	}
	container_state_parse(ID, (const char *)data, size, &l, &m, &cmd, err, sizeof(err));
	container_cmd_free(&cmd);
	return 0;
}
