/* test_file_decode.c: the file decoder's pure helpers: lexical path
 * resolution, sensitive-path classification, open flag and access names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "sensor/decode_file.h"

static struct record rec;

static const char *res(const char *dir, const char *name)
{
	return file_path_resolve(&rec, dir, name);
}

static void test_resolve(void **state)
{
	(void)state;
	record_init(&rec);
	assert_string_equal(res("/home/u", "a.txt"), "/home/u/a.txt");
	assert_string_equal(res("/home/u", "/etc/passwd"), "/etc/passwd");
	assert_string_equal(res("/home/u", "../../etc/./passwd"), "/etc/passwd");
	assert_string_equal(res("/", "../../../x"), "/x");
	assert_string_equal(res("/a/b", "c//d/"), "/a/b/c/d");
	assert_string_equal(res("/a", "."), "/a");
	assert_string_equal(res("/a", ".."), "/");
	assert_string_equal(res("/", ""), "/");
	assert_string_equal(res(NULL, "rel/x"), "rel/x");
	assert_string_equal(res(NULL, "../x"), "../x");
	assert_string_equal(res("", "x"), "x");
	record_free(&rec);
}

static void test_categories(void **state)
{
	(void)state;
	assert_string_equal(file_sensitive_category("/proc/sys/kernel/core_pattern", NULL, false), "procsys");
	assert_string_equal(file_sensitive_category("/proc/sys/vm/drop_caches", NULL, true), "procsys");
	assert_null(file_sensitive_category("/proc/sys/vm/drop_caches", NULL, false));
	assert_string_equal(file_sensitive_category("/sys/kernel/x", NULL, true), "procsys");
	assert_null(file_sensitive_category("/sys/kernel/x", NULL, false));
	assert_string_equal(file_sensitive_category("/proc/123/mem", NULL, false), "procsys");
	assert_string_equal(file_sensitive_category("/proc/self/mem", NULL, false), "procsys");
	assert_null(file_sensitive_category("/proc/12a/mem", NULL, false));
	assert_null(file_sensitive_category("/proc/123/meminfo", NULL, false));
	assert_string_equal(file_sensitive_category("/proc/kcore", NULL, false), "procsys");
	assert_string_equal(file_sensitive_category("/dev/mem", NULL, false), "procsys");
	assert_string_equal(file_sensitive_category("/proc/sysrq-trigger", NULL, false), "procsys");
	assert_string_equal(file_sensitive_category("/run/docker.sock", NULL, false), "container");
	assert_string_equal(file_sensitive_category("/run/containerd/containerd.sock", NULL, false), "container");
	assert_string_equal(file_sensitive_category("/run/podman/podman.sock", NULL, false), "container");
	assert_string_equal(file_sensitive_category("/etc/hostname", "/proc/1/root/etc/hostname", false), "container");
	assert_string_equal(file_sensitive_category("/sys/fs/cgroup/x/release_agent", NULL, false), "container");
	assert_string_equal(file_sensitive_category("/sys/fs/cgroup/x/notify_on_release", NULL, true), "container");
	assert_null(file_sensitive_category("/home/u/docker.sock.txt", NULL, true));
	assert_null(file_sensitive_category("/etc/passwd", NULL, true));
	assert_null(file_sensitive_category("", NULL, true));
}

static void test_flags(void **state)
{
	const char *n[24];
	uint32_t c;

	(void)state;
	c = file_open_flag_names(01 | 0100 | 01000 | 02000000, n, 24);
	assert_int_equal(c, 4);
	assert_string_equal(n[0], "O_WRONLY");
	assert_string_equal(n[1], "O_CREAT");
	assert_string_equal(n[2], "O_TRUNC");
	assert_string_equal(n[3], "O_CLOEXEC");
	c = file_open_flag_names(02 | 020000000 | 0200000, n, 24); /* O_TMPFILE includes O_DIRECTORY */
	assert_int_equal(c, 2);
	assert_string_equal(n[1], "O_TMPFILE");
	c = file_open_flag_names(04010000, n, 24); /* O_SYNC includes O_DSYNC */
	assert_int_equal(c, 2);
	assert_string_equal(n[1], "O_SYNC");
	assert_string_equal(file_access_name(0), "read");
	assert_string_equal(file_access_name(1), "write");
	assert_string_equal(file_access_name(2), "read_write");
	assert_string_equal(file_access_name(3), "none");
	assert_string_equal(file_access_name(010000000), "none"); /* O_PATH */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_categories),
		cmocka_unit_test(test_flags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
