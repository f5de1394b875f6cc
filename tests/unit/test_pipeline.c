/* test_pipeline.c: the stages end to end inside the pipeline (enrich,
 * redact, rate limit, per-sink filter, batching), the YAML configuration
 * (including FILE:LINE errors on bad input) and the metrics text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sink_stubs.h"
#include "app/metrics.h"
#include "pipeline/config.h"
#include "pipeline/enrich.h"
#include "pipeline/filter.h"
#include "pipeline/pipeline.h"
#include "pipeline/ratelimit.h"
#include "store/heads.h"
#include "util/strbuf.h"

/* A capture sink registered under the jsonl scheme is not possible without
 * the registry; add it to the pipeline by hand. */
static struct strbuf captured[4];
static size_t ncaptured[4];

static int cap_write(struct sink *s, struct record *const *recs, size_t n)
{
	size_t i, k = (size_t)(uintptr_t)s->priv;
	for (i = 0; i < n; i++) {
		record_to_json(recs[i], &captured[k]);
		sb_putc(&captured[k], '\n');
		ncaptured[k]++;
	}
	return 0;
}
static void cap_close(struct sink *s)
{
	(void)s;
}
static const struct sink_ops cap_ops = {.scheme = "cap", .write = cap_write, .close = cap_close};

static struct sink *cap_sink(size_t k)
{
	struct sink *s = calloc(1, sizeof(*s));
	s->ops = &cap_ops;
	s->priv = (void *)(uintptr_t)k;
	snprintf(s->url, sizeof(s->url), "cap:%zu", k);
	sb_reset(&captured[k]);
	ncaptured[k] = 0;
	return s;
}

static void emit(struct pipeline *p, const char *type, uint16_t t, const char *path, uint64_t cg,
		 const char *cmd)
{
	struct record *r = pipeline_record(p);
	record_begin(r, t, type, 1000);
	r->cgroup_id = cg;
	r->session_key = 7;
	record_add_int(r, "process.pid", getpid());
	record_add_int(r, "process.parent_pid", getppid());
	record_add_int(r, "process.user.id", 0);
	if (path)
		record_add_str(r, "file.path", path);
	if (cmd)
		record_add_str(r, "process.command_line", cmd);
	pipeline_commit(p, r);
}

/* A sink like a store on a full disk: any batch of more than 2 records fails. */
static size_t small_taken;
static int small_write(struct sink *s, struct record *const *recs, size_t n)
{
	size_t i;

	(void)s;
	if (n > 2)
		return -1;
	for (i = 0; i < n; i++)
		assert_memory_equal(recs[i]->type_name, "process.", 8);
	small_taken += n;
	return 0;
}
static const struct sink_ops small_ops = {.scheme = "small", .write = small_write,
					  .close = cap_close};

/* Drops are per sink; a refused batch's process records are retried alone. */
static void test_sink_losses_and_process_retry(void **state)
{
	struct pipeline p;
	struct session ses;
	struct sink *small = calloc(1, sizeof(*small));

	(void)state;
	assert_int_equal(pipeline_init(&p, 16, 0), 0);
	memset(&ses, 0, sizeof(ses));
	ses.key = 7;
	pipeline_add_session(&p, &ses);
	small->ops = &small_ops;
	snprintf(small->url, sizeof(small->url), "small:");
	p.sinks[p.nsinks++] = small;
	emit(&p, "process.exec", PR_EV_PROC_EXEC, NULL, 1, "a");
	emit(&p, "file.open", PR_EV_FILE_OPEN, "/x", 1, NULL);
	emit(&p, "file.open", PR_EV_FILE_OPEN, "/y", 1, NULL);
	emit(&p, "process.exit", PR_EV_PROC_EXIT, NULL, 1, NULL);
	pipeline_flush(&p);
	/* alone: the two file records no sink took are the session's loss */
	assert_int_equal(small_taken, 2);
	assert_int_equal(small->stats.records, 2);
	assert_int_equal(small->stats.dropped, 2);
	assert_int_equal(ses.drops, 2);
	assert_int_equal(p.stats.drops[DROP_SINK_ERROR], 2);
	/* with a sink that takes everything beside it: only the small sink's loss */
	p.sinks[p.nsinks++] = cap_sink(0);
	emit(&p, "file.open", PR_EV_FILE_OPEN, "/z", 1, NULL);
	emit(&p, "file.open", PR_EV_FILE_OPEN, "/w", 1, NULL);
	emit(&p, "file.open", PR_EV_FILE_OPEN, "/v", 1, NULL);
	pipeline_flush(&p);
	assert_int_equal(small->stats.dropped, 5);
	assert_int_equal(ncaptured[0], 3);
	assert_int_equal(ses.drops, 2);
	pipeline_remove_session(&p, &ses);
	pipeline_destroy(&p);
}

/* A store that signed one head and records what it was handed, and when
 * its session_end ran (the capture sink's count then). */
static struct chain_head store_head;
static size_t store_heads_left, store_took, store_ended_at;
static int store_write(struct sink *s, struct record *const *recs, size_t n)
{
	(void)s;
	(void)recs;
	store_took += n;
	return 0;
}
static size_t store_take_heads(struct sink *s, struct chain_head *out, size_t max)
{
	(void)s;
	if (!store_heads_left || !max)
		return 0;
	store_heads_left--;
	*out = store_head;
	return 1;
}
static int store_end(struct sink *s, const struct session *ses)
{
	(void)s;
	(void)ses;
	store_ended_at = ncaptured[1];
	store_heads_left = 1; /* the final head, signed at the end */
	store_head.final = true;
	store_head.seq = 3;
	return 0;
}
static const struct sink_ops store_ops = {.scheme = "store",
					  .write = store_write,
					  .close = cap_close,
					  .take_heads = store_take_heads,
					  .session_end = store_end};

/* The store's heads go to the other sinks as store.chain_head records (not
 * back to the store, not counted as the session's events) and read back
 * as they were signed; the final head reaches them before their session end. */
static void test_chain_heads_exported(void **state)
{
	struct pipeline p;
	struct session ses;
	struct sink *st = calloc(1, sizeof(*st));
	struct chain_head back;
	char err[256], *nl;
	size_t i;

	(void)state;
	assert_int_equal(pipeline_init(&p, 16, 0), 0);
	memset(&ses, 0, sizeof(ses));
	ses.key = 7;
	snprintf(ses.id, sizeof(ses.id), "20261207T120000-abcdef");
	snprintf(ses.agent, sizeof(ses.agent), "claude");
	pipeline_add_session(&p, &ses);
	st->ops = &store_ops;
	snprintf(st->url, sizeof(st->url), "sqlite:/tmp/x.db");
	p.sinks[p.nsinks++] = st;
	p.sinks[p.nsinks++] = cap_sink(1);
	memset(&store_head, 0, sizeof(store_head));
	snprintf(store_head.session, sizeof(store_head.session), "%s", ses.id);
	store_head.seq = 2;
	store_head.time_ns = 1765100000123456789LL;
	for (i = 0; i < sizeof(store_head.hash); i++)
		store_head.hash[i] = (uint8_t)(i * 7);
	for (i = 0; i < sizeof(store_head.sig); i++)
		store_head.sig[i] = (uint8_t)(255 - i);
	snprintf(store_head.key_id, sizeof(store_head.key_id), "0123456789abcdef");
	store_heads_left = 1;
	emit(&p, "file.open", PR_EV_FILE_OPEN, "/x", 1, NULL);
	emit(&p, "file.open", PR_EV_FILE_OPEN, "/y", 1, NULL);
	pipeline_tick(&p, 1);
	pipeline_flush(&p);
	assert_int_equal(store_took, 2);
	assert_int_equal(ncaptured[1], 3);
	assert_int_equal(ses.events, 2);
	assert_int_equal(p.stats.heads, 1);
	nl = strrchr(sb_cstr(&captured[1]), '{');
	assert_non_null(strstr(nl, "\"type\":\"store.chain_head\""));
	assert_non_null(strstr(nl, "\"agent\":\"claude\""));
	assert_non_null(strstr(nl, "\"store.url\":\"sqlite:/tmp/x.db\""));
	assert_non_null(strstr(nl, "\"store.chain.records\":2"));
	assert_int_equal(chain_head_parse(nl, strlen(nl) - 1, &back, err, sizeof(err)), 1);
	assert_string_equal(back.session, store_head.session);
	assert_int_equal(back.seq, 2);
	assert_int_equal(back.time_ns, store_head.time_ns);
	assert_false(back.final);
	assert_memory_equal(back.hash, store_head.hash, sizeof(back.hash));
	assert_memory_equal(back.sig, store_head.sig, sizeof(back.sig));
	assert_string_equal(back.key_id, store_head.key_id);
	/* the final head: after the store's end, before the others' */
	pipeline_session_end(&p, &ses);
	assert_int_equal(store_ended_at, 3);
	assert_int_equal(ncaptured[1], 4);
	nl = strrchr(sb_cstr(&captured[1]), '{');
	assert_int_equal(chain_head_parse(nl, strlen(nl) - 1, &back, err, sizeof(err)), 1);
	assert_true(back.final);
	assert_int_equal(back.seq, 3);
	assert_int_equal(store_took, 2);
	pipeline_remove_session(&p, &ses);
	pipeline_destroy(&p);
}

static int fail_write(struct sink *s, struct record *const *recs, size_t n)
{
	(void)s;
	(void)recs;
	(void)n;
	return -1;
}
static const struct sink_ops fail_ops = {.scheme = "fail", .write = fail_write, .close = cap_close};

/* A sink that loses a batch with a head in it lost its events, not the
 * head: the head counts in heads_lost, never in the session's drops. */
static void test_lost_head_is_no_event_loss(void **state)
{
	struct pipeline p;
	struct session ses;
	struct sink *st = calloc(1, sizeof(*st)), *bad = calloc(1, sizeof(*bad));

	(void)state;
	assert_int_equal(pipeline_init(&p, 16, 0), 0);
	memset(&ses, 0, sizeof(ses));
	ses.key = 7;
	snprintf(ses.id, sizeof(ses.id), "s1");
	pipeline_add_session(&p, &ses);
	st->ops = &store_ops;
	bad->ops = &fail_ops;
	p.sinks[p.nsinks++] = st;
	p.sinks[p.nsinks++] = bad;
	memset(&store_head, 0, sizeof(store_head));
	snprintf(store_head.session, sizeof(store_head.session), "s1");
	snprintf(store_head.key_id, sizeof(store_head.key_id), "0123456789abcdef");
	store_heads_left = 1;
	store_took = 0;
	emit(&p, "file.open", PR_EV_FILE_OPEN, "/x", 1, NULL);
	pipeline_tick(&p, 1);
	pipeline_flush(&p);
	assert_int_equal(store_took, 1);
	assert_int_equal(bad->stats.dropped, 1); /* the event, not the head */
	assert_int_equal(p.stats.heads_lost, 1);
	assert_int_equal(ses.sink_lost[1], 1);
	assert_int_equal(ses.drops, 0); /* the store has the event */
	pipeline_remove_session(&p, &ses);
	pipeline_destroy(&p);
}

/* A head read back from a sink's stream: other records pass, a bad one is
 * named by the field at fault. */
static void test_chain_head_parse_errors(void **state)
{
	struct chain_head h;
	char err[256];
	const char *ok = "{\"type\":\"file.open\"}";
	const char *bad = "{\"type\":\"store.chain_head\",\"session\":\"s\","
			  "\"store.chain.records\":1,\"store.chain.head\":\"zz\"}";

	(void)state;
	assert_int_equal(chain_head_parse(ok, strlen(ok), &h, err, sizeof(err)), 0);
	assert_int_equal(chain_head_parse("[1]", 3, &h, err, sizeof(err)), -1);
	assert_string_equal(err, "not a JSON object");
	assert_int_equal(chain_head_parse("{", 1, &h, err, sizeof(err)), -1);
	assert_int_equal(chain_head_parse(bad, strlen(bad), &h, err, sizeof(err)), -1);
	assert_string_equal(err, "a store.chain_head record without a valid store.chain.head");
}

static void test_stages(void **state)
{
	struct pipeline p;
	struct session ses;
	struct sink_filter *f;
	int i;

	(void)state;
	assert_int_equal(pipeline_init(&p, 16, 0), 0);
	session_init(&ses, "claude", "proj");
	ses.key = 7;
	pipeline_add_session(&p, &ses);
	p.sinks[p.nsinks++] = cap_sink(0);
	p.sinks[p.nsinks++] = cap_sink(1);
	f = filter_new();
	filter_add(&f->include, FL_TYPES, "file.*");
	filter_add(&f->exclude, FL_PATHS, "/proc/*");
	pipeline_set_sink_filter(&p, 1, f);
	pipeline_set_rate_limit(&p, 1, 5); /* 5 events then ~1/s for cgroup 1 */

	emit(&p, "process.exec", 1, NULL, 2, "curl -H 'Authorization: Bearer abcdefgh12345'");
	emit(&p, "file.open", 16, "/etc/passwd", 2, NULL);
	emit(&p, "file.open", 16, "/proc/self/stat", 2, NULL);
	for (i = 0; i < 20; i++)
		emit(&p, "file.open", 16, "/tmp/x", 1, NULL);
	pipeline_flush(&p);

	/* Enrich (attribution is the decoder's: test_decode) */
	assert_null(strstr(sb_cstr(&captured[0]), "\"agent\":"));
	assert_non_null(strstr(sb_cstr(&captured[0]), "\"process.user.name\":\"root\""));
	assert_non_null(strstr(sb_cstr(&captured[0]), "\"process.parent.chain\":\""));
	assert_non_null(strstr(sb_cstr(&captured[0]), "\"event.severity\":\"info\""));
	/* Redact */
	assert_null(strstr(sb_cstr(&captured[0]), "abcdefgh12345"));
	assert_int_equal(p.stats.redacted, 1);
	/* Rate limit: cgroup 1 got its burst of 5, cgroup 2 was not starved. */
	assert_int_equal(p.stats.drops[DROP_RATE_LIMIT], 15);
	assert_int_equal(ses.drops, 15);
	assert_int_equal(ncaptured[0], 3 + 5);
	/* Filter: sink 1 only file.* and not /proc. */
	assert_int_equal(ncaptured[1], 1 + 5);
	assert_null(strstr(sb_cstr(&captured[1]), "/proc/self"));
	assert_null(strstr(sb_cstr(&captured[1]), "process.exec"));
	pipeline_destroy(&p);
}

static void test_ratelimit_refills(void **state)
{
	static struct ratelimit rl;
	int ok = 0, i;

	(void)state;
	ratelimit_init(&rl, 1000, 10);
	for (i = 0; i < 100; i++)
		ok += ratelimit_allow(&rl, 1, 1000000000ull);
	assert_int_equal(ok, 10);
	/* 10 ms later: 10 more tokens. */
	for (i = 0, ok = 0; i < 100; i++)
		ok += ratelimit_allow(&rl, 1, 1010000000ull);
	assert_int_equal(ok, 10);
}

static const char *write_tmp(const char *text)
{
	static char path[64];
	FILE *f;
	snprintf(path, sizeof(path), "/tmp/proctor-cfg-%d.yaml", getpid());
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void expect_error(const char *yaml, const char *want)
{
	struct pipeline p;
	char err[512];
	const char *path = write_tmp(yaml);

	assert_int_equal(pipeline_init(&p, 16, 0), 0);
	assert_int_not_equal(pipeline_load_config(&p, path, err, sizeof(err)), 0);
	if (!strstr(err, want))
		fail_msg("error '%s' lacks '%s'", err, want);
	if (strncmp(err, path, strlen(path)))
		fail_msg("error '%s' does not start with the file name", err);
	pipeline_destroy(&p);
	unlink(path);
}

static void test_config_errors(void **state)
{
	(void)state;
	expect_error("batch: {interval: 100ms}\nbogus: 1\n", ":2:1: unknown section 'bogus'");
	expect_error("batch:\n  interval: soon\n", ":2:13: 'interval' must be");
	expect_error("redaction:\n  rules:\n    - name: x\n      regex: '(['\n",
		     ":3:7: redaction rule 'x': bad regex");
	expect_error("sinks:\n  - url: nope://x\n", ":2:5: unknown export scheme");
	expect_error("sinks:\n  - url: syslog+udp://h:1\n    include: {severity: loud}\n",
		     ":3:25: 'severity' must be");
	expect_error("sinks: [\n", "YAML");
	expect_error("- a\n- b\n", ":1:1: the configuration must be a mapping");
}

static void test_config_ok_and_metrics(void **state)
{
	struct pipeline p;
	struct strbuf sb = STRBUF_INIT;
	char err[512];
	const char *path =
		write_tmp("batch: {interval: 50ms, size: 64}\n"
			  "rate_limit: {events_per_second: 100, burst: 200}\n"
			  "redaction:\n  builtin: true\n  rules:\n"
			  "    - {name: corp, regex: 'corp_[a-z]{4}'}\n"
			  "spool: {dir: /tmp/proctor-cfg-spool, max_bytes: 1MiB, drain: 100ms}\n"
			  "sinks:\n  - url: syslog+udp://127.0.0.1:9\n"
			  "    include: {types: ['security.*'], severity: warning}\n");

	(void)state;
	assert_int_equal(pipeline_init(&p, 16, 0), 0);
	if (pipeline_load_config(&p, path, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(p.cap, 64);
	assert_int_equal(p.interval_ns, 50000000);
	assert_int_equal(p.nsinks, 1);
	assert_non_null(p.sinks[0]->filter);
	assert_int_equal(p.sinks[0]->filter->min_severity, SEV_WARNING);
	emit(&p, "process.exec", 1, NULL, 1, "x corp_abcd");
	pipeline_flush(&p);
	metrics_render(&p, &sb);
	assert_non_null(strstr(sb_cstr(&sb), "proctor_events_total{type=\"process.exec\"} 1\n"));
	assert_non_null(
		strstr(sb_cstr(&sb), "proctor_dropped_events_total{reason=\"rate_limited\"} 0\n"));
	assert_non_null(strstr(sb_cstr(&sb),
			       "proctor_sink_spool_bytes{sink=\"syslog+udp://127.0.0.1:9\"}"));
	assert_non_null(strstr(sb_cstr(&sb), "proctor_redacted_events_total 1\n"));
	pipeline_destroy(&p);
	sb_free(&sb);
	unlink(path);
	assert_int_equal(system("rm -rf /tmp/proctor-cfg-spool"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stages),
		cmocka_unit_test(test_chain_heads_exported),
		cmocka_unit_test(test_lost_head_is_no_event_loss),
		cmocka_unit_test(test_chain_head_parse_errors),
		cmocka_unit_test(test_sink_losses_and_process_retry),
		cmocka_unit_test(test_ratelimit_refills),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_config_ok_and_metrics),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
