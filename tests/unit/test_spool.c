/* test_spool.c: the on-disk spool (order, restart, eviction counting), the
 * record serialization, and netsink delivery through a fake receiver that
 * fails on demand: every record arrives exactly once and in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "sink_stubs.h"
#include "sinks/netsink.h"
#include "sinks/recser.h"
#include "sinks/spool.h"
#include "util/util.h"

static char dir[256];
static uint64_t evicted;

static void on_evict(void *ctx, uint64_t key)
{
	(void)ctx;
	(void)key;
	evicted++;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/proctor-spool-test-%d", getpid());
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == -1;
}

static void test_order_and_restart(void **state)
{
	struct strbuf buf = STRBUF_INIT;
	struct spool_pos next;
	char err[256], msg[32];
	struct spool *sp;
	size_t n, i;

	(void)state;
	sp = spool_open(dir, 1 << 20, on_evict, NULL, err, sizeof(err));
	assert_non_null(sp);
	for (i = 0; i < 100; i++) {
		snprintf(msg, sizeof(msg), "m%03zu", i);
		assert_int_equal(spool_append(sp, msg, strlen(msg), 7), 0);
	}
	assert_int_equal(spool_pending(sp), 100);
	n = spool_peek(sp, 30, 1 << 20, &buf, &next);
	assert_int_equal(n, 30);
	assert_int_equal(memcmp(buf.buf + 4, "m000", 4), 0);
	spool_commit(sp, &next);
	spool_close(sp);
	/* Restart: the cursor survived. */
	sp = spool_open(dir, 1 << 20, on_evict, NULL, err, sizeof(err));
	assert_non_null(sp);
	assert_int_equal(spool_pending(sp), 70);
	n = spool_peek(sp, 1000, 1 << 20, &buf, &next);
	assert_int_equal(n, 70);
	assert_int_equal(memcmp(buf.buf + 4, "m030", 4), 0);
	spool_commit(sp, &next);
	assert_int_equal(spool_pending(sp), 0);
	spool_close(sp);
	sb_free(&buf);
}

static void test_eviction_counted(void **state)
{
	struct strbuf buf = STRBUF_INIT;
	struct spool_pos next;
	char err[256], data[1000];
	struct spool *sp;
	size_t i, n;

	(void)state;
	evicted = 0;
	memset(data, 'x', sizeof(data));
	sp = spool_open(dir, 64 * 1024, on_evict, NULL, err, sizeof(err));
	assert_non_null(sp);
	for (i = 0; i < 1000; i++) {
		snprintf(data, sizeof(data), "%06zu", i);
		data[6] = 'x';
		spool_append(sp, data, sizeof(data), 1);
	}
	assert_true(evicted > 0);
	assert_true(spool_bytes(sp) <= 64 * 1024);
	/* What is left plus what was evicted is everything; the oldest went. */
	assert_int_equal(spool_pending(sp) + evicted, 1000);
	n = spool_peek(sp, 2000, 1 << 24, &buf, &next);
	assert_int_equal(n, spool_pending(sp));
	{
		char first[7];
		memcpy(first, buf.buf + 4, 6);
		first[6] = 0;
		assert_int_equal(atoi(first), (int)evicted);
	}
	spool_close(sp);
	sb_free(&buf);
}

static void test_recser_roundtrip(void **state)
{
	const char *argv[] = {"ls", "-la", ""};
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, ser = STRBUF_INIT;
	struct record r, back;

	(void)state;
	record_init(&r);
	record_init(&back);
	record_begin(&r, 1, "process.exec", 123456789);
	r.session_key = 99;
	record_add_int(&r, "process.pid", -5);
	record_add_bool(&r, "process.args_truncated", true);
	record_add_strv(&r, "process.command_args", argv, 3);
	record_add_str(&r, "file.path", "/tmp/\xc3\xa9");
	record_serialize(&r, &ser);
	assert_int_equal(record_deserialize(&back, ser.buf, ser.len), 0);
	record_to_json(&r, &a);
	record_to_json(&back, &b);
	assert_string_equal(sb_cstr(&a), sb_cstr(&b));
	assert_int_equal(back.session_key, 99);
	assert_string_equal(back.type_name, "process.exec");
	/* Truncated input is refused, not trusted. */
	assert_int_not_equal(record_deserialize(&back, ser.buf, ser.len - 3), 0);
	record_free(&r);
	record_free(&back);
	sb_free(&a);
	sb_free(&b);
	sb_free(&ser);
}

/* ---- netsink with a fake receiver ---- */
static int64_t got[10000];
static size_t ngot;
static int fail_sends; /* fail this many sends, then accept */
static uint64_t retry_after = 10, send_times[16];
static size_t nsend_times;

static int fake_open(struct netsink *ns, char *err, size_t errlen)
{
	(void)ns;
	(void)err;
	(void)errlen;
	return 0;
}

static void fake_send(struct netsink *ns, struct record *const *recs, size_t n,
		      struct send_result *res)
{
	size_t i;
	(void)ns;
	if (nsend_times < 16)
		send_times[nsend_times++] = now_monotonic_ns();
	if (fail_sends > 0) {
		fail_sends--;
		res->st = SEND_RETRY;
		res->retry_after_ms = retry_after;
		snprintf(res->msg, sizeof(res->msg), "down");
		return;
	}
	for (i = 0; i < n; i++)
		record_get_int(recs[i], "seq", &got[ngot++]);
	res->st = SEND_OK;
}

static const struct netsink_ops fake_ops = {
	.name = "fake", .open = fake_open, .send = fake_send, .max_batch = 64};

static int fake_sink_open(struct sink *s, const char *rest, char *err, size_t errlen)
{
	return netsink_open(s, "fake", rest, &fake_ops, err, errlen);
}

static const struct sink_ops fake_sink_ops = {.scheme = "fake",
					      .open = fake_sink_open,
					      .write = netsink_write,
					      .flush = netsink_flush,
					      .close = netsink_close};

static struct sink *open_fake(void)
{
	struct sink *s = calloc(1, sizeof(*s));
	char err[256], url[400];
	snprintf(url, sizeof(url), "//127.0.0.1:1?spool_dir=%s/ns&drain=200ms", dir);
	s->ops = &fake_sink_ops;
	snprintf(s->url, sizeof(s->url), "fake:%s", url);
	assert_int_equal(fake_sink_ops.open(s, url, err, sizeof(err)), 0);
	return s;
}

static void write_seq(struct sink *s, int64_t from, int64_t to)
{
	struct record r, *p = &r;
	int64_t i;
	record_init(&r);
	for (i = from; i < to; i++) {
		record_reset(&r);
		record_begin(&r, 1, "process.exec", 1);
		record_add_int(&r, "seq", i);
		netsink_write(s, &p, 1);
	}
	netsink_flush(s);
	record_free(&r);
}

static void test_netsink_outage_and_restart(void **state)
{
	struct sink *s;
	size_t i;

	(void)state;
	ngot = 0;
	fail_sends = 5; /* the receiver is down for a while */
	s = open_fake();
	write_seq(s, 0, 1000);
	assert_true(netsink_wait_idle(s->priv, 5000));
	netsink_close(s);
	free(s);
	/* Receiver down at exit: records stay spooled... */
	fail_sends = 1000000;
	s = open_fake();
	write_seq(s, 1000, 1500);
	netsink_close(s); /* drain gives up after 200 ms */
	free(s);
	assert_int_equal(ngot, 1000);
	/* ...and the next run delivers them first. */
	fail_sends = 0;
	s = open_fake();
	write_seq(s, 1500, 2000);
	assert_true(netsink_wait_idle(s->priv, 5000));
	netsink_close(s);
	free(s);
	assert_int_equal(ngot, 2000);
	for (i = 0; i < ngot; i++)
		assert_int_equal(got[i], (int64_t)i);
}

static void test_retry_after_not_cut_short_by_new_events(void **state)
{
	struct sink *s;
	int i;

	(void)state;
	ngot = 0;
	nsend_times = 0;
	fail_sends = 1;
	retry_after = 300;
	s = open_fake();
	write_seq(s, 0, 10);
	for (i = 0; i < 20; i++) { /* the pipeline keeps flushing meanwhile */
		struct timespec ts = {0, 10000000};
		write_seq(s, 10 + i, 11 + i);
		nanosleep(&ts, NULL);
	}
	assert_true(netsink_wait_idle(s->priv, 5000));
	netsink_close(s);
	free(s);
	retry_after = 10;
	assert_true(nsend_times >= 2);
	assert_true(send_times[1] - send_times[0] >= 290000000ull);
	assert_int_equal(ngot, 30);
}

static void test_two_sinks_same_url_use_separate_spools(void **state)
{
	struct sink *a, *b;
	struct netsink *na, *nb;

	(void)state;
	ngot = 0;
	fail_sends = 0;
	a = open_fake();
	b = open_fake(); /* same URL: DIR is locked, so it gets DIR.2 */
	na = a->priv;
	nb = b->priv;
	assert_string_not_equal(na->spool_dir, nb->spool_dir);
	assert_non_null(strstr(nb->spool_dir, ".2"));
	write_seq(a, 0, 50);
	write_seq(b, 50, 100);
	assert_true(netsink_wait_idle(na, 5000));
	assert_true(netsink_wait_idle(nb, 5000));
	netsink_close(a);
	netsink_close(b);
	free(a);
	free(b);
	assert_int_equal(ngot, 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order_and_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eviction_counted, setup, teardown),
		cmocka_unit_test(test_recser_roundtrip),
		cmocka_unit_test_setup_teardown(test_netsink_outage_and_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_sinks_same_url_use_separate_spools, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_retry_after_not_cut_short_by_new_events, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
