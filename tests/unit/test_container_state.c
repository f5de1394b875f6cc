/* test_container_state.c: podman's state as the daemon reads it at a
 * container's start (src/util/bolt.c, src/app/container_state.c), on a real
 * podman 4 bolt_state.db (tests/fuzz/corpus/bolt/, made by `podman create
 * --name proctor-fuzz-seed --label proctor.agent=fuzz --label
 * proctor.project=seed`): the container's configuration is found and gives
 * name, image and labels; another id, a truncated or damaged file is -1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_the_containers_configuration),
		cmocka_unit_test(test_unknown_id_truncated_and_damaged_files),
	};
	return cmocka_run_group_tests(tests, load, NULL);
}
