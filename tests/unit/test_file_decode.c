/* test_file_decode.c: the file decoder: its pure helpers (lexical path
 * resolution, sensitive-path classification, open flag and access names) and
 * the decoders on synthetic kernel records, including malformed ones and the
 * folded-repeat path cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <stdio.h>

#include "model/proctree.h"
#include "pipeline/pipeline.h"
#include "proctor/abi_file.h"
#include "decode/decode.h"
#include "decode/decode_file.h"
#include "model/paths.h"

#include "decode_fixture.h"

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
	assert_string_equal(escape_path_category("/proc/sys/kernel/core_pattern", NULL, false),
			    "procsys");
	assert_string_equal(escape_path_category("/proc/sys/vm/drop_caches", NULL, true),
			    "procsys");
	assert_null(escape_path_category("/proc/sys/vm/drop_caches", NULL, false));
	assert_string_equal(escape_path_category("/sys/kernel/x", NULL, true), "procsys");
	assert_null(escape_path_category("/sys/kernel/x", NULL, false));
	assert_string_equal(escape_path_category("/proc/123/mem", NULL, false), "procsys");
	assert_string_equal(escape_path_category("/proc/self/mem", NULL, false), "procsys");
	assert_null(escape_path_category("/proc/12a/mem", NULL, false));
	assert_null(escape_path_category("/proc/123/meminfo", NULL, false));
	assert_string_equal(escape_path_category("/proc/kcore", NULL, false), "procsys");
	assert_string_equal(escape_path_category("/dev/mem", NULL, false), "procsys");
	assert_string_equal(escape_path_category("/proc/sysrq-trigger", NULL, false), "procsys");
	assert_string_equal(escape_path_category("/run/docker.sock", NULL, false), "container");
	assert_string_equal(escape_path_category("/run/containerd/containerd.sock", NULL, false),
			    "container");
	assert_string_equal(escape_path_category("/run/podman/podman.sock", NULL, false),
			    "container");
	assert_string_equal(
		escape_path_category("/etc/hostname", "/proc/1/root/etc/hostname", false),
		"container");
	assert_string_equal(escape_path_category("/sys/fs/cgroup/x/release_agent", NULL, false),
			    "container");
	assert_string_equal(escape_path_category("/sys/fs/cgroup/x/notify_on_release", NULL, true),
			    "container");
	assert_null(escape_path_category("/home/u/docker.sock.txt", NULL, true));
	assert_null(escape_path_category("/etc/passwd", NULL, true));
	assert_null(escape_path_category("", NULL, true));
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
	c = file_open_flag_names(02 | 020000000 | 0200000, n,
				 24); /* O_TMPFILE includes O_DIRECTORY */
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

/* ---- decoders on synthetic records ---------------------------------- */

static void hdr(struct fixture *f, struct pr_hdr *h, uint16_t type, uint32_t size)
{
	memset(h, 0, sizeof(*h));
	h->type = type;
	h->size = size;
	h->pid = h->tid = 4242;
	h->session_key = f->s.key;
	snprintf(h->comm, sizeof(h->comm), "cat");
}

/* Concatenate NUL-terminated parts (NULL = absent) after the fixed part. */
static uint32_t put_parts(char *dst, const char *const *parts, uint16_t *lens, int n)
{
	uint32_t off = 0;
	int i;

	for (i = 0; i < n; i++) {
		lens[i] = parts[i] ? (uint16_t)(strlen(parts[i]) + 1) : 0;
		if (parts[i])
			memcpy(dst + off, parts[i], lens[i]);
		off += lens[i];
	}
	return off;
}

static enum decode_result decode(struct fixture *f)
{
	const struct pr_hdr *h = (const void *)f->buf;
	record_reset(&f->r);
	return decode_event(&f->c, f->buf, h->size, &f->r);
}

static size_t make_open(struct fixture *f, const char *path, const char *name, const char *dir,
			int64_t ret, uint16_t flags, uint64_t agg)
{
	struct pr_file_open *e = (void *)f->buf;
	const char *parts[3] = {path, name, dir};
	uint16_t lens[3];
	uint32_t n;

	memset(f->buf, 0, sizeof(f->buf));
	n = put_parts(e->data, parts, lens, 3);
	hdr(f, &e->hdr, PR_EV_FILE_OPEN, (uint32_t)sizeof(*e) + n);
	e->hdr.flags = flags;
	e->path_len = lens[0];
	e->name_len = lens[1];
	e->dir_len = lens[2];
	e->ret = ret;
	e->flags = 0101; /* O_WRONLY|O_CREAT */
	e->mode = 0640;
	e->count = 1;
	e->agg_id = agg;
	e->syscall = 257;
	return sizeof(*e) + n;
}

static void test_open_records(void **state)
{
	struct fixture *f = *state;
	const struct field *fl;
	int64_t v;

	make_open(f, "/etc/shadow", "/proc/self/fd/3", NULL, 5, 0, 77);
	assert_int_equal(decode(f), DECODE_OK);
	assert_string_equal(record_get_str(&f->r, "type"), "file.open");
	assert_string_equal(record_get_str(&f->r, "file.path"), "/etc/shadow");
	assert_string_equal(record_get_str(&f->r, "file.requested_path"), "/proc/self/fd/3");
	assert_string_equal(record_get_str(&f->r, "file.access"), "write");
	assert_string_equal(record_get_str(&f->r, "file.mode"), "0640");
	assert_string_equal(record_get_str(&f->r, "file.syscall"), "openat");
	assert_true(record_get_int(&f->r, "file.descriptor", &v) && v == 5);
	fl = record_get(&f->r, "file.flags");
	assert_non_null(fl);
	assert_int_equal(fl->sv.n, 2);

	/* failure: name resolved against the walked directory */
	make_open(f, NULL, "../x/./y", "/home/u", -2, 0, 78);
	assert_int_equal(decode(f), DECODE_OK);
	assert_string_equal(record_get_str(&f->r, "file.path"), "/home/x/y");
	assert_string_equal(record_get_str(&f->r, "error.code"), "ENOENT");
	assert_null(record_get_str(&f->r, "file.descriptor"));

	/* a folded-repeats record names its file from the first open (agg 77) */
	make_open(f, NULL, NULL, NULL, 5, PR_FILE_REPEAT, 77);
	((struct pr_file_open *)f->buf)->count = 41;
	assert_int_equal(decode(f), DECODE_OK);
	assert_string_equal(record_get_str(&f->r, "file.path"), "/etc/shadow");
	assert_true(record_get_int(&f->r, "file.open_count", &v) && v == 41);
	assert_non_null(record_get(&f->r, "file.open_repeat"));
	assert_false(record_get_int(&f->r, "file.descriptor", &v));

	/* ...and an unknown key gives an empty, flagged path */
	make_open(f, NULL, NULL, NULL, 5, PR_FILE_REPEAT, 99999);
	assert_int_equal(decode(f), DECODE_OK);
	assert_string_equal(record_get_str(&f->r, "file.path"), "");
	assert_non_null(record_get(&f->r, "file.path_unknown"));
}

static void test_malformed(void **state)
{
	struct fixture *f = *state;
	struct pr_file_open *e = (void *)f->buf;
	struct pr_file_meta *m = (void *)f->buf;
	size_t n;

	n = make_open(f, "/a", NULL, NULL, 3, 0, 1);
	e->path_len = 5000; /* lies beyond the record */
	assert_int_equal(decode(f), DECODE_BAD);
	make_open(f, "/a", NULL, NULL, 3, 0, 1);
	e->hdr.size = sizeof(*e) - 1; /* shorter than the fixed part */
	assert_int_equal(decode(f), DECODE_BAD);
	/* unterminated string: cut at its length, no overread */
	n = make_open(f, "/abc", NULL, NULL, 3, 0, 1);
	e->data[3] = 'c';
	e->data[4] = 'x';
	(void)n;
	assert_int_equal(decode(f), DECODE_OK);
	assert_string_equal(record_get_str(&f->r, "file.path"), "/abcx");

	memset(f->buf, 0, sizeof(f->buf));
	hdr(f, &m->hdr, PR_EV_FILE_META, sizeof(*m));
	m->op = 200; /* unknown op */
	m->name2_len = 1;
	assert_int_equal(decode(f), DECODE_BAD);
	m->name2_len = 0;
	assert_int_equal(decode(f), DECODE_OK);
	assert_string_equal(record_get_str(&f->r, "file.operation"), "");
}

static void test_meta_records(void **state)
{
	struct fixture *f = *state;
	struct pr_file_meta *m = (void *)f->buf;
	const char *parts[6] = {NULL, "../secret", "/w/d", "hard", "/w", NULL};
	uint16_t lens[6];
	uint32_t n;

	memset(f->buf, 0, sizeof(f->buf));
	n = put_parts(m->data, parts, lens, 6);
	hdr(f, &m->hdr, PR_EV_FILE_META, (uint32_t)sizeof(*m) + n);
	m->path_len = lens[0], m->name_len = lens[1], m->dir_len = lens[2];
	m->name2_len = lens[3], m->dir2_len = lens[4], m->xattr_len = lens[5];
	m->op = PR_META_LINK;
	m->syscall = 265;
	assert_int_equal(decode(f), DECODE_OK);
	assert_string_equal(record_get_str(&f->r, "file.operation"), "link");
	assert_string_equal(record_get_str(&f->r, "file.path"), "/w/hard");
	assert_string_equal(record_get_str(&f->r, "file.target_path"), "/w/secret");
	assert_string_equal(record_get_str(&f->r, "file.syscall"), "linkat");

	/* symlink: contents relative to the link's directory */
	m->op = PR_META_SYMLINK;
	m->dir_len = 0; /* contents are not resolved against a dirfd */
	memset(m->data, 0, 64);
	parts[2] = NULL;
	n = put_parts(m->data, parts, lens, 6);
	m->hdr.size = (uint32_t)sizeof(*m) + n;
	m->path_len = lens[0], m->name_len = lens[1], m->dir_len = lens[2];
	m->name2_len = lens[3], m->dir2_len = lens[4], m->xattr_len = lens[5];
	assert_int_equal(decode(f), DECODE_OK);
	assert_string_equal(record_get_str(&f->r, "file.path"), "/w/hard");
	assert_string_equal(record_get_str(&f->r, "file.target_path"), "/secret");
	assert_string_equal(record_get_str(&f->r, "file.symlink_contents"), "../secret");
}

static void test_io_record(void **state)
{
	struct fixture *f = *state;
	struct pr_file_io *e = (void *)f->buf;
	int64_t v;

	memset(f->buf, 0, sizeof(f->buf));
	memcpy(e->data, "/proc/sys/vm/swappiness", 24);
	hdr(f, &e->hdr, PR_EV_FILE_WRITE, sizeof(*e) + 24);
	e->path_len = 24;
	e->bytes = 6;
	e->ops = 1;
	e->fd = -1;
	e->reason = PR_FLUSH_EXIT;
	assert_int_equal(decode(f), DECODE_OK);
	assert_string_equal(record_get_str(&f->r, "type"), "file.write");
	assert_true(record_get_int(&f->r, "file.bytes", &v) && v == 6);
	assert_false(record_get_int(&f->r, "file.descriptor", &v));
	assert_string_equal(record_get_str(&f->r, "file.summary_reason"), "exit");
	assert_string_equal(record_get_str(&f->r, "file.sensitive_category"), "procsys");
	e->hdr.type = PR_EV_FILE_READ; /* reading it is not a procsys write */
	assert_int_equal(decode(f), DECODE_OK);
	assert_null(record_get_str(&f->r, "file.sensitive_category"));
}

/* A folded I/O summary carries no path: it is named from the first open of
 * its fold key, like the repeat record it follows. */
static void test_folded_io_record(void **state)
{
	struct fixture *f = *state;
	struct pr_file_io *e = (void *)f->buf;
	int64_t v;

	make_open(f, "/work/notes.txt", NULL, NULL, 3, 0, 501);
	assert_int_equal(decode(f), DECODE_OK);
	memset(f->buf, 0, sizeof(f->buf));
	hdr(f, &e->hdr, PR_EV_FILE_READ, sizeof(*e));
	e->hdr.flags = PR_FILE_FOLDED;
	e->bytes = 7000;
	e->ops = 1000;
	e->files = 999;
	e->fd = -1;
	e->agg_id = 501;
	e->reason = PR_FLUSH_FOLDED;
	assert_int_equal(decode(f), DECODE_OK);
	assert_string_equal(record_get_str(&f->r, "file.path"), "/work/notes.txt");
	assert_true(record_get_int(&f->r, "file.open_count", &v) && v == 999);
	assert_true(record_get_int(&f->r, "file.bytes", &v) && v == 7000);
	assert_string_equal(record_get_str(&f->r, "file.summary_reason"), "folded");
	assert_null(record_get(&f->r, "file.path_unknown"));
	e->agg_id = 502; /* no open seen for this key */
	assert_int_equal(decode(f), DECODE_OK);
	assert_string_equal(record_get_str(&f->r, "file.path"), "");
	assert_non_null(record_get(&f->r, "file.path_unknown"));
}

/* A summary named by its open's key (PR_FILE_NAMED) finds the path among
 * the process's last PROC_OPEN_NAMES opens, newest first. */
static void test_named_io_record(void **state)
{
	struct fixture *f = *state;
	struct pr_file_io *e = (void *)f->buf;
	char path[64];
	uint64_t k;

	for (k = 1; k <= PROC_OPEN_NAMES + 1; k++) {
		snprintf(path, sizeof(path), "/w/f%llu", (unsigned long long)k);
		make_open(f, path, NULL, NULL, 3, 0, 1000 + k);
		assert_int_equal(decode(f), DECODE_OK);
	}
	make_open(f, "/w/again", NULL, NULL, 3, 0, 1000 + PROC_OPEN_NAMES + 1);
	assert_int_equal(decode(f), DECODE_OK);
	for (k = 0; k < 3; k++) {
		memset(f->buf, 0, sizeof(f->buf));
		hdr(f, &e->hdr, PR_EV_FILE_READ, sizeof(*e));
		e->hdr.flags = PR_FILE_NAMED;
		e->bytes = e->ops = 1;
		e->fd = 3;
		e->files = 1;
		e->reason = PR_FLUSH_CLOSE;
		e->agg_id = 1000 + (k == 0 ? 3 : k == 1 ? PROC_OPEN_NAMES + 1 : 1);
		assert_int_equal(decode(f), DECODE_OK);
		if (k == 0)
			assert_string_equal(record_get_str(&f->r, "file.path"), "/w/f3");
		else if (k == 1) /* the newest open of a key names it */
			assert_string_equal(record_get_str(&f->r, "file.path"), "/w/again");
		else /* pushed out of the ring: empty and flagged, never wrong */
			assert_non_null(record_get(&f->r, "file.path_unknown"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_categories),
		cmocka_unit_test(test_flags),
		cmocka_unit_test_setup_teardown(test_open_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meta_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_io_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_folded_io_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_named_io_record, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
