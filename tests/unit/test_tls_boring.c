/* test_tls_boring.c: the BoringSSL locator (src/probe/tls_boring.c) on the
 * real Claude Code executable the e2e harness installs (Bun, BoringSSL
 * built in, stripped; skipped when it is not installed), and on files
 * that hold no BoringSSL or are no ELF at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe/tls_boring.h"

/* tests/e2e/agents/claude_harness.sh's install (PROCTOR_CLAUDE_VERSION). */
static const char *claude_dir(void)
{
	static char dir[512];
	const char *cache = getenv("PROCTOR_TEST_CACHE");

	snprintf(dir, sizeof(dir), "%s/claude/node_modules/@anthropic-ai/claude-code",
		 cache && *cache ? cache : "/var/cache/proctor-test");
	return dir;
}

static bool claude_version_is(const char *v)
{
	char path[600], buf[4096], want[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/package.json", claude_dir());
	if ((fd = open(path, O_RDONLY)) < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	snprintf(want, sizeof(want), "\"version\": \"%s\"", v);
	return strstr(buf, want) != NULL;
}

static void read_at(const char *path, uint64_t off, unsigned char *b, size_t n)
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, b, n, (off_t)off), (ssize_t)n);
	close(fd);
}

/* Both functions found, each at a function start (int3 padding before,
 * the frame set up after); for the version the harness pins, at the
 * offsets read by hand from its disassembly: SSL_write puts the QUIC
 * reason and SSL_R_UNINITIALIZED and calls method->write_app_data;
 * SSL_read (SSL_peek inlined) puts the QUIC reason, calls ssl_read_impl,
 * copies with memcpy and consumes the pending span. */
static void test_claude_code(void **state)
{
	char path[600], err[512];
	struct tls_boring_loc l;
	unsigned char b[5];

	(void)state;
	snprintf(path, sizeof(path), "%s/bin/claude.exe", claude_dir());
	if (access(path, R_OK)) {
		fprintf(stderr, "  (no Claude Code at %s: skipped)\n", path);
		skip();
	}
	assert_int_equal(tls_boring_locate(path, &l, err, sizeof(err)), 0);
	assert_true(l.read_off != l.write_off);
	read_at(path, l.read_off - 1, b, 5);
	assert_memory_equal(b, "\xcc\x55\x48\x89\xe5", 5);
	read_at(path, l.write_off - 1, b, 5);
	assert_memory_equal(b, "\xcc\x55\x48\x89\xe5", 5);
	if (claude_version_is("2.1.330")) {
		assert_int_equal(l.read_off, 0x311d810);
		assert_int_equal(l.write_off, 0x311d660);
		assert_int_equal(l.read_va, 0x331e810);
		assert_int_equal(l.write_va, 0x331e660);
		assert_int_equal(l.nfuncs, 17);
	}
}

static void test_no_boringssl(void **state)
{
	struct tls_boring_loc l;
	char err[512];

	(void)state;
	assert_int_equal(tls_boring_locate("/bin/sh", &l, err, sizeof(err)), -1);
	assert_string_equal(err, "no BoringSSL inside (no ssl/ssl_lib.cc string)");
	assert_int_equal(l.read_off, 0);
}

/* Not an ELF, an ELF cut short, a path that is not there: refused with
 * the reason, never a crash. */
static void test_bad_files(void **state)
{
	char path[] = "/tmp/test_tls_boring.XXXXXX", err[512];
	unsigned char elf[64] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
	struct tls_boring_loc l;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello, not an executable\n", 25), 25);
	assert_int_equal(tls_boring_locate(path, &l, err, sizeof(err)), -1);
	assert_string_equal(err, "not an x86-64 ELF");
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(pwrite(fd, elf, sizeof(elf), 0), (ssize_t)sizeof(elf));
	assert_int_equal(tls_boring_locate(path, &l, err, sizeof(err)), -1);
	assert_string_equal(err, "not an x86-64 ELF");
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(tls_boring_locate(path, &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot map"));
	close(fd);
	unlink(path);
	assert_int_equal(tls_boring_locate(path, &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claude_code),
		cmocka_unit_test(test_no_boringssl),
		cmocka_unit_test(test_bad_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
