/* test_decode.c: process decoders on synthetic kernel records, including
 * malformed ones (short, lying sizes, unterminated strings). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/proctree.h"
#include "pipeline/pipeline.h"
#include "decode/decode.h"

#include "decode_fixture.h"

static void hdr(struct fixture *f, struct pr_hdr *h, uint16_t type, uint32_t size, uint32_t pid)
{
	memset(h, 0, sizeof(*h));
	h->type = type;
	h->size = size;
	h->pid = h->tid = pid;
	h->ppid = 1;
	h->session_key = f->s.key;
	snprintf(h->comm, sizeof(h->comm), "sh");
}

/* exec record: exe "/bin/sh", cwd "/tmp", argv sh -c "a b" */
static size_t make_exec(struct fixture *f, char *buf, size_t len, bool trunc)
{
	struct pr_exec *e = (void *)buf;
	const char data[] = "/bin/sh\0/tmp\0sh\0-c\0a b";
	size_t n = sizeof(*e) + sizeof(data);

	assert_true(n <= len);
	memset(buf, 0, len);
	hdr(f, &e->hdr, PR_EV_PROC_EXEC, (uint32_t)n, 100);
	e->exe_len = 8;
	e->cwd_len = 5;
	e->args_size = sizeof(data) - 13;
	e->args_total = trunc ? 9999 : e->args_size;
	if (trunc)
		e->hdr.flags |= PR_EXEC_ARGS_TRUNC;
	memcpy(e->data, data, sizeof(data));
	return n;
}

static void test_exec(void **state)
{
	struct fixture *f = *state;
	char buf[512];
	size_t n = make_exec(f, buf, sizeof(buf), false);
	const struct field *args;

	assert_int_equal(decode_event(&f->c, buf, n, &f->r), DECODE_OK);
	assert_string_equal(record_get_str(&f->r, "type"), "process.exec");
	assert_string_equal(record_get_str(&f->r, "agent"), "claude");
	assert_string_equal(record_get_str(&f->r, "project"), "shop");
	assert_string_equal(record_get_str(&f->r, "session"), f->s.id);
	assert_string_equal(record_get_str(&f->r, "process.executable.path"), "/bin/sh");
	assert_string_equal(record_get_str(&f->r, "process.working_directory"), "/tmp");
	assert_string_equal(record_get_str(&f->r, "process.command_line"), "sh -c 'a b'");
	args = record_get(&f->r, "process.command_args");
	assert_non_null(args);
	assert_int_equal(args->sv.n, 3);
	assert_string_equal(args->sv.v[2], "a b");
	assert_false(record_get(&f->r, "process.args_truncated")->b);
	assert_string_equal(proctree_get(&f->t, 100)->exe, "/bin/sh");
}

static void test_exec_truncated(void **state)
{
	struct fixture *f = *state;
	char buf[512];
	size_t n = make_exec(f, buf, sizeof(buf), true);

	record_reset(&f->r);
	assert_int_equal(decode_event(&f->c, buf, n, &f->r), DECODE_OK);
	assert_true(record_get(&f->r, "process.args_truncated")->b);
}

static void test_exec_malformed(void **state)
{
	struct fixture *f = *state;
	char buf[512];
	struct pr_exec *e = (void *)buf;
	size_t n = make_exec(f, buf, sizeof(buf), false);

	record_reset(&f->r);
	assert_int_equal(decode_event(&f->c, buf, 10, &f->r), DECODE_BAD); /* short */
	e->hdr.size = (uint32_t)n + 100; /* claims more than delivered */
	assert_int_equal(decode_event(&f->c, buf, n, &f->r), DECODE_BAD);
	e->hdr.size = (uint32_t)n;
	e->args_size = 4000; /* strings overrun the record */
	assert_int_equal(decode_event(&f->c, buf, n, &f->r), DECODE_BAD);
	e->args_size = 0;
	e->hdr.type = 999; /* unknown type */
	assert_int_equal(decode_event(&f->c, buf, n, &f->r), DECODE_BAD);
	e->hdr.type = PR_EV_PROC_EXEC;
	e->hdr.size = sizeof(struct pr_hdr); /* smaller than the exec payload */
	assert_int_equal(decode_event(&f->c, buf, n, &f->r), DECODE_BAD);
}

static void test_fork_and_exit(void **state)
{
	struct fixture *f = *state;
	struct pr_fork fk;
	struct pr_exit ex;
	int64_t v;

	proctree_set_exe(proctree_upsert(&f->t, 1), "/usr/bin/parent");
	hdr(f, &fk.hdr, PR_EV_PROC_FORK, sizeof(fk), 200);
	fk.syscall_nr = 56;
	fk.clone_flags = 0;
	fk.parent_tid = 1;
	record_reset(&f->r);
	assert_int_equal(decode_event(&f->c, &fk, sizeof(fk), &f->r), DECODE_OK);
	assert_false(record_get(&f->r, "process.thread")->b);
	assert_string_equal(record_get_str(&f->r, "process.executable.path"), "/usr/bin/parent");
	assert_true(record_get_int(&f->r, "process.parent_pid", &v));
	assert_int_equal(v, 1);

	hdr(f, &ex.hdr, PR_EV_PROC_EXIT, sizeof(ex), 200);
	ex.exit_code = 9; /* killed by SIGKILL */
	ex.start_ns = 0;
	record_reset(&f->r);
	assert_int_equal(decode_event(&f->c, &ex, sizeof(ex), &f->r), DECODE_OK);
	assert_string_equal(record_get_str(&f->r, "process.exit.signal"), "SIGKILL");
	assert_true(record_get_int(&f->r, "process.exit.code", &v));
	assert_int_equal(v, 137);
	/* kept for records that arrive after the exit, marked exited */
	assert_non_null(proctree_get(&f->t, 200));
	assert_true(proctree_get(&f->t, 200)->exited);

	ex.exit_code = 3 << 8;
	record_reset(&f->r);
	assert_int_equal(decode_event(&f->c, &ex, sizeof(ex), &f->r), DECODE_OK);
	assert_true(record_get_int(&f->r, "process.exit.code", &v));
	assert_int_equal(v, 3);
	assert_null(record_get(&f->r, "process.exit.signal"));
}

static void test_thread_fork(void **state)
{
	struct fixture *f = *state;
	struct pr_fork fk;

	hdr(f, &fk.hdr, PR_EV_PROC_FORK, sizeof(fk), 300);
	fk.hdr.tid = 301;
	fk.hdr.flags = PR_FORK_THREAD;
	fk.syscall_nr = 435;
	record_reset(&f->r);
	assert_int_equal(decode_event(&f->c, &fk, sizeof(fk), &f->r), DECODE_OK);
	assert_true(record_get(&f->r, "process.thread")->b);
	assert_string_equal(record_get_str(&f->r, "process.fork.syscall"), "clone3");
	assert_null(proctree_get(&f->t, 300)); /* threads are not processes */
}

static void test_proctree_growth_and_removal(void **state)
{
	struct proctree t;
	uint32_t pid;
	(void)state;

	proctree_init(&t);
	assert_null(proctree_upsert(&t, 0)); /* 0 is the free-slot marker */
	assert_null(proctree_get(&t, 0));
	for (pid = 1; pid <= 20000; pid++)
		assert_non_null(proctree_upsert(&t, pid));
	assert_int_equal(t.count, 20000);
	for (pid = 1; pid <= 20000; pid += 2)
		proctree_remove(&t, pid);
	for (pid = 1; pid <= 20000; pid++)
		assert_true((proctree_get(&t, pid) != NULL) == (pid % 2 == 0));
	for (pid = 2; pid <= 20000; pid += 4)
		proctree_get(&t, pid)->session_key = 7;
	proctree_forget_session(&t, 7);
	assert_int_equal(t.count, 5000);
	for (pid = 2; pid <= 20000; pid += 2)
		assert_true((proctree_get(&t, pid) != NULL) == (pid % 4 == 0));
	proctree_free(&t);
}

static void test_exited_processes_are_kept_then_forgotten(void **state)
{
	struct proctree t;
	uint32_t pid;
	(void)state;

	proctree_init(&t);
	for (pid = 1; pid <= PROCTREE_EXITED_KEEP + 10; pid++) {
		proctree_set_exe(proctree_upsert(&t, pid), "/bin/x");
		proctree_mark_exited(&t, pid);
	}
	/* the oldest 10 exits are gone, the rest still resolvable */
	for (pid = 1; pid <= 10; pid++)
		assert_null(proctree_get(&t, pid));
	for (pid = 11; pid <= PROCTREE_EXITED_KEEP + 10; pid++)
		assert_string_equal(proctree_get(&t, pid)->exe, "/bin/x");
	assert_int_equal(t.count, PROCTREE_EXITED_KEEP);
	proctree_free(&t);
}

/* Mutation fuzzing with a fixed seed: random byte flips, truncations and
 * size lies on valid records must decode or be rejected, never crash. */
static void test_mutations_never_crash(void **state)
{
	struct fixture *f = *state;
	char base[512], buf[512];
	size_t n = make_exec(f, base, sizeof(base), false), len;
	unsigned seed = 12345;
	int i, j, ok = 0, bad = 0;

	for (i = 0; i < 200000; i++) {
		memcpy(buf, base, sizeof(buf));
		len = n;
		for (j = 0; j < 1 + (int)(rand_r(&seed) % 4); j++)
			buf[rand_r(&seed) % n] = (char)rand_r(&seed);
		if (rand_r(&seed) % 4 == 0)
			len = rand_r(&seed) % (n + 1);
		if (rand_r(&seed) % 8 == 0) {
			struct pr_hdr *h = (void *)buf;
			h->type = (uint16_t)(PR_EV_PROC_EXEC + rand_r(&seed) % 3);
		}
		record_reset(&f->r);
		switch (decode_event(&f->c, buf, len, &f->r)) {
		case DECODE_OK: ok++; break;
		case DECODE_BAD: bad++; break;
		default: break;
		}
	}
	assert_true(ok > 0 && bad > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_exec_truncated),
		cmocka_unit_test(test_exec_malformed),
		cmocka_unit_test(test_fork_and_exit),
		cmocka_unit_test(test_thread_fork),
		cmocka_unit_test(test_proctree_growth_and_removal),
		cmocka_unit_test(test_mutations_never_crash),
		cmocka_unit_test(test_exited_processes_are_kept_then_forgotten),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
