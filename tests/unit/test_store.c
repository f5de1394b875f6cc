/* test_store.c: store creation, schema checks, clear errors for missing or
 * foreign files, and session id resolution. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/proctor-store-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void test_missing_file(void **state)
{
	struct store st;
	char err[512], path[128];
	(void)state;
	snprintf(path, sizeof(path), "%s/nope.db", dir);
	assert_int_equal(store_open_ro(&st, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no store at"));
}

static void test_foreign_file(void **state)
{
	struct store st;
	char err[512], path[128];
	FILE *f;
	(void)state;
	snprintf(path, sizeof(path), "%s/junk.db", dir);
	f = fopen(path, "w");
	fputs("this is not a database, just some text that is long enough to matter\n", f);
	fclose(f);
	assert_int_equal(store_open_ro(&st, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a proctor store"));
	assert_int_equal(store_open_rw(&st, path, err, sizeof(err)), -1);
}

static void test_create_and_resolve(void **state)
{
	struct store st;
	char err[512], path[128], id[64];
	(void)state;
	snprintf(path, sizeof(path), "%s/sub/dir/p.db", dir);
	assert_int_equal(store_open_rw(&st, path, err, sizeof(err)), 0);
	assert_int_equal(store_resolve_session(&st, NULL, id, sizeof(id), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no sessions"));
	sqlite3_exec(st.db,
		     "INSERT INTO sessions(id, start_ns) VALUES('20260101T000000-aaaaaa', 1),"
		     "('20260101T000000-aabbbb', 2),('20260102T000000-cccccc', 3)",
		     NULL, NULL, NULL);
	assert_int_equal(store_resolve_session(&st, "latest", id, sizeof(id), err, sizeof(err)), 0);
	assert_string_equal(id, "20260102T000000-cccccc");
	assert_int_equal(store_resolve_session(&st, "20260102", id, sizeof(id), err, sizeof(err)),
			 0);
	assert_string_equal(id, "20260102T000000-cccccc");
	assert_int_equal(store_resolve_session(&st, "20260101", id, sizeof(id), err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "ambiguous"));
	assert_int_equal(store_resolve_session(&st, "2027", id, sizeof(id), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no session matches"));
	store_close(&st);
	/* reopening read-only sees the same schema version */
	assert_int_equal(store_open_ro(&st, path, err, sizeof(err)), 0);
	store_close(&st);
}

static void test_wrong_version(void **state)
{
	struct store st;
	char err[512], path[128];
	(void)state;
	snprintf(path, sizeof(path), "%s/v.db", dir);
	assert_int_equal(store_open_rw(&st, path, err, sizeof(err)), 0);
	sqlite3_exec(st.db, "UPDATE meta SET value='99' WHERE key='schema_version'", NULL, NULL,
		     NULL);
	store_close(&st);
	assert_int_equal(store_open_ro(&st, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "schema version 99"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_foreign_file),
		cmocka_unit_test(test_create_and_resolve),
		cmocka_unit_test(test_wrong_version),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
