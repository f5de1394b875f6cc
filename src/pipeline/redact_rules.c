/* redact_rules.c: reads gitleaks rule files (TOML) into redaction rules.
 * There is no TOML library in Debian 12's C world, so this parses exactly
 * the subset gitleaks rule files use, and refuses anything else with
 * "FILE:LINE: reason":
 *   - comments, blank lines, bare keys (no quoted or dotted keys);
 *   - tables [[rules]], [rules.allowlist], [[rules.allowlists]],
 *     [allowlist], [[allowlists]] (no [extend], no inline tables);
 *   - values: "basic" and 'literal' strings, their """ / ''' multi-line
 *     forms, integers, floats, booleans, arrays of strings (multi-line,
 *     trailing comma, comments); *   - top level: title, description, minVersion (ignored);
 *   - [[rules]] keys: id, regex, secretGroup, keywords, entropy,
 *     description and tags (ignored), path: a rule with a path matches
 *     file names, never an event field, so it is skipped;
 *   - allowlist keys: regexes, stopwords, regexTarget (secret, match,
 *     line), condition (OR, AND), description, targetRules (global
 *     allowlists: the rule ids they apply to); paths and commits never hold
 *     for an event field (with AND, the allowlist never applies).
 * Global allowlists apply to every rule of the file (or its targetRules). Regexes are compiled
 * by PCRE2 (redact.c), which accepts the RE2/Go syntax gitleaks uses:
 * (?i) and other inline flags, (?:...), (?P<name>...), \b, \s, \d, \w,
 * \x.., \pL, [[:alpha:]], {m,n}, lazy quantifiers. */
#include "pipeline/redact_rules.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

#define MAX_RULES      4096
#define MAX_ALLOWLISTS 16
#define MAX_KEYS       16 /* keys per table (a repeated key is refused) */

struct strs {
	char **v;
	size_t n;
};

struct allow_b {
	struct strs regexes, stopwords, target_rules;
	enum redact_target target;
	bool all;
	bool never; /* paths or commits given: a check that never holds */
};

struct rule_b {
	char *id, *regex;
	int group;
	double entropy;
	struct strs keywords;
	struct allow_b allow[MAX_ALLOWLISTS];
	size_t nallow;
	bool legacy_allow; /* [rules.allowlist] seen */
	bool has_path;	   /* matches file names: skipped */
	size_t at;	   /* offset of its [[rules]] header */
};

enum section { SEC_TOP, SEC_RULE, SEC_RULE_ALLOW, SEC_GLOBAL_ALLOW };

struct parser {
	const char *name, *buf, *p, *end;
	char *err;
	size_t errlen;
	enum section sec;
	struct rule_b *rules;
	size_t n;
	struct allow_b global[MAX_ALLOWLISTS];
	size_t nglobal;
	bool legacy_global;
	char *seen[MAX_KEYS];
	size_t nseen;
};

enum kind { V_STR, V_NUM, V_BOOL, V_STRS };

struct value {
	enum kind kind;
	char *s;
	double num;
	bool is_int, b;
	struct strs v;
};

static unsigned line_at(const struct parser *ps, const char *at)
{
	unsigned line = 1;
	const char *q;

	for (q = ps->buf; q < at && q < ps->end; q++)
		line += *q == '\n';
	return line;
}

static int fail_at(struct parser *ps, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail_at(struct parser *ps, const char *at, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ps->err, ps->errlen, "%s:%u: %s", ps->name, line_at(ps, at), msg);
	return -1;
}

static void strs_free(struct strs *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static void allow_free(struct allow_b *a)
{
	strs_free(&a->regexes);
	strs_free(&a->stopwords);
	strs_free(&a->target_rules);
}

static void value_free(struct value *v)
{
	free(v->s);
	strs_free(&v->v);
	memset(v, 0, sizeof(*v));
}

static void parser_free(struct parser *ps)
{
	size_t i, j;

	for (i = 0; i < ps->n; i++) {
		free(ps->rules[i].id);
		free(ps->rules[i].regex);
		strs_free(&ps->rules[i].keywords);
		for (j = 0; j < ps->rules[i].nallow; j++)
			allow_free(&ps->rules[i].allow[j]);
	}
	for (i = 0; i < ps->nglobal; i++)
		allow_free(&ps->global[i]);
	for (i = 0; i < ps->nseen; i++)
		free(ps->seen[i]);
	free(ps->rules);
}

/* --- lexing ----------------------------------------------------------- */

static bool at_str(const struct parser *ps, const char *s)
{
	size_t n = strlen(s);
	return (size_t)(ps->end - ps->p) >= n && !memcmp(ps->p, s, n);
}

static void skip_blank(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
		ps->p++;
}

static void skip_comment(struct parser *ps)
{
	if (ps->p < ps->end && *ps->p == '#')
		while (ps->p < ps->end && *ps->p != '\n')
			ps->p++;
}

/* Blanks and comments across lines (inside arrays). */
static void skip_space(struct parser *ps)
{
	for (;;) {
		skip_blank(ps);
		skip_comment(ps);
		if (ps->p < ps->end && (*ps->p == '\n' || *ps->p == '\r'))
			ps->p++;
		else
			return;
	}
}

/* After a header or a key/value: blanks, a comment, the end of the line. */
static int end_of_line(struct parser *ps)
{
	skip_blank(ps);
	skip_comment(ps);
	if (at_str(ps, "\r\n"))
		ps->p++;
	if (ps->p < ps->end && *ps->p != '\n')
		return fail_at(ps, ps->p, "expected the end of the line, found '%c'", *ps->p);
	if (ps->p < ps->end)
		ps->p++;
	return 0;
}

static int put_utf8(struct strbuf *sb, uint32_t c)
{
	char b[4];
	size_t n;

	if (c < 0x80) {
		b[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		b[0] = (char)(0xc0 | c >> 6);
		b[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		b[0] = (char)(0xe0 | c >> 12);
		b[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		b[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | c >> 18);
		b[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		b[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	return sb_append(sb, b, n);
}

static int escape(struct parser *ps, struct strbuf *sb)
{
	const char *at = ps->p++; /* the backslash */
	static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
	const char *e;
	uint32_t c = 0;
	int digits, i;

	if (ps->p >= ps->end)
		return fail_at(ps, at, "unterminated escape");
	if ((e = strchr(from, *ps->p)) && *ps->p) {
		ps->p++;
		return sb_putc(sb, to[e - from]);
	}
	if (*ps->p != 'u' && *ps->p != 'U')
		return fail_at(ps, at, "invalid escape '\\%c'", *ps->p);
	digits = *ps->p++ == 'u' ? 4 : 8;
	for (i = 0; i < digits; i++, ps->p++) {
		char h = ps->p < ps->end ? *ps->p : 0;
		int d = h >= '0' && h <= '9'   ? h - '0'
			: h >= 'a' && h <= 'f' ? h - 'a' + 10
			: h >= 'A' && h <= 'F' ? h - 'A' + 10
					       : -1;
		if (d < 0)
			return fail_at(ps, at, "invalid unicode escape");
		c = c << 4 | (uint32_t)d;
	}
	if (!c || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return fail_at(ps, at, "invalid unicode escape");
	return put_utf8(sb, c);
}

/* One string; delim is ", ', """ or '''. */
static int string_body(struct parser *ps, const char *delim, char **out)
{
	const char *start = ps->p;
	bool multi = strlen(delim) == 3, basic = delim[0] == '"';
	struct strbuf sb = STRBUF_INIT;
	int rc = 0;

	ps->p += strlen(delim);
	if (multi && at_str(ps, "\r\n"))
		ps->p += 2;
	else if (multi && at_str(ps, "\n"))
		ps->p++;
	for (;;) {
		char c;
		if (ps->p >= ps->end) {
			rc = fail_at(ps, start, "unterminated string");
			break;
		}
		if (at_str(ps, delim)) {
			size_t q = 0;
			while (multi && ps->p + 3 + q < ps->end && ps->p[3 + q] == delim[0] &&
			       q < 2)
				q++; /* """"" ends with quotes in the string */
			sb_append(&sb, ps->p, q);
			ps->p += strlen(delim) + q;
			break;
		}
		c = *ps->p;
		if (c == '\n' && !multi) {
			rc = fail_at(ps, ps->p, "newline in a string");
			break;
		}
		if (!c || ((unsigned char)c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
		    c == 0x7f) {
			rc = fail_at(ps, ps->p, "control character in a string");
			break;
		}
		if (basic && c == '\\' && multi && ps->p + 1 < ps->end &&
		    strchr(" \t\r\n", ps->p[1])) {
			const char *q = ps->p + 1; /* line-ending backslash */
			while (q < ps->end && (*q == ' ' || *q == '\t' || *q == '\r'))
				q++;
			if (q < ps->end && *q != '\n') {
				rc = fail_at(ps, ps->p, "invalid escape '\\ '");
				break;
			}
			while (q < ps->end && strchr(" \t\r\n", *q))
				q++;
			ps->p = q;
			continue;
		}
		if (basic && c == '\\') {
			if ((rc = escape(ps, &sb)))
				break;
			continue;
		}
		sb_putc(&sb, c);
		ps->p++;
	}
	if (!rc && !(*out = strdup(sb_cstr(&sb))))
		rc = fail_at(ps, start, "out of memory");
	sb_free(&sb);
	return rc;
}

static int string(struct parser *ps, char **out)
{
	static const char *const delims[] = {"\"\"\"", "'''", "\"", "'"};
	size_t i;

	for (i = 0; i < 4; i++)
		if (at_str(ps, delims[i]))
			return string_body(ps, delims[i], out);
	return fail_at(ps, ps->p, "expected a string");
}

static int strs_push(struct parser *ps, struct strs *s, char *v)
{
	char **n = realloc(s->v, (s->n + 1) * sizeof(*n));

	if (!n) {
		free(v);
		return fail_at(ps, ps->p, "out of memory");
	}
	s->v = n;
	s->v[s->n++] = v;
	return 0;
}

static int array(struct parser *ps, struct strs *out)
{
	const char *start = ps->p++;
	char *s;

	for (;;) {
		skip_space(ps);
		if (ps->p >= ps->end)
			return fail_at(ps, start, "unterminated array");
		if (*ps->p == ']') {
			ps->p++;
			return 0;
		}
		if (*ps->p != '"' && *ps->p != '\'')
			return fail_at(ps, ps->p, "only arrays of strings are supported");
		if (string(ps, &s) || strs_push(ps, out, s))
			return -1;
		skip_space(ps);
		if (ps->p < ps->end && *ps->p == ',')
			ps->p++;
		else if (ps->p < ps->end && *ps->p != ']')
			return fail_at(ps, ps->p, "expected ',' or ']' in an array");
	}
}

static int number(struct parser *ps, struct value *v)
{
	char tmp[64], *endp;
	size_t n = 0;

	while (ps->p + n < ps->end && n < sizeof(tmp) - 1 && strchr("0123456789+-.eE", ps->p[n]))
		n++;
	memcpy(tmp, ps->p, n);
	tmp[n] = 0;
	errno = 0;
	v->num = strtod(tmp, &endp);
	if (!n || *endp || errno || v->num != v->num)
		return fail_at(ps, ps->p, "invalid number '%s'", tmp);
	v->kind = V_NUM;
	v->is_int = !strpbrk(tmp, ".eE");
	ps->p += n;
	return 0;
}

static int value(struct parser *ps, struct value *v)
{
	memset(v, 0, sizeof(*v));
	if (ps->p >= ps->end)
		return fail_at(ps, ps->p, "expected a value");
	if (*ps->p == '"' || *ps->p == '\'') {
		v->kind = V_STR;
		return string(ps, &v->s);
	}
	if (*ps->p == '[') {
		v->kind = V_STRS;
		return array(ps, &v->v);
	}
	if (at_str(ps, "true") || at_str(ps, "false")) {
		v->kind = V_BOOL;
		v->b = *ps->p == 't';
		ps->p += v->b ? 4 : 5;
		return 0;
	}
	if (strchr("0123456789+-", *ps->p) && *ps->p)
		return number(ps, v);
	if (*ps->p == '{')
		return fail_at(ps, ps->p, "inline tables are not supported");
	return fail_at(ps, ps->p,
		       "unsupported value (strings, arrays of strings, numbers, "
		       "booleans)");
}

/* --- tables and keys -------------------------------------------------- */

static void forget_keys(struct parser *ps)
{
	while (ps->nseen)
		free(ps->seen[--ps->nseen]);
}

static int header(struct parser *ps)
{
	const char *at = ps->p;
	bool aot = at_str(ps, "[[");
	char name[64];
	size_t n = 0;

	ps->p += aot ? 2 : 1;
	skip_blank(ps);
	while (ps->p < ps->end && n < sizeof(name) - 1 &&
	       strchr("abcdefghijklmnopqrstuvwxyz"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ._-",
		      *ps->p) &&
	       *ps->p)
		name[n++] = *ps->p++;
	name[n] = 0;
	skip_blank(ps);
	if (!at_str(ps, aot ? "]]" : "]"))
		return fail_at(ps, at, "malformed table header");
	ps->p += aot ? 2 : 1;
	forget_keys(ps);
	if (aot && !strcmp(name, "rules")) {
		struct rule_b *r;
		if (ps->n >= MAX_RULES)
			return fail_at(ps, at, "too many rules (max %d)", MAX_RULES);
		if (!(r = realloc(ps->rules, (ps->n + 1) * sizeof(*r))))
			return fail_at(ps, at, "out of memory");
		ps->rules = r;
		memset(&r[ps->n], 0, sizeof(*r));
		r[ps->n].group = REDACT_FIRST_GROUP;
		r[ps->n++].at = (size_t)(at - ps->buf);
		ps->sec = SEC_RULE;
	} else if (!strcmp(name, "rules.allowlist") || !strcmp(name, "rules.allowlists")) {
		struct rule_b *r = ps->n ? &ps->rules[ps->n - 1] : NULL;
		bool legacy = !aot && !strcmp(name, "rules.allowlist");
		if (!r || (ps->sec != SEC_RULE && ps->sec != SEC_RULE_ALLOW))
			return fail_at(ps, at, "[%s] outside a [[rules]] table", name);
		if (legacy ? r->legacy_allow : !aot)
			return fail_at(ps, at,
				       legacy ? "[rules.allowlist] given twice for a rule"
					      : "use [[rules.allowlists]] (an array)");
		if (r->nallow >= MAX_ALLOWLISTS)
			return fail_at(ps, at, "too many allowlists (max %d)", MAX_ALLOWLISTS);
		r->legacy_allow |= legacy;
		r->nallow++;
		ps->sec = SEC_RULE_ALLOW;
	} else if ((!aot && !strcmp(name, "allowlist")) || (aot && !strcmp(name, "allowlists"))) {
		if (!aot && ps->legacy_global)
			return fail_at(ps, at, "[allowlist] given twice");
		if (ps->nglobal >= MAX_ALLOWLISTS)
			return fail_at(ps, at, "too many allowlists (max %d)", MAX_ALLOWLISTS);
		ps->legacy_global |= !aot;
		ps->nglobal++;
		ps->sec = SEC_GLOBAL_ALLOW;
	} else {
		return fail_at(
			ps, at,
			"table [%s%s%s] is not supported (supported: [[rules]], "
			"[rules.allowlist], [[rules.allowlists]], [allowlist], [[allowlists]])",
			aot ? "[" : "", name, aot ? "]" : "");
	}
	return end_of_line(ps);
}

static int want_kind(struct parser *ps, const char *at, const char *key, const struct value *v,
		     enum kind kind)
{
	static const char *const names[] = {"a string", "a number", "a boolean",
					    "an array of strings"};

	if (v->kind != kind)
		return fail_at(ps, at, "'%s' must be %s", key, names[kind]);
	return 0;
}

static void take_strs(struct strs *dst, struct value *v)
{
	strs_free(dst);
	*dst = v->v;
	memset(&v->v, 0, sizeof(v->v));
}

static int rule_key(struct parser *ps, const char *at, const char *key, struct value *v)
{
	struct rule_b *r = &ps->rules[ps->n - 1];

	if (!strcmp(key, "id") || !strcmp(key, "regex")) {
		if (want_kind(ps, at, key, v, V_STR))
			return -1;
		if (*key == 'i') {
			r->id = v->s;
		} else {
			r->regex = v->s;
		}
		v->s = NULL;
	} else if (!strcmp(key, "secretGroup")) {
		if (want_kind(ps, at, key, v, V_NUM) || !v->is_int || v->num < 0 || v->num > 99)
			return fail_at(ps, at, "'secretGroup' must be an integer 0..99");
		r->group = v->num > 0 ? (int)v->num : REDACT_FIRST_GROUP;
	} else if (!strcmp(key, "entropy")) {
		if (want_kind(ps, at, key, v, V_NUM) || v->num < 0 || v->num > 8)
			return fail_at(ps, at, "'entropy' must be a number 0..8");
		r->entropy = v->num;
	} else if (!strcmp(key, "keywords")) {
		if (want_kind(ps, at, key, v, V_STRS))
			return -1;
		take_strs(&r->keywords, v);
	} else if (!strcmp(key, "description") || !strcmp(key, "tags")) {
		return want_kind(ps, at, key, v, *key == 'd' ? V_STR : V_STRS);
	} else if (!strcmp(key, "path")) {
		r->has_path = true;
		return want_kind(ps, at, key, v, V_STR);
	} else {
		return fail_at(ps, at,
			       "unknown key '%s' in [[rules]] (supported: id, regex, secretGroup, "
			       "keywords, entropy, description, tags, path)",
			       key);
	}
	return 0;
}

static int allow_key(struct parser *ps, const char *at, const char *key, struct value *v,
		     struct allow_b *a)
{
	if (!strcmp(key, "regexes") || !strcmp(key, "stopwords")) {
		if (want_kind(ps, at, key, v, V_STRS))
			return -1;
		take_strs(*key == 'r' ? &a->regexes : &a->stopwords, v);
	} else if (!strcmp(key, "regexTarget")) {
		if (want_kind(ps, at, key, v, V_STR))
			return -1;
		if (!strcmp(v->s, "secret"))
			a->target = REDACT_TARGET_SECRET;
		else if (!strcmp(v->s, "match"))
			a->target = REDACT_TARGET_MATCH;
		else if (!strcmp(v->s, "line"))
			a->target = REDACT_TARGET_LINE;
		else
			return fail_at(ps, at, "'regexTarget' must be secret, match or line");
	} else if (!strcmp(key, "condition")) {
		if (want_kind(ps, at, key, v, V_STR))
			return -1;
		if (strcmp(v->s, "OR") && strcmp(v->s, "AND"))
			return fail_at(ps, at, "'condition' must be OR or AND");
		a->all = !strcmp(v->s, "AND");
	} else if (!strcmp(key, "description")) {
		return want_kind(ps, at, key, v, V_STR);
	} else if (!strcmp(key, "paths") || !strcmp(key, "commits")) {
		a->never = true;
		return want_kind(ps, at, key, v, V_STRS);
	} else if (!strcmp(key, "targetRules") && ps->sec == SEC_GLOBAL_ALLOW) {
		if (want_kind(ps, at, key, v, V_STRS))
			return -1;
		take_strs(&a->target_rules, v);
	} else {
		return fail_at(ps, at,
			       "unknown key '%s' in an allowlist (supported: regexes, stopwords, "
			       "regexTarget, condition, description, paths, commits%s)",
			       key, ps->sec == SEC_GLOBAL_ALLOW ? ", targetRules" : "");
	}
	return 0;
}

static int top_key(struct parser *ps, const char *at, const char *key, struct value *v)
{
	if (strcmp(key, "title") && strcmp(key, "description") && strcmp(key, "minVersion"))
		return fail_at(ps, at,
			       "unknown key '%s' at the top level (supported: title, description, "
			       "minVersion; rules go in [[rules]])",
			       key);
	return want_kind(ps, at, key, v, V_STR);
}

static int note_key(struct parser *ps, const char *at, const char *key)
{
	size_t i;

	for (i = 0; i < ps->nseen; i++)
		if (!strcmp(ps->seen[i], key))
			return fail_at(ps, at, "key '%s' given twice in one table", key);
	if (ps->nseen >= MAX_KEYS)
		return fail_at(ps, at, "too many keys in one table");
	if (!(ps->seen[ps->nseen] = strdup(key)))
		return fail_at(ps, at, "out of memory");
	ps->nseen++;
	return 0;
}

static int key_value(struct parser *ps)
{
	const char *at = ps->p;
	char key[64];
	size_t n = 0;
	struct value v;
	int rc;

	if (*ps->p == '"' || *ps->p == '\'')
		return fail_at(ps, at, "quoted keys are not supported");
	while (ps->p < ps->end && n < sizeof(key) - 1 &&
	       strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", *ps->p) &&
	       *ps->p)
		key[n++] = *ps->p++;
	key[n] = 0;
	if (!n)
		return fail_at(ps, at, "expected a key, a table header or a comment");
	skip_blank(ps);
	if (ps->p < ps->end && *ps->p == '.')
		return fail_at(ps, at, "dotted keys are not supported");
	if (ps->p >= ps->end || *ps->p != '=')
		return fail_at(ps, at, "expected '=' after '%s'", key);
	ps->p++;
	skip_blank(ps);
	if (note_key(ps, at, key))
		return -1;
	if (value(ps, &v)) {
		value_free(&v); /* an array cut short holds strings */
		return -1;
	}
	switch (ps->sec) {
	case SEC_TOP: rc = top_key(ps, at, key, &v); break;
	case SEC_RULE: rc = rule_key(ps, at, key, &v); break;
	case SEC_RULE_ALLOW: {
		struct rule_b *r = &ps->rules[ps->n - 1];
		rc = allow_key(ps, at, key, &v, &r->allow[r->nallow - 1]);
		break;
	}
	default: rc = allow_key(ps, at, key, &v, &ps->global[ps->nglobal - 1]); break;
	}
	value_free(&v);
	return rc ? rc : end_of_line(ps);
}

/* --- rules into the redactor ------------------------------------------ */

static bool valid_id(const char *id)
{
	if (!*id || strlen(id) > 64)
		return false;
	for (; *id; id++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-",
			    *id))
			return false;
	return true;
}

/* Whether global allowlist a applies to the rule with this id. */
static bool targets(const struct allow_b *a, const char *id)
{
	size_t i;

	for (i = 0; i < a->target_rules.n; i++)
		if (!strcmp(a->target_rules.v[i], id))
			return true;
	return !a->target_rules.n;
}

static void to_spec_allow(const struct allow_b *a, struct redact_allow *s)
{
	s->regexes = (const char *const *)a->regexes.v;
	s->nregexes = a->regexes.n;
	s->stopwords = (const char *const *)a->stopwords.v;
	s->nstopwords = a->stopwords.n;
	s->target = a->target;
	s->all = a->all;
}

static int add_rule(struct parser *ps, struct redactor *rd, const struct rule_b *r)
{
	struct redact_allow allow[2 * MAX_ALLOWLISTS];
	struct redact_rule_spec s = {.name = r->id, .regex = r->regex, .group = r->group};
	const char *at = ps->buf + r->at;
	char err[384];
	size_t i;

	if (!r->id || !valid_id(r->id))
		return fail_at(ps, at,
			       r->id ? "rule id '%s': use letters, digits, '_', '.', '-'"
				     : "a rule needs an 'id'%s",
			       r->id ? r->id : "");
	if (r->has_path)
		return 0; /* matches file names */
	if (!r->regex || !*r->regex)
		return fail_at(ps, at, "rule '%s' needs a 'regex'", r->id);
	for (i = 0; i < r->nallow; i++)
		if (!(r->allow[i].all && r->allow[i].never))
			to_spec_allow(&r->allow[i], &allow[s.nallow++]);
	for (i = 0; i < ps->nglobal; i++)
		if (!(ps->global[i].all && ps->global[i].never) && targets(&ps->global[i], r->id))
			to_spec_allow(&ps->global[i], &allow[s.nallow++]);
	s.allow = allow;
	s.keywords = (const char *const *)r->keywords.v;
	s.nkeywords = r->keywords.n;
	s.entropy = r->entropy;
	if (redactor_add_rule(rd, &s, err, sizeof(err)))
		return fail_at(ps, at, "%s", err);
	return 0;
}

int redact_rules_parse(struct redactor *rd, const char *name, const char *buf, size_t len,
		       char *err, size_t errlen)
{
	struct parser ps = {.name = name, .buf = buf, .p = buf, .end = buf + len};
	const char *nul = memchr(buf, 0, len);
	int rc = 0, added = 0;
	size_t i;

	ps.err = err;
	ps.errlen = errlen;
	if (nul)
		return fail_at(&ps, nul, "NUL byte");
	while (!rc && ps.p < ps.end) {
		skip_blank(&ps);
		if (ps.p >= ps.end)
			break;
		if (*ps.p == '#' || *ps.p == '\n' || *ps.p == '\r')
			rc = end_of_line(&ps);
		else if (*ps.p == '[')
			rc = header(&ps);
		else
			rc = key_value(&ps);
	}
	for (i = 0; !rc && i < ps.n; i++) {
		size_t before = redactor_count(rd);
		rc = add_rule(&ps, rd, &ps.rules[i]);
		added += redactor_count(rd) > before;
	}
	if (!rc && !added)
		rc = fail_at(&ps, ps.end, "no [[rules]] with a regex in the file");
	parser_free(&ps);
	return rc ? -1 : added;
}

int redact_rules_load(struct redactor *rd, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;
	int rc;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(REDACT_RULES_MAX_BYTES + 1);
	n = buf ? fread(buf, 1, REDACT_RULES_MAX_BYTES + 1, f) : 0;
	fclose(f);
	if (!buf || n > REDACT_RULES_MAX_BYTES) {
		snprintf(err, errlen, "%s: %s", path, buf ? "larger than 4 MiB" : "out of memory");
		free(buf);
		return -1;
	}
	rc = redact_rules_parse(rd, path, buf, n, err, errlen);
	free(buf);
	return rc;
}
