/* test_summary.c: the one-line summaries (model/summary.c) of the types the
 * e2e log test does not produce: exact text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "model/summary.h"

static struct record r;
static struct strbuf sb = STRBUF_INIT;

static const char *summary_of(void)
{
	sb_reset(&sb);
	record_summary(&r, &sb);
	return sb_cstr(&sb);
}

static void begin(const char *type)
{
	record_reset(&r);
	record_begin(&r, 1, type, 0);
}

static void test_process(void **state)
{
	(void)state;
	begin("process.exit");
	record_add_str(&r, "process.exit.signal", "SIGKILL");
	record_add_bool(&r, "process.exit.core_dumped", true);
	record_add_int(&r, "process.duration_ms", 12);
	assert_string_equal(summary_of(), "killed by SIGKILL (core dumped), ran 12 ms");
	begin("process.fork");
	record_add_bool(&r, "process.thread", true);
	record_add_int(&r, "process.tid", 43);
	record_add_str(&r, "process.fork.syscall", "clone3");
	assert_string_equal(summary_of(), "thread tid 43 (clone3)");
}

static void test_network(void **state)
{
	const char *answers[] = {"10.0.0.7", "10.0.0.8"};
	(void)state;
	begin("dns.response");
	record_add_str(&r, "dns.question.type", "A");
	record_add_str(&r, "dns.question.name", "api.example.com");
	record_add_str(&r, "dns.response_code", "NOERROR");
	record_add_strv(&r, "dns.answers", answers, 2);
	record_add_str(&r, "network.peer.address", "10.0.0.2");
	record_add_int(&r, "network.peer.port", 53);
	assert_string_equal(summary_of(),
			    "A api.example.com NOERROR → 10.0.0.7,10.0.0.8 from 10.0.0.2:53");
	begin("net.send");
	record_add_str(&r, "network.peer.address", "::1");
	record_add_int(&r, "network.peer.port", 9);
	record_add_int(&r, "network.bytes", 1200);
	record_add_int(&r, "network.messages", 3);
	assert_string_equal(summary_of(), "to [::1]:9, 1200 B in 3 messages");
	begin("net.connect");
	record_add_str(&r, "network.peer.address", "/run/docker.sock");
	record_add_str(&r, "event.outcome", "failure");
	record_add_str(&r, "error.code", "ENOENT");
	assert_string_equal(summary_of(), "to /run/docker.sock, failed ENOENT");
	begin("net.flow");
	record_add_str(&r, "network.transport", "udp");
	record_add_str(&r, "network.peer.address", "10.0.0.9");
	record_add_int(&r, "network.peer.port", 443);
	record_add_str(&r, "server.address", "api.example.com");
	record_add_str(&r, "verdict", "BYPASSED");
	record_add_str(&r, "policy.rule", "default deny");
	record_add_int(&r, "flow.bytes_out", 10);
	record_add_int(&r, "flow.bytes_in", 20);
	record_add_int(&r, "flow.duration_ms", 5001);
	record_add_str(&r, "flow.end", "idle");
	assert_string_equal(summary_of(),
			    "udp to 10.0.0.9:443 (api.example.com), BYPASSED by default deny, "
			    "out 10 B, in 20 B, 5001 ms, ended idle");
}

static void test_security_and_files(void **state)
{
	(void)state;
	begin("security.escape");
	record_add_str(&r, "escape.category", "namespace");
	record_add_str(&r, "escape.syscall", "unshare");
	record_add_str(&r, "escape.detail", "flags=CLONE_NEWUSER");
	record_add_int(&r, "escape.count", 300);
	assert_string_equal(summary_of(), "namespace: unshare flags=CLONE_NEWUSER (300 times)");
	begin("policy.violation");
	record_add_str(&r, "policy.rule", "no-ssh");
	record_add_str(&r, "policy.verdict", "would_block");
	record_add_str(&r, "policy.access", "open");
	record_add_str(&r, "file.path", "/home/a/.ssh/id_rsa");
	assert_string_equal(summary_of(), "no-ssh: would_block open /home/a/.ssh/id_rsa");
	begin("intent.mismatch");
	record_add_str(&r, "intent.reason", "network");
	record_add_str(&r, "intent.declared", "ls");
	record_add_str(&r, "intent.observed", "connect 127.0.0.1:4242");
	assert_string_equal(summary_of(), "network: connect 127.0.0.1:4242 (declared: ls)");
	begin("security.privilege");
	record_add_str(&r, "privilege.operation", "setuid");
	record_add_str(&r, "privilege.requested", "uid=0");
	record_add_str(&r, "privilege.from", "uid=1000");
	record_add_str(&r, "privilege.to", "uid=0");
	assert_string_equal(summary_of(), "setuid requested uid=0 from uid=1000 to uid=0");
	begin("file.metadata");
	record_add_str(&r, "file.operation", "chmod");
	record_add_str(&r, "file.path", "/tmp/x");
	record_add_str(&r, "file.mode", "0755");
	assert_string_equal(summary_of(), "chmod /tmp/x mode 0755");
	begin("file.write");
	record_add_str(&r, "file.path", "/tmp/x");
	record_add_int(&r, "file.bytes", 1);
	record_add_int(&r, "file.operations", 1);
	record_add_int(&r, "file.open_count", 4);
	assert_string_equal(summary_of(), "/tmp/x, 1 B written in 1 call over 4 opens");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_process),
		cmocka_unit_test(test_network),
		cmocka_unit_test(test_security_and_files),
	};
	int rc;

	record_init(&r);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	record_free(&r);
	sb_free(&sb);
	return rc;
}
