/* test_redact_rules.c: gitleaks rule files (redact_rules.c): the supported
 * TOML subset loads and redacts as gitleaks would (secretGroup, keywords,
 * entropy, allowlists by regex and stopword, global allowlist, RE2
 * syntax), and everything else is refused with FILE:LINE: reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pipeline/redact_rules.h"

static const char good[] = "# a gitleaks config\n"
			   "title = \"corp rules\"\n"
			   "\n"
			   "[[rules]]\n"
			   "id = \"corp-api-token\"\n"
			   "description = '''Corp API token'''\n"
			   "regex = '''(?i)\\b(corp_[a-z0-9]{16})(?:[\\x60'\"\\s;]|$)'''\n"
			   "keywords = [\n"
			   "  \"corp_\", # the prefix\n"
			   "]\n"
			   "tags = [\"corp\", \"token\"]\n"
			   "\n"
			   "[[rules]]\n"
			   "id = \"generic-pass\"\n"
			   "regex = \"\"\"(?i)pass(?:word)?\\\\s*=\\\\s*(\\\\S+)\"\"\"\n"
			   "secretGroup = 1\n"
			   "entropy = 2.5\n"
			   "keywords = [\"pass\"]\n"
			   "[rules.allowlist]\n"
			   "regexes = ['''^EXAMPLE''']\n"
			   "stopwords = [\"changeme\"]\n"
			   "\n"
			   "[allowlist]\n"
			   "description = \"global\"\n"
			   "regexes = ['''(?i)^dummy''']\n";

static struct redactor *load(const char *text, char *err, size_t errlen, int *n)
{
	struct redactor *rd = redactor_new(false);

	*n = redact_rules_parse(rd, "rules.toml", text, strlen(text), err, errlen);
	return rd;
}

static void expect(struct redactor *rd, const char *in, const char *out)
{
	struct strbuf sb = STRBUF_INIT;

	redact_string(rd, in, &sb, NULL, NULL, 0);
	assert_string_equal(sb_cstr(&sb), out);
	sb_free(&sb);
}

static void test_gitleaks_file_redacts(void **state)
{
	char err[512] = "";
	int n;
	struct redactor *rd = load(good, err, sizeof(err), &n);

	(void)state;
	assert_string_equal(err, "");
	assert_int_equal(n, 2);
	assert_int_equal(redactor_count(rd), 2);
	/* first non-empty group (no secretGroup), keyword, (?i) and \b */
	expect(rd, "x CORP_ABCDEF0123456789 y", "x [REDACTED:corp-api-token] y");
	expect(rd, "xcorp_abcdef0123456789", "xcorp_abcdef0123456789"); /* \b */
	/* secretGroup, entropy, allowlist regex and stopword, global allowlist */
	expect(rd, "password = Xk9#mQ2$vL", "password = [REDACTED:generic-pass]");
	expect(rd, "password = aaaaaaaa", "password = aaaaaaaa"); /* entropy 0 */
	expect(rd, "pass=EXAMPLEk9#mQ2$vL", "pass=EXAMPLEk9#mQ2$vL");
	expect(rd, "pass=myChangeMe9xz", "pass=myChangeMe9xz");
	expect(rd, "pass=DUMMYk9#mQ2$vL", "pass=DUMMYk9#mQ2$vL");
	redactor_free(rd);
}

static void test_condition_and(void **state)
{
	static const char text[] = "[[rules]]\n"
				   "id = 'k'\n"
				   "regex = 'key=(\\w+)'\n"
				   "[[rules.allowlists]]\n"
				   "condition = \"AND\"\n"
				   "regexes = ['^test']\n"
				   "stopwords = ['fake']\n";
	char err[512] = "";
	int n;
	struct redactor *rd = load(text, err, sizeof(err), &n);

	(void)state;
	assert_int_equal(n, 1);
	expect(rd, "key=testfake1", "key=testfake1");	 /* both: allowed */
	expect(rd, "key=testreal1", "key=[REDACTED:k]"); /* one only */
	expect(rd, "key=realfake1", "key=[REDACTED:k]");
	redactor_free(rd);
}

/* What a real gitleaks file also holds: path rules (skipped: no event field
 * is a file name), allowlists by paths (never hold; with AND the allowlist
 * never applies) and global allowlists for some rules (targetRules). */
static void test_paths_and_target_rules(void **state)
{
	static const char text[] = "minVersion = \"v8.25.0\"\n"
				   "[[allowlists]]\n"
				   "targetRules = ['a']\n"
				   "regexes = ['^skip']\n"
				   "[[rules]]\n"
				   "id = 'files'\n"
				   "path = '''\\.p12$'''\n"
				   "[[rules]]\n"
				   "id = 'a'\n"
				   "regex = 'a=(\\w+)'\n"
				   "[[rules.allowlists]]\n"
				   "paths = ['x']\n"
				   "regexes = ['^ok']\n"
				   "[[rules]]\n"
				   "id = 'b'\n"
				   "regex = 'b=(\\w+)'\n"
				   "[[rules.allowlists]]\n"
				   "condition = 'AND'\n"
				   "paths = ['x']\n"
				   "regexes = ['^ok']\n";
	char err[512] = "";
	int n;
	struct redactor *rd = load(text, err, sizeof(err), &n);

	(void)state;
	assert_string_equal(err, "");
	assert_int_equal(n, 2);
	expect(rd, "a=skip1 b=skip1", "a=skip1 b=[REDACTED:b]"); /* targetRules */
	expect(rd, "a=ok1 b=ok1", "a=ok1 b=[REDACTED:b]");	 /* OR vs AND with paths */
	expect(rd, "a=x1.p12", "a=[REDACTED:a].p12");
	redactor_free(rd);
}

struct bad {
	const char *text, *err;
};

static void test_refused_with_file_and_line(void **state)
{
	static const struct bad bad[] = {
		{"[extend]\nuseDefault = true\n",
		 "rules.toml:1: table [extend] is not supported (supported: [[rules]], "
		 "[rules.allowlist], [[rules.allowlists]], [allowlist], [[allowlists]])"},
		{"[[rules]]\nid = 'a'\nregex = '(unclosed'\n",
		 "rules.toml:1: redaction rule 'a': bad regex at offset 9: missing closing "
		 "parenthesis"},
		{"[[rules]]\nregex = 'x'\n", "rules.toml:1: a rule needs an 'id'"},
		{"[[rules]]\nid = 'a'\n", "rules.toml:1: rule 'a' needs a 'regex'"},
		{"[[rules]]\nid = 'a b'\nregex = 'x'\n",
		 "rules.toml:1: rule id 'a b': use letters, digits, '_', '.', '-'"},
		{"[[rules]]\nid = 'a'\nid = 'b'\n",
		 "rules.toml:3: key 'id' given twice in one table"},
		{"[[rules]]\nid = \"a\nregex = 'x'\n", "rules.toml:2: newline in a string"},
		{"[[rules]]\nid = 'a'\nregex = 'x'\nsecretGroup = 2\n",
		 "rules.toml:1: redaction rule 'a': group 2 but the regex has 0"},
		{"[[rules]]\nid = 'a'\nregex = 'x'\nsecretGroup = 1.5\n",
		 "rules.toml:4: 'secretGroup' must be an integer 0..99"},
		{"[[rules]]\nid = 'a'\nregex = 'x'\nkeywords = [1, 2]\n",
		 "rules.toml:4: only arrays of strings are supported"},
		{"[[rules]]\nid = 'a'\nregex = 'x'\nallowlist = {regexes = ['y']}\n",
		 "rules.toml:4: inline tables are not supported"},
		{"[[rules]]\nid = 'a'\nregex = 'x'\nrules.id = 'y'\n",
		 "rules.toml:4: dotted keys are not supported"},
		{"[[rules]]\n\"id\" = 'a'\n", "rules.toml:2: quoted keys are not supported"},
		{"[[rules]]\nid = 'a' 'b'\n",
		 "rules.toml:2: expected the end of the line, found '''"},
		{"[[rules]]\nid = \"\\q\"\n", "rules.toml:2: invalid escape '\\q'"},
		{"[[rules]]\nid = 'a'\nregex = '''x\n", "rules.toml:3: unterminated string"},
		{"[rules.allowlist]\nregexes = ['a']\n",
		 "rules.toml:1: [rules.allowlist] outside a [[rules]] table"},
		{"[[rules]]\nid = 'a'\nregex = 'x'\n[rules.allowlist]\nregexTarget = 'file'\n",
		 "rules.toml:5: 'regexTarget' must be secret, match or line"},
		{"[[rules]]\nid = 'a'\nregex = 'x'\nentropy = nan\n",
		 "rules.toml:4: unsupported value (strings, arrays of strings, numbers, booleans)"},
		{"[[rules]]\nid = 'a'\nregex = 'x'\nverbose = true\n",
		 "rules.toml:4: unknown key 'verbose' in [[rules]] (supported: id, regex, "
		 "secretGroup, keywords, entropy, description, tags, path)"},
		{"title = 'x'\n", "rules.toml:2: no [[rules]] with a regex in the file"},
		{"[[rules]]\nid = 'a'\npath = 'x'\n",
		 "rules.toml:4: no [[rules]] with a regex in the file"},
		{"[[rules]]\nid = 'a'\nregex = 'x'\n[rules.allowlist]\ntargetRules = ['a']\n",
		 "rules.toml:5: unknown key 'targetRules' in an allowlist (supported: regexes, "
		 "stopwords, regexTarget, condition, description, paths, commits)"},
		{"= 'x'\n", "rules.toml:1: expected a key, a table header or a comment"},
		{"[[rules]\n", "rules.toml:1: malformed table header"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[512] = "";
		int n;
		struct redactor *rd = load(bad[i].text, err, sizeof(err), &n);
		if (n != -1 || strcmp(err, bad[i].err))
			fail_msg("case %zu: got %d '%s', want '%s'", i, n, err, bad[i].err);
		assert_int_equal(redactor_count(rd), 0);
		redactor_free(rd);
	}
}

static void test_missing_file(void **state)
{
	struct redactor *rd = redactor_new(false);
	char err[512];

	(void)state;
	assert_int_equal(redact_rules_load(rd, "/nonexistent/rules.toml", err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/rules.toml: No such file or directory");
	redactor_free(rd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gitleaks_file_redacts),
		cmocka_unit_test(test_condition_and),
		cmocka_unit_test(test_paths_and_target_rules),
		cmocka_unit_test(test_refused_with_file_and_line),
		cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
