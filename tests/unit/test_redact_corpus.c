/* test_redact_corpus.c: the redaction test set (tests/redact/): every fake
 * key in fake_keys.tsv is replaced, by the rule named there, with nothing
 * of it left (0 leaks); no ordinary command in clean_commands.txt or
 * clean_generated.txt is touched (0 false positives). Also as argv and as
 * a record whose command line is rebuilt from the argv. Run from the
 * repository root (tests/run.sh does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pipeline/redact.h"
#include "util/shquote.h"

#define KEYS_FILE "tests/redact/fake_keys.tsv"

/* Text with "\n" turned back into newlines. */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++, w++) {
		if (s[0] == '\\' && s[1] == 'n') {
			*w = '\n';
			s++;
		} else {
			*w = *s;
		}
	}
	*w = 0;
}

static FILE *open_set(const char *path)
{
	FILE *f = fopen(path, "r");

	if (!f)
		fail_msg("%s: cannot open (run from the repository root)", path);
	return f;
}

static bool fired(const char **names, size_t nn, const char *rule)
{
	size_t j;

	for (j = 0; j < nn; j++)
		if (!strcmp(names[j], rule))
			return true;
	return false;
}

static void test_fake_keys_never_leak(void **state)
{
	struct redactor *rd = redactor_new(true);
	struct strbuf out = STRBUF_INIT;
	char line[8192], marker[64 + 8192];
	unsigned n = 0, leaks = 0, misattributed = 0;
	FILE *f = open_set(KEYS_FILE);

	(void)state;
	while (fgets(line, sizeof(line), f)) {
		char *rule = line, *secret, *text, *nl;
		const char *names[16];
		size_t nn = 0;
		if (line[0] == '#' || !(secret = strchr(rule, '\t')))
			continue;
		*secret++ = 0;
		if (!(text = strchr(secret, '\t')))
			continue;
		*text++ = 0;
		if ((nl = strchr(text, '\n')))
			*nl = 0;
		unescape(text);
		n++;
		redact_string(rd, text, &out, names, &nn, 16);
		snprintf(marker, sizeof(marker), "[REDACTED:%s]", rule);
		if (strstr(sb_cstr(&out), secret)) {
			leaks++;
			print_message("LEAK %s: %s -> %s\n", rule, text, sb_cstr(&out));
		} else if (!fired(names, nn, rule) || !strstr(sb_cstr(&out), marker)) {
			misattributed++;
			print_message("WRONG RULE %s (%s): %s -> %s\n", rule,
				      nn ? names[0] : "none", text, sb_cstr(&out));
		}
	}
	fclose(f);
	print_message("redaction test set: %u fake keys, %u leaks, %u misattributed\n", n, leaks,
		      misattributed);
	assert_true(n >= 200);
	assert_int_equal(leaks, 0);
	assert_int_equal(misattributed, 0);
	sb_free(&out);
	redactor_free(rd);
}

static unsigned false_positives(struct redactor *rd, const char *path, unsigned *n)
{
	struct strbuf out = STRBUF_INIT;
	char line[8192], *nl;
	unsigned fp = 0;
	FILE *f = open_set(path);

	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if ((nl = strchr(line, '\n')))
			*nl = 0;
		(*n)++;
		if (redact_string(rd, line, &out, NULL, NULL, 0) || strcmp(sb_cstr(&out), line)) {
			fp++;
			print_message("FALSE POSITIVE: %s -> %s\n", line, sb_cstr(&out));
		}
	}
	fclose(f);
	sb_free(&out);
	return fp;
}

static void test_ordinary_commands_untouched(void **state)
{
	struct redactor *rd = redactor_new(true);
	unsigned n = 0, fp;

	(void)state;
	fp = false_positives(rd, "tests/redact/clean_commands.txt", &n);
	fp += false_positives(rd, "tests/redact/clean_generated.txt", &n);
	print_message("false-positive check: %u ordinary strings, %u redacted\n", n, fp);
	assert_true(n >= 250);
	assert_int_equal(fp, 0);
	redactor_free(rd);
}

/* sh -c 'echo KEY' and python3 -c '... "KEY" ...' as an exec record: the
 * argv element and the command line rebuilt from it are both clean, with
 * the marker where the key was. */
static void test_command_line_rebuilt_from_redacted_args(void **state)
{
	static const char key[] =
		"sk-ant-api03-"
		"Fake0000000000000000000000000000000000000000000000000000000000000"
		"00000000000000000000000000000AA";
	struct redactor *rd = redactor_new(true);
	char script[256], expect[512];
	const char *argv[] = {"python3", "-c", script};
	struct record r;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	snprintf(script, sizeof(script), "import os; k = 'x'; c('%s')", key);
	sh_join_argv(&sb, argv, 3);
	record_init(&r);
	record_begin(&r, 1, "process.exec", 1);
	record_add_strv(&r, "process.command_args", argv, 3);
	record_add_str(&r, "process.command_line", sb_cstr(&sb));
	assert_non_null(strstr(record_get_str(&r, "process.command_line"), "'\\''"));
	assert_int_equal(redact_record(rd, &r), 1);
	assert_string_equal(record_get(&r, "process.command_args")->sv.v[2],
			    "import os; k = 'x'; c('[REDACTED:anthropic_key]')");
	snprintf(expect, sizeof(expect), "python3 -c '%s'",
		 "import os; k = '\\''x'\\''; c('\\''[REDACTED:anthropic_key]'\\'')");
	assert_string_equal(record_get_str(&r, "process.command_line"), expect);
	assert_string_equal(record_get(&r, "redaction.rules")->sv.v[0], "anthropic_key");
	sb_free(&sb);
	record_free(&r);
	redactor_free(rd);
}

/* Quoting defeats the rules: the line alone, redacted as a string, keeps
 * the password that the argv element gives up; the record is clean. */
static void test_quoting_cannot_hide_a_secret(void **state)
{
	struct redactor *rd = redactor_new(true);
	const char *argv[] = {"python3", "-c", "DB_PASS='hunter2xyz'; connect(DB_PASS)"};
	struct strbuf line = STRBUF_INIT, out = STRBUF_INIT;
	struct record r;

	(void)state;
	sh_join_argv(&line, argv, 3);
	redact_string(rd, sb_cstr(&line), &out, NULL, NULL, 0);
	assert_non_null(strstr(sb_cstr(&out), "hunter2xyz")); /* why the line is rebuilt */
	record_init(&r);
	record_begin(&r, 1, "process.exec", 1);
	record_add_strv(&r, "process.command_args", argv, 3);
	record_add_str(&r, "process.command_line", sb_cstr(&line));
	assert_int_equal(redact_record(rd, &r), 1);
	assert_string_equal(record_get_str(&r, "process.command_line"),
			    "python3 -c 'DB_PASS='\\''[REDACTED:env_secret]'\\''; connect(DB_PASS)'");
	sb_free(&line);
	sb_free(&out);
	record_free(&r);
	redactor_free(rd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fake_keys_never_leak),
		cmocka_unit_test(test_ordinary_commands_untouched),
		cmocka_unit_test(test_command_line_rebuilt_from_redacted_args),
		cmocka_unit_test(test_quoting_cannot_hide_a_secret),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
