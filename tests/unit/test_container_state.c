/* test_container_state.c: podman's state as the daemon reads it at a
 * container's start (src/util/bolt.c, src/app/container_state.c), on a real
 * podman 4 bolt_state.db (tests/fuzz/corpus/bolt/, made by `podman create
 * --name proctor-fuzz-seed --label proctor.agent=fuzz --label
 * proctor.project=seed`): the container's configuration is found and gives
 * name, image and labels; another id, a truncated or damaged file is -1.
 * And containerd's metadata (tests/fuzz/corpus/bolt/containerd-meta.db,
 * made by a containerd 1.6 with `ctr -n proctor-test containers create
 * --label proctor.agent=fuzz --label proctor.project=seed --label
 * io.kubernetes.container.name=agent IMAGE proctor-fuzz-seed`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "app/container_state.h"
#include "util/bolt.h"

#define DB    "tests/fuzz/corpus/bolt/podman4-bolt_state.db"
#define ID    "06c0a19a7e13828030b5e2e5a393905f92ec57c062cbd2d1b5774d3c94a3bf3a"
#define OTHER "16c0a19a7e13828030b5e2e5a393905f92ec57c062cbd2d1b5774d3c94a3bf3a"

static uint8_t db[1 << 18];
static size_t dblen;
static const struct container_labels labels = {"proctor.agent", "proctor.project"};

static int load(void **state)
{
	FILE *f = fopen(DB, "rb");

	(void)state;
	if (!f)
		fail_msg("%s: cannot open (run from the repository root)", DB);
	dblen = fread(db, 1, sizeof(db), f);
	fclose(f);
	return 0;
}

static int get(const uint8_t *d, size_t len, const char *id, const uint8_t **v, size_t *vlen)
{
	const char *path[] = {"ctr", id};

	return bolt_get(d, len, path, 2, "config", v, vlen);
}

static void test_finds_the_containers_configuration(void **state)
{
	struct container_cmd cmd = {0};
	struct container_meta m;
	const uint8_t *v;
	size_t vlen;
	char err[256];

	(void)state;
	assert_int_equal(get(db, dblen, ID, &v, &vlen), 0);
	memset(&m, 0, sizeof(m));
	assert_int_equal(container_state_parse(ID, (const char *)v, vlen, &labels, &m, &cmd, err,
					       sizeof(err)),
			 0);
	assert_int_equal(cmd.argc, 1);
	assert_string_equal(cmd.argv[0], "true");
	container_cmd_free(&cmd);
	assert_string_equal(m.c.name, "proctor-fuzz-seed");
	assert_string_equal(m.c.image, "localhost/proctor-test:bookworm");
	assert_string_equal(m.agent, "fuzz");
	assert_string_equal(m.project, "seed");
	assert_true(m.labelled);
	/* the same configuration, asked for another id: refused */
	assert_int_equal(container_state_parse(OTHER, (const char *)v, vlen, &labels, &m, NULL, err,
					       sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "names another container"));
}

static void test_unknown_id_truncated_and_damaged_files(void **state)
{
	static uint8_t copy[sizeof(db)];
	const uint8_t *v;
	size_t vlen, n;

	(void)state;
	assert_int_equal(get(db, dblen, OTHER, &v, &vlen), -1);
	for (n = 0; n < dblen; n += 509) /* every truncation: -1 or a value inside it */
		if (!get(db, n, ID, &v, &vlen))
			assert_true(v + vlen <= db + n);
	memcpy(copy, db, dblen);
	memset(copy + 16, 0xff, 4); /* both meta pages' magic gone: not a database */
	memset(copy + 4096 + 16, 0xff, 4);
	assert_int_equal(get(copy, dblen, ID, &v, &vlen), -1);
}

#define CTRD_DB "tests/fuzz/corpus/bolt/containerd-meta.db"

/* The buckets v1/NS/containers/ID and its labels, as the daemon reads them;
 * as root, the whole lookup from a root directory holding the file. */
static void test_containerd_metadata(void **state)
{
	static uint8_t d[1 << 18];
	const char *p[5] = {"v1", "proctor-test", "containers", "proctor-fuzz-seed", "labels"};
	const char *q[5] = {"v1", "default", "containers", "proctor-fuzz-seed", "labels"};
	struct container_meta m;
	const uint8_t *v;
	size_t vlen, n;
	char dir[] = "/tmp/proctor-ctrd-XXXXXX", path[128], err[512];
	FILE *f = fopen(CTRD_DB, "rb");

	(void)state;
	if (!f)
		fail_msg("%s: cannot open (run from the repository root)", CTRD_DB);
	n = fread(d, 1, sizeof(d), f);
	fclose(f);
	assert_int_equal(bolt_get(d, n, p, 5, "proctor.agent", &v, &vlen), 0);
	assert_memory_equal(v, "fuzz", vlen);
	assert_int_equal(bolt_get(d, n, p, 4, "image", &v, &vlen), 0);
	assert_memory_equal(v, "localhost/proctor-test:bookworm", vlen);
	assert_int_equal(bolt_get(d, n, q, 5, "proctor.agent", &v, &vlen), -1); /* namespace */
	if (geteuid() != 0)
		return; /* the file must be root's */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/io.containerd.metadata.v1.bolt", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/io.containerd.metadata.v1.bolt/meta.db", dir);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(d, 1, n, f), n);
	fclose(f);
	chmod(path, 0644);
	memset(&m, 0, sizeof(m));
	assert_int_equal(container_state_containerd(dir, "proctor-test", "proctor-fuzz-seed",
						    &labels, &m, err, sizeof(err)),
			 0);
	assert_string_equal(m.c.image, "localhost/proctor-test:bookworm");
	assert_string_equal(m.c.name, "agent");
	assert_string_equal(m.agent, "fuzz");
	assert_string_equal(m.project, "seed");
	assert_true(m.labelled);
	memset(&m, 0, sizeof(m));
	assert_int_equal(container_state_containerd(dir, "proctor-test", "other", &labels, &m, err,
						    sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "has no container other in namespace proctor-test"));
	unlink(path);
	snprintf(path, sizeof(path), "%s/io.containerd.metadata.v1.bolt", dir);
	rmdir(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_the_containers_configuration),
		cmocka_unit_test(test_unknown_id_truncated_and_damaged_files),
		cmocka_unit_test(test_containerd_metadata),
	};
	return cmocka_run_group_tests(tests, load, NULL);
}
