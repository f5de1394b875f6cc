/* test_redact.c: the Redact stage against a corpus of secrets: none may
 * survive, each is attributed to a rule, and ordinary text is untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pipeline/redact.h"

struct sample {
	const char *text, *secret, *rule;
};

static const struct sample corpus[] = {
	{"aws s3 ls --access AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE", "aws_access_key"},
	{"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	 "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_key"},
	{"git clone https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/x/y",
	 "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "github_token"},
	{"GH=github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
	 "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "github_token"},
	{"curl -H 'PRIVATE-TOKEN: glpat-xY7zQ2mN9pL4kR8sT1vW'", "glpat-xY7zQ2mN9pL4kR8sT1vW",
	 "gitlab_token"},
	{"slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
	 "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "slack_token"},
	{"curl https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX",
	 "T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX", "slack_webhook"},
	{"Authorization: Bearer sk-live-4f9a8b7c6d5e4f3a2b1c", "sk-live-4f9a8b7c6d5e4f3a2b1c",
	 "bearer_token"},
	{"Authorization: Basic dXNlcjpodW50ZXIy", "dXNlcjpodW50ZXIy", "basic_auth"},
	{"token "
	 "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_"
	 "XgL0n3I9PlFUP0THsR8U",
	 "eyJzdWIiOiIxMjM0NTY3ODkwIn0", "jwt"},
	{"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE "
	 "KEY-----",
	 "b3BlbnNzaC1rZXktdjEAAAAA", "private_key"},
	{"psql postgres://admin:s3cr3tP4ss@db.internal:5432/app", "s3cr3tP4ss", "url_credentials"},
	{"mysql --password=hunter2abc -u root", "hunter2abc", "password_pair"},
	{"DB_PASSWORD=correcthorsebattery", "correcthorsebattery", "password_pair"},
	{"{\"api_key\": \"zz9plural-alpha\"}", "zz9plural-alpha", "password_pair"},
	{"tool --token s3kr1t-value-x", "s3kr1t-value-x", "secret_argument"},
	{"OPENAI_API_KEY=sk-proj-AbCdEf123456", "sk-proj-AbCdEf123456", "password_pair"},
};

static void test_corpus(void **state)
{
	struct redactor *rd = redactor_new(true);
	struct strbuf out = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		const char *names[8];
		size_t nn = 0, j;
		int hits = redact_string(rd, corpus[i].text, &out, names, &nn, 8);
		int found = 0;
		if (strstr(sb_cstr(&out), corpus[i].secret) || hits == 0)
			fail_msg("secret survived in '%s' -> '%s'", corpus[i].text, sb_cstr(&out));
		for (j = 0; j < nn; j++)
			found |= !strcmp(names[j], corpus[i].rule);
		if (!found)
			fail_msg("'%s': rule %s did not fire (got %s)", corpus[i].text,
				 corpus[i].rule, nn ? names[0] : "none");
	}
	sb_free(&out);
	redactor_free(rd);
}

static void test_keeps_context(void **state)
{
	struct redactor *rd = redactor_new(true);
	struct strbuf out = STRBUF_INIT;

	(void)state;
	redact_string(rd, "mysql --password=hunter2abc -u root", &out, NULL, NULL, 0);
	assert_string_equal(sb_cstr(&out), "mysql --password=[REDACTED:password_pair] -u root");
	redact_string(rd, "Authorization: Bearer abcdefgh12345", &out, NULL, NULL, 0);
	assert_string_equal(sb_cstr(&out), "Authorization: Bearer [REDACTED:bearer_token]");
	sb_free(&out);
	redactor_free(rd);
}

static void test_clean_text_untouched(void **state)
{
	static const char *clean[] = {"/usr/bin/python3 -m pytest -q tests/",
				      "git commit -m 'fix parser'",
				      "/home/u/.cache/pip/http/a/b",
				      "ls -la /etc",
				      "make -j8 all",
				      "https://github.com/x/y.git",
				      "tokenizer.py --keyboard us",
				      "env PWD=/home/dev/project make",
				      "csv --tokens=5"};
	struct redactor *rd = redactor_new(true);
	struct strbuf out = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(clean) / sizeof(clean[0]); i++) {
		assert_int_equal(redact_string(rd, clean[i], &out, NULL, NULL, 0), 0);
		assert_string_equal(sb_cstr(&out), clean[i]);
	}
	sb_free(&out);
	redactor_free(rd);
}

/* The prefilter (first three bytes of every hint) must never hide a match:
 * each hint, in both cases, at the start, the end and in the middle of a
 * string, gives the same result as a redactor whose prefilter is off (a
 * user rule that matches nothing disables it). */
static void test_prefilter_never_hides_a_match(void **state)
{
	static const char *const hinted[] = {"AKIAIOSFODNN7EXAMPLE",
					     "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
					     "glpat-xY7zQ2mN9pL4kR8sT1vW",
					     "xoxb-123456789012-abcdef",
					     "eyJhbGciOi.eyJzdWIiOi.x",
					     "Bearer abcdefgh12345",
					     "basic dXNlcjpodW50ZXIy",
					     "https://u:pw1234@h/",
					     "--password hunter2",
					     "secret=xyz123",
					     "token: abcdefgh",
					     "api_key=zz9",
					     "credentials=abc",
					     "auth=abcdef",
					     "hooks.slack.com/services/T0/B0/XX",
					     "-----BEGIN RSA PRIVATE KEY-----abc",
					     "gl",
					     "://",
					     "pass=x",
					     "key=v"};
	struct redactor *fast = redactor_new(true), *slow = redactor_new(true);
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	char text[256], upper[256], err[128];
	size_t i, k, c;

	(void)state;
	assert_int_equal(redactor_add(slow, "never", "^$never$^", 0, err, sizeof(err)), 0);
	for (i = 0; i < sizeof(hinted) / sizeof(hinted[0]); i++) {
		for (k = 0; k < 4; k++) {
			const char *fmt[] = {"%s", "x %s", "%s y", "/usr/bin/tool %s --flag"};
			snprintf(text, sizeof(text), fmt[k], hinted[i]);
			for (c = 0; text[c]; c++)
				upper[c] = (char)(text[c] >= 'a' && text[c] <= 'z' ? text[c] - 32
										   : text[c]);
			upper[c] = 0;
			assert_int_equal(redact_string(fast, text, &a, NULL, NULL, 0),
					 redact_string(slow, text, &b, NULL, NULL, 0));
			assert_string_equal(sb_cstr(&a), sb_cstr(&b));
			assert_int_equal(redact_string(fast, upper, &a, NULL, NULL, 0),
					 redact_string(slow, upper, &b, NULL, NULL, 0));
			assert_string_equal(sb_cstr(&a), sb_cstr(&b));
		}
	}
	/* and clean text stays clean, unchanged */
	assert_int_equal(redact_string(fast, "/usr/bin/make -j2 all", &a, NULL, NULL, 0), 0);
	assert_string_equal(sb_cstr(&a), "/usr/bin/make -j2 all");
	sb_free(&a);
	sb_free(&b);
	redactor_free(fast);
	redactor_free(slow);
}

static void test_record_and_argv(void **state)
{
	struct redactor *rd = redactor_new(true);
	const char *argv[] = {"mysql", "--password", "hunter2", "-e", "corp_abcd1234"};
	char *sargv[] = {"tool", "--api-key", "k-123", "AKIAIOSFODNN7EXAMPLE", NULL};
	struct record r;
	struct strbuf js = STRBUF_INIT;
	char **red;
	char err[128];

	(void)state;
	assert_int_equal(redactor_add(rd, "corp_token", "corp_[a-z0-9]{8}", 0, err, sizeof(err)),
			 0);
	assert_int_not_equal(redactor_add(rd, "bad", "([", 0, err, sizeof(err)), 0);
	record_init(&r);
	record_begin(&r, 1, "process.exec", 1);
	record_add_strv(&r, "process.command_args", argv, 5);
	record_add_str(&r, "process.command_line", "mysql --password hunter2 -e corp_abcd1234");
	assert_int_equal(redact_record(rd, &r), 2);
	assert_string_equal(record_get_str(&r, "process.command_line"),
			    "mysql --password '[REDACTED:secret_argument]' -e '[REDACTED:corp_token]'");
	record_to_json(&r, &js);
	assert_null(strstr(sb_cstr(&js), "hunter2"));
	assert_null(strstr(sb_cstr(&js), "corp_abcd1234"));
	assert_non_null(strstr(sb_cstr(&js), "\"redaction.rules\":["));
	assert_non_null(strstr(sb_cstr(&js), "corp_token"));
	assert_non_null(strstr(sb_cstr(&js), "secret_argument"));
	red = redact_argv(rd, sargv);
	assert_string_equal(red[0], "tool");
	assert_string_equal(red[2], "[REDACTED:secret_argument]");
	assert_string_equal(red[3], "[REDACTED:aws_access_key]");
	assert_null(red[4]);
	redact_argv_free(red);
	sb_free(&js);
	record_free(&r);
	redactor_free(rd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_keeps_context),
		cmocka_unit_test(test_clean_text_untouched),
		cmocka_unit_test(test_record_and_argv),
		cmocka_unit_test(test_prefilter_never_hides_a_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
