/* test_container_state.c: podman's state as the daemon reads it at a
 * container's start (src/util/bolt.c, src/app/container_state.c), on a real
 * podman 4 bolt_state.db (tests/fuzz/corpus/bolt/, made by `podman create
 * --name proctor-fuzz-seed --label proctor.agent=fuzz --label
 * proctor.project=seed`): the container's configuration is found and gives
 * name, image and labels; another id, a truncated or damaged file is -1.
 * And containerd's metadata (tests/fuzz/corpus/bolt/containerd-meta.db,
 * made by a containerd 1.6 with `ctr -n proctor-test containers create
 * --label proctor.agent=fuzz --label proctor.project=seed --label
 * io.kubernetes.container.name=agent IMAGE proctor-fuzz-seed`). And podman
 * 5's SQLite state (GRAPHROOT/db.sql) in its schema, made here holding the
 * same configuration JSON (the podman here is 4.3: it has no SQLite state). */
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
#include <sqlite3.h>

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

/* Podman 5's tables for a container (libpod's createSQLiteTables: DBConfig,
 * IDNamespace, ContainerConfig, ContainerState), written here. */
static const char podman5_schema[] =
	"PRAGMA journal_mode=WAL;"
	"CREATE TABLE DBConfig(ID INTEGER PRIMARY KEY NOT NULL, SchemaVersion INTEGER NOT NULL,"
	" OS TEXT NOT NULL, StaticDir TEXT NOT NULL, TmpDir TEXT NOT NULL, GraphRoot TEXT NOT NULL,"
	" RunRoot TEXT NOT NULL, GraphDriver TEXT NOT NULL, VolumeDir TEXT NOT NULL,"
	" CHECK (ID IN (1)));"
	"CREATE TABLE IDNamespace(ID TEXT PRIMARY KEY NOT NULL);"
	"CREATE TABLE ContainerConfig(ID TEXT PRIMARY KEY NOT NULL, Name TEXT UNIQUE NOT NULL,"
	" PodID TEXT, JSON TEXT NOT NULL,"
	" FOREIGN KEY (ID) REFERENCES IDNamespace(ID) DEFERRABLE INITIALLY DEFERRED,"
	" FOREIGN KEY (ID) REFERENCES ContainerState(ID) DEFERRABLE INITIALLY DEFERRED);"
	"CREATE TABLE ContainerState(ID TEXT PRIMARY KEY NOT NULL, State INTEGER NOT NULL,"
	" ExitCode INTEGER, JSON TEXT NOT NULL,"
	" FOREIGN KEY (ID) REFERENCES ContainerConfig(ID) DEFERRABLE INITIALLY DEFERRED,"
	" CHECK (ExitCode BETWEEN -1 AND 255));"
	"INSERT INTO DBConfig VALUES(1, 1, 'linux', '/x/libpod', '/run/libpod', '/x', '/run/x',"
	" 'overlay', '/x/volumes');";

/* DIR/db.sql in podman 5's schema, holding the configuration JSON of the
 * podman 4 file above (podman 5 stores the same JSON). */
static void make_podman5_db(const char *dir, const uint8_t *json, size_t len)
{
	char path[256];
	sqlite3 *d;
	sqlite3_stmt *q;

	snprintf(path, sizeof(path), "%s/db.sql", dir);
	assert_int_equal(sqlite3_open(path, &d), SQLITE_OK);
	assert_int_equal(sqlite3_exec(d, podman5_schema, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(d,
				      "INSERT INTO IDNamespace VALUES('" ID "');"
				      "INSERT INTO ContainerState VALUES('" ID "', 2, NULL, '{}');",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(d,
					    "INSERT INTO ContainerConfig VALUES(?1, "
					    "'proctor-fuzz-seed', NULL, ?2)",
					    -1, &q, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(q, 1, ID, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, (const char *)json, (int)len, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_DONE);
	sqlite3_finalize(q);
	assert_int_equal(sqlite3_close(d), SQLITE_OK); /* the WAL is checkpointed and gone */
	chmod(path, 0644);
}

/* Podman 5 (GRAPHROOT/db.sql, no bbolt state): the same fields, through the
 * OCI hook's bundle path too; another id, a file others may write and a
 * database of another schema are -1 with the reason; nothing is written. */
static void test_podman5_sqlite_state(void **state)
{
	char dir[] = "/tmp/proctor-podman5-XXXXXX", path[256], bundle[512], err[512];
	struct container_cmd cmd = {0};
	struct container_meta m;
	const uint8_t *v;
	struct stat before, after;
	size_t vlen;
	sqlite3 *d;

	(void)state;
	if (geteuid() != 0)
		skip(); /* the file must be root's */
	assert_int_equal(get(db, dblen, ID, &v, &vlen), 0);
	assert_non_null(mkdtemp(dir));
	make_podman5_db(dir, v, vlen);
	snprintf(path, sizeof(path), "%s/db.sql", dir);
	assert_int_equal(stat(path, &before), 0);
	memset(&m, 0, sizeof(m));
	assert_int_equal(container_state_podman_root(ID, dir, &labels, &m, &cmd, err, sizeof(err)),
			 0);
	assert_string_equal(m.c.name, "proctor-fuzz-seed");
	assert_string_equal(m.c.image, "localhost/proctor-test:bookworm");
	assert_string_equal(m.agent, "fuzz");
	assert_string_equal(m.project, "seed");
	assert_true(m.labelled);
	assert_int_equal(cmd.argc, 1);
	assert_string_equal(cmd.argv[0], "true");
	container_cmd_free(&cmd);
	snprintf(bundle, sizeof(bundle), "%s/overlay-containers/%s/userdata", dir, ID);
	memset(&m, 0, sizeof(m));
	assert_int_equal(container_state_podman(ID, bundle, &labels, &m, NULL, err, sizeof(err)),
			 0);
	assert_string_equal(m.c.name, "proctor-fuzz-seed");
	memset(&m, 0, sizeof(m));
	assert_int_equal(
		container_state_podman_root(OTHER, dir, &labels, &m, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "has no configuration of container 16c0a19a7e13"));
	assert_int_equal(stat(path, &after), 0);
	assert_true(after.st_size == before.st_size && after.st_mtime == before.st_mtime);
	snprintf(bundle, sizeof(bundle), "%s-wal", path); /* nothing left behind */
	assert_int_equal(access(bundle, F_OK), -1);
	snprintf(bundle, sizeof(bundle), "%s-shm", path);
	assert_int_equal(access(bundle, F_OK), -1);
	/* a podman holding it open (the hook's case) with a commit in its WAL */
	assert_int_equal(sqlite3_open(path, &d), SQLITE_OK);
	assert_int_equal(sqlite3_exec(d,
				      "UPDATE ContainerConfig SET JSON = replace(JSON, "
				      "'\"name\":\"proctor-fuzz-seed\"', '\"name\":\"renamed\"')",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_changes(d), 1);
	memset(&m, 0, sizeof(m));
	assert_int_equal(container_state_podman_root(ID, dir, &labels, &m, NULL, err, sizeof(err)),
			 0);
	assert_string_equal(m.c.name, "renamed"); /* read through the WAL */
	sqlite3_close(d);
	chmod(path, 0666);
	assert_int_equal(container_state_podman_root(ID, dir, &labels, &m, NULL, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "is not a root-only file"));
	chmod(path, 0644);
	assert_int_equal(sqlite3_open(path, &d), SQLITE_OK);
	assert_int_equal(sqlite3_exec(d, "DROP TABLE ContainerConfig", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(d);
	assert_int_equal(container_state_podman_root(ID, dir, &labels, &m, NULL, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "is not a podman 5 database"));
	unlink(path);
	/* neither state: the bbolt file is named */
	assert_int_equal(container_state_podman_root(ID, dir, &labels, &m, NULL, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "libpod/bolt_state.db"));
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_the_containers_configuration),
		cmocka_unit_test(test_unknown_id_truncated_and_damaged_files),
		cmocka_unit_test(test_containerd_metadata),
		cmocka_unit_test(test_podman5_sqlite_state),
	};
	return cmocka_run_group_tests(tests, load, NULL);
}
