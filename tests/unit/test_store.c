/* test_store.c: store creation, schema checks, clear errors for missing or
 * foreign files, session id resolution, and the writer's rows read back
 * through the query API (processes lineage, events filter, tree notes,
 * exec chains and inherited labels from the counters, the report's model
 * calls with and without the fields a record may lack). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/api.h"
#include "store/store.h"
#include "store/writer.h"

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
	/* a store outside the default location never creates directories */
	snprintf(path, sizeof(path), "%s/sub/dir/p.db", dir);
	assert_int_equal(store_open_rw(&st, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "does not exist"));
	snprintf(path, sizeof(path), "%s/p.db", dir);
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

static int proc_row(void *ctx, const struct store_process_row *r)
{
	char *out = ctx;
	size_t n = strlen(out);

	snprintf(out + n, 1024 - n, "%lld<%lld %s %s exit=%s%lld%s thr=%lld seen=%s;",
		 (long long)r->pid, (long long)r->ppid, r->exe, r->argv_json,
		 r->has_exit ? "" : "none", (long long)r->exit_code, r->exit_signal,
		 (long long)r->threads, r->start_ns ? "fork" : "exec");
	return 0;
}

static int event_row(void *ctx, const char *json, const char *summary)
{
	char *out = ctx;
	size_t n = strlen(out);

	snprintf(out + n, 1024 - n, "%s|%s;", summary, json);
	return 0;
}

static int note_row(void *ctx, int64_t pid, const char *note)
{
	char *out = ctx;
	size_t n = strlen(out);

	snprintf(out + n, 1024 - n, "%lld:%s;", (long long)pid, note);
	return 0;
}

static int session_row(void *ctx, const struct store_session_row *r)
{
	char *out = ctx;

	snprintf(out, 1024, "%s %s/%s exit=%lld events=%lld drops=%lld processes=%lld %s", r->id,
		 r->agent, r->project, (long long)r->exit_code, (long long)r->events,
		 (long long)r->drops, (long long)r->processes, r->drops_detail);
	return 0;
}

static void add_event(struct store_writer *w, int64_t t, int64_t pid, const char *type,
		      const char *path, const char *json)
{
	struct store_event e = {.session = "s1",
				.type = type,
				.path = path,
				.summary = type,
				.json = json,
				.json_len = strlen(json),
				.time_ns = t,
				.pid = pid};
	assert_int_equal(store_add_event(w, &e), 0);
}

static void test_writer_rows_read_back(void **state)
{
	static const char *const globs[] = {"*/.ssh/*", "*/it's", NULL};
	struct store_proc_image sh = {.exe = "/bin/sh", .argv_json = "[\"sh\"]", .ppid = 1};
	struct store_proc_image cat = {.exe = "/bin/cat", .argv_json = "[\"cat\"]", .ppid = 10};
	struct store_session ses = {.id = "s1",
				    .agent = "a",
				    .project = "p",
				    .command_json = "[\"sh\"]",
				    .drops_detail_json = "{}",
				    .start_ns = 1};
	struct store_event_filter f = {.session = "s1", .type_prefix = "file.", .pid = 11};
	struct store_writer *w;
	struct store st;
	char err[512], path[128], out[1024] = "";
	(void)state;

	snprintf(path, sizeof(path), "%s/w.db", dir);
	w = store_writer_open(path, err, sizeof(err));
	assert_non_null(w);
	assert_int_equal(store_session_put(w, &ses), 0);
	assert_int_equal(store_batch_begin(w), 0);
	assert_int_equal(store_proc_exec(w, "s1", 10, 5, &sh, true), 0); /* seeded */
	assert_int_equal(store_proc_fork(w, "s1", 11, 6, &sh), 0);
	assert_int_equal(store_proc_thread(w, "s1", 11), 0);
	assert_int_equal(store_proc_exec(w, "s1", 11, 7, &cat, false), 0);
	assert_int_equal(store_proc_exit(w, "s1", 11, 8, 0, "SIGKILL"), 0);
	assert_int_equal(store_proc_fork(w, "s1", 11, 9, &sh), 0); /* pid reused */
	add_event(w, 7, 11, "file.open", "/home/u/.ssh/id_rsa", "{\"n\":1}");
	add_event(w, 8, 11, "file.write", "/tmp/x", "{\"n\":2}");
	add_event(w, 8, 10, "file.open", "/tmp/y", "{\"n\":3}");
	add_event(w, 8, 11, "net.connect", NULL, "{\"n\":4}");
	assert_int_equal(store_batch_commit(w), 0);
	ses.ended = true;
	ses.end_ns = 9;
	ses.exit_code = 3;
	ses.events = 4;
	ses.drops = 1;
	ses.drops_detail_json = "{\"ringbuf\":1}";
	assert_int_equal(store_session_put(w, &ses), 0);
	store_writer_close(w);

	assert_int_equal(store_open_ro(&st, path, err, sizeof(err)), 0);
	assert_int_equal(store_foreach_session(&st, session_row, out), 0);
	assert_string_equal(out, "s1 a/p exit=3 events=4 drops=1 processes=3 {\"ringbuf\":1}");
	out[0] = 0;
	assert_int_equal(store_foreach_process(&st, "s1", proc_row, out), 0);
	assert_string_equal(out, "10<1 /bin/sh [\"sh\"] exit=none0 thr=0 seen=exec;"
				 "11<1 /bin/cat [\"cat\"] exit=0SIGKILL thr=1 seen=fork;"
				 "11<1 /bin/sh [\"sh\"] exit=none0 thr=0 seen=fork;");
	out[0] = 0;
	assert_int_equal(store_foreach_event(&st, &f, event_row, out), 0);
	assert_string_equal(out, "file.open|{\"n\":1};file.write|{\"n\":2};");
	out[0] = 0;
	assert_int_equal(store_foreach_tree_note(&st, "s1", globs, note_row, out), 0);
	assert_string_equal(out, "10:files: 1 opened;11:files: 1 opened, 1 written;"
				 "11:SENSITIVE READ: /home/u/.ssh/id_rsa;");
	store_close(&st);
}

static int llm_row(void *ctx, const struct store_llm_call *c)
{
	char *out = ctx;
	size_t n = strlen(out);

	snprintf(out + n, 1024 - n, "%lld %s/%s in=%lld out=%lld %lldms %s cost=%s%.3f %s;",
		 (long long)c->pid, c->provider, c->model, (long long)c->input_tokens,
		 (long long)c->output_tokens, (long long)c->duration_ms, c->tool_names_json,
		 c->has_cost ? "" : "none", c->has_cost ? c->cost_usd : 0.0,
		 c->complete ? "complete" : "cut");
	return 0;
}

static int intent_row(void *ctx, const struct store_intent_mismatch *m)
{
	char *out = ctx;
	size_t n = strlen(out);

	snprintf(out + n, 1024 - n, "%lld %s %s [%s] [%s];", (long long)m->pid, m->call_id,
		 m->reason, m->declared, m->observed);
	return 0;
}

/* Exec chains and inherited labels read through the counters (a v2 store),
 * and the report's model calls: a record without tokens, duration or cost
 * reads as absent, never as an error. */
static void test_counted_notes_and_llm(void **state)
{
	static const char *const globs[] = {NULL};
	struct store_session ses = {.id = "s1",
				    .agent = "a",
				    .project = "p",
				    .command_json = "[\"sh\"]",
				    .drops_detail_json = "{}",
				    .start_ns = 1};
	struct store_llm_totals tot;
	struct store_writer *w;
	struct store st;
	char err[512], path[128], out[1024] = "";
	(void)state;

	snprintf(path, sizeof(path), "%s/llm.db", dir);
	w = store_writer_open(path, err, sizeof(err));
	assert_non_null(w);
	assert_int_equal(store_session_put(w, &ses), 0);
	assert_int_equal(store_batch_begin(w), 0);
	add_event(w, 2, 20, "process.exec", NULL, "{\"n\":1}");
	add_event(w, 3, 20, "process.exec", NULL, "{\"n\":2}");
	add_event(w, 3, 21, "process.exec", NULL, "{\"process.labels\":[\"secret\"]}");
	add_event(w, 4, 22, "policy.label", NULL, "{\"policy.labels\":[\"secret\"]}");
	add_event(w, 5, 23, "process.exec", NULL, "{\"n\":3}");
	add_event(w, 6, 30, "llm.call", NULL,
		  "{\"gen_ai.provider.name\":\"anthropic\",\"gen_ai.request.model\":\"m-req\","
		  "\"gen_ai.response.model\":\"m-resp\",\"gen_ai.usage.input_tokens\":100,"
		  "\"gen_ai.usage.output_tokens\":7,\"llm.duration_ms\":42,"
		  "\"llm.tool_calls.names\":[\"Bash\",\"Read\"],\"llm.cost_usd\":0.25,"
		  "\"llm.complete\":true}");
	add_event(w, 7, 30, "llm.tool_call", NULL, "{\"gen_ai.tool.name\":\"Bash\"}");
	add_event(w, 8, 31, "llm.call", NULL,
		  "{\"gen_ai.request.model\":\"m-req\",\"llm.complete\":false}");
	add_event(w, 9, 32, "intent.mismatch", NULL,
		  "{\"gen_ai.tool.call.id\":\"toolu_1\",\"intent.reason\":\"connect\","
		  "\"intent.declared\":\"ls\",\"intent.observed\":\"connect 1.2.3.4:443\"}");
	assert_int_equal(store_batch_commit(w), 0);
	store_writer_close(w);

	assert_int_equal(store_open_ro(&st, path, err, sizeof(err)), 0);
	assert_int_equal(store_foreach_tree_note(&st, "s1", globs, note_row, out), 0);
	assert_string_equal(out, "20:exec chain: process.exec \xe2\x87\x92 process.exec;"
				 "21:LABEL secret inherited;");
	out[0] = 0;
	assert_int_equal(store_report_llm_calls(&st, "s1", 200, llm_row, out), 2);
	assert_string_equal(out, "30 anthropic/m-resp in=100 out=7 42ms [\"Bash\",\"Read\"] "
				 "cost=0.250 complete;"
				 "31 /m-req in=-1 out=-1 -1ms [] cost=none0.000 cut;");
	out[0] = 0;
	assert_int_equal(store_report_llm_calls(&st, "s1", 1, llm_row, out), 2); /* all counted */
	assert_int_equal(store_report_llm_totals(&st, "s1", &tot), 0);
	assert_int_equal(tot.calls, 2);
	assert_int_equal(tot.tool_calls, 1);
	assert_int_equal(tot.input_tokens, 100);
	assert_int_equal(tot.output_tokens, 7);
	assert_int_equal(tot.priced, 1);
	assert_true(tot.cost_usd > 0.2499 && tot.cost_usd < 0.2501);
	out[0] = 0;
	assert_int_equal(store_report_intent(&st, "s1", 200, intent_row, out), 1);
	assert_string_equal(out, "32 toolu_1 connect [ls] [connect 1.2.3.4:443];");
	assert_int_equal(store_report_llm_totals(&st, "nosuch", &tot), 0);
	assert_int_equal(tot.calls, 0);
	store_close(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_foreign_file),
		cmocka_unit_test(test_create_and_resolve),
		cmocka_unit_test(test_wrong_version),
		cmocka_unit_test(test_writer_rows_read_back),
		cmocka_unit_test(test_counted_notes_and_llm),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
