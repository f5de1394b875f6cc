/* test_tls_sigs.c: the TLS signature file (src/probe/tls_sigs.c): the
 * shipped data/tls-signatures parses and, for the Claude Code the e2e
 * harness installs, names the offsets the locator finds, with the bytes
 * that are there; malformed files are refused whole with file:line; a
 * save reloads to the same entries; a build id whose bytes differ is
 * refused. */
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
#include "probe/tls_sigs.h"

#define HDR "proctor-tls-signatures 1\n"
#define LINE                                                                                       \
	"boringssl 0a0b0c 0x10 0x20 000102030405060708090a0b0c0d0e0f "                             \
	"101112131415161718191a1b1c1d1e1f"

static int parse(struct tls_sigs *t, const char *text, char *err)
{
	return tls_sigs_parse(t, text, strlen(text), "sigs", err, 256);
}

static void test_parse_ok(void **state)
{
	static const uint8_t id[] = {0x0a, 0x0b, 0x0c};
	struct tls_sigs t = {0};
	const struct tls_sig *s;
	char err[256];

	(void)state;
	assert_int_equal(parse(&t, "# c\n\n" HDR "  # x\n" LINE " some comment \r\n", err), 0);
	assert_int_equal(t.n, 1);
	assert_non_null(s = tls_sigs_find(&t, id, 3));
	assert_int_equal(s->read_off, 0x10);
	assert_int_equal(s->write_off, 0x20);
	assert_int_equal(s->read_head[15], 0x0f);
	assert_int_equal(s->write_head[0], 0x10);
	assert_string_equal(s->comment, "some comment");
	assert_null(tls_sigs_find(&t, id, 2));
	tls_sigs_free(&t);
}

static void test_parse_refused(void **state)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
		{LINE "\n", "sigs:1: first line must be \"proctor-tls-signatures 1\""},
		{"proctor-tls-signatures 2\n", "sigs:1: first line must be"},
		{HDR "openssl 0a 0x1 0x2 00 00\n", "sigs:2: unknown library"},
		{HDR "boringssl 0a 0x1 0x2\n", "sigs:2: expected: boringssl BUILD-ID"},
		{HDR "boringssl 0g 0x1 0x2 00 00\n", "sigs:2: bad build id"},
		{HDR "boringssl 0a0 0x1 0x2 00 00\n", "sigs:2: bad build id"},
		{HDR "boringssl 0a 12 0x2 00 00\n", "sigs:2: bad offset"},
		{HDR "boringssl 0a 0x 0x2 00 00\n", "sigs:2: bad offset"},
		{HDR "boringssl 0a 0x1 0x11111111111111111 00 00\n", "sigs:2: bad offset"},
		{HDR "boringssl 0a 0x1 0x2 00 00\n", "sigs:2: bad head bytes"},
		{HDR LINE "\n" LINE "x\n", "sigs:3: bad head bytes"},
	};
	struct tls_sigs t = {0};
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(parse(&t, bad[i].text, err), -1);
		if (strncmp(err, bad[i].err, strlen(bad[i].err)))
			fail_msg("%zu: got \"%s\", want \"%s...\"", i, err, bad[i].err);
		assert_int_equal(t.n, 0); /* refused whole: the good line 2 of the last too */
	}
	assert_int_equal(tls_sigs_parse(&t, HDR "x\0y\n", sizeof(HDR) + 3, "sigs", err, 256), -1);
	assert_string_equal(err, "sigs:2: NUL byte");
	tls_sigs_free(&t);
}

static void test_save_reload(void **state)
{
	char dir[] = "/tmp/test_tls_sigs.XXXXXX", path[64], err[256];
	struct tls_sigs t = {0}, u = {0};
	struct tls_sig s = {.idlen = 2, .id = {1, 2}, .read_off = 0x311d810, .write_off = 1};

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sigs", dir);
	assert_int_equal(parse(&t, HDR LINE " c\n", err), 0);
	s.read_head[3] = 0xcc;
	snprintf(s.comment, sizeof(s.comment), "located by proctor x");
	assert_int_equal(tls_sigs_add(&t, &s), 0);
	s.write_off = 2; /* the same build id again: replaced */
	assert_int_equal(tls_sigs_add(&t, &s), 0);
	assert_int_equal(t.n, 2);
	assert_int_equal(tls_sigs_save(&t, path, err, sizeof(err)), 0);
	assert_int_equal(tls_sigs_load(&u, path, err, sizeof(err)), 0);
	assert_int_equal(u.n, 2);
	assert_memory_equal(&u.v[1], &t.v[1], sizeof(s));
	assert_memory_equal(&u.v[0], &t.v[0], sizeof(s));
	/* a missing file is nothing to add, not an error */
	unlink(path);
	assert_int_equal(tls_sigs_load(&u, path, err, sizeof(err)), 0);
	assert_int_equal(u.n, 2);
	rmdir(dir);
	tls_sigs_free(&t);
	tls_sigs_free(&u);
}

/* A file of ours: its bytes at the offsets, then one changed. */
static void test_check(void **state)
{
	char path[] = "/tmp/test_tls_sigs.XXXXXX", err[256];
	struct tls_sig s = {.read_off = 4, .write_off = 40};
	uint8_t buf[64];
	int fd, i;

	(void)state;
	for (i = 0; i < 64; i++)
		buf[i] = (uint8_t)i;
	assert_true((fd = mkstemp(path)) >= 0);
	assert_int_equal(write(fd, buf, 64), 64);
	assert_int_equal(tls_sigs_read_heads(path, &s, err, sizeof(err)), 0);
	assert_int_equal(s.read_head[0], 4);
	assert_int_equal(s.write_head[15], 55);
	assert_int_equal(tls_sigs_check(path, &s, err, sizeof(err)), 0);
	s.write_head[15] = 0;
	assert_int_equal(tls_sigs_check(path, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "the bytes at the offsets differ"));
	s.write_off = 60; /* past the end */
	assert_int_equal(tls_sigs_check(path, &s, err, sizeof(err)), -1);
	assert_int_equal(tls_sigs_build_id(path, buf, err, sizeof(err)), -1);
	close(fd);
	unlink(path);
}

/* The shipped file, on the version the harness pins: the entry for its
 * build id is what the locator finds, and its bytes are there. */
static void test_shipped(void **state)
{
	char path[600], err[512];
	const char *cache = getenv("PROCTOR_TEST_CACHE");
	struct tls_sigs t = {0};
	const struct tls_sig *s;
	struct tls_boring_loc l;
	uint8_t id[TLS_SIG_ID_MAX];
	int n;

	(void)state;
	assert_int_equal(tls_sigs_load(&t, "data/tls-signatures", err, sizeof(err)), 0);
	assert_true(t.n >= 1);
	snprintf(path, sizeof(path),
		 "%s/claude/node_modules/@anthropic-ai/claude-code/bin/claude.exe",
		 cache && *cache ? cache : "/var/cache/proctor-test");
	if (access(path, R_OK)) {
		fprintf(stderr, "  (no Claude Code at %s: skipped)\n", path);
		tls_sigs_free(&t);
		skip();
	}
	assert_true((n = tls_sigs_build_id(path, id, err, sizeof(err))) > 0);
	s = tls_sigs_find(&t, id, (size_t)n);
	if (!s) {
		fprintf(stderr, "  (Claude Code at %s is not in data/tls-signatures)\n", path);
		tls_sigs_free(&t);
		skip();
	}
	assert_int_equal(tls_sigs_check(path, s, err, sizeof(err)), 0);
	assert_int_equal(tls_boring_locate(path, &l, err, sizeof(err)), 0);
	assert_int_equal(s->read_off, l.read_off);
	assert_int_equal(s->write_off, l.write_off);
	tls_sigs_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),    cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_save_reload), cmocka_unit_test(test_check),
		cmocka_unit_test(test_shipped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
