/* redact.c: the Redact stage: built-in secret rules, user regexes (POSIX
 * ERE), and in-place redaction of record fields and session argv. */
#include "pipeline/redact.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <stdint.h>

#define REDACT_MAX_RULES 64
#define REDACT_MAX_HINTS 8

struct rule {
	char *name;
	regex_t re;
	int group;
	/* Cheap pre-check: the rule can only match when one of these
	 * substrings occurs (case-insensitively). None: always run. */
	const char *hints[REDACT_MAX_HINTS];
};

#define REDACT_MAX_HINT_SET 64

struct redactor {
	struct rule rules[REDACT_MAX_RULES];
	size_t n;
	/* Every distinct hint (lower case) and, per rule, a mask of its hints:
	 * a string is lower-cased once and each hint searched once. */
	char hint_set[REDACT_MAX_HINT_SET][24];
	size_t nhints;
	uint64_t rule_mask[REDACT_MAX_RULES];
	/* Prefilter: the first three (lower-cased) bytes of every hint, hashed
	 * into a bitmap (two for two-byte hints). A string in which none of
	 * these occurs holds no hint, so only hint-less rules could match it;
	 * most strings are dismissed by one pass without copying. */
	uint8_t trigram[65536 / 8], bigram[65536 / 8];
	unsigned char lower[256];
	bool prefilter; /* false: a hint shorter than 2 bytes, or a hint-less rule */
};

struct builtin {
	const char *name, *re;
	int group, flags;
	const char *hints[REDACT_MAX_HINTS];
};

/* Ordered: specific token shapes first, generic key=value pairs last. */
static const struct builtin builtins[] = {
	{"private_key",
	 "-----BEGIN[ A-Z0-9]*PRIVATE KEY-----([^-]|-[^-]|--[^-]|---[^-]|----[^-])*(-----END[ "
	 "A-Z0-9]*PRIVATE KEY-----)?",
	 0,
	 0,
	 {"PRIVATE KEY"}},
	{"aws_access_key",
	 "(AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}",
	 0,
	 0,
	 {"AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA"}},
	{"aws_secret_key",
	 "aws_?secret_?(access_?)?key[\"']?[[:space:]]*[:=][[:space:]]*[\"']?([A-Za-z0-9/+=]{40})",
	 2,
	 REG_ICASE,
	 {"secret"}},
	{"github_token",
	 "(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}",
	 0,
	 0,
	 {"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}},
	{"github_token", "github_pat_[A-Za-z0-9_]{20,}", 0, 0, {"github_pat_"}},
	{"gitlab_token",
	 "gl(pat|dt|ptt|rt|cbt|soat|ft|imt|agent)-[A-Za-z0-9_-]{20,}",
	 0,
	 0,
	 {"gl"}},
	{"slack_token", "xox[abposre]-[A-Za-z0-9-]{10,}", 0, 0, {"xox"}},
	{"slack_webhook",
	 "hooks\\.slack\\.com/services/[A-Za-z0-9/_-]+",
	 0,
	 0,
	 {"hooks.slack.com"}},
	{"jwt", "eyJ[A-Za-z0-9_-]{4,}\\.eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*", 0, 0, {"eyJ"}},
	{"bearer_token", "bearer[[:space:]]+([A-Za-z0-9._~+/=-]{8,})", 1, REG_ICASE, {"bearer"}},
	{"basic_auth", "basic[[:space:]]+([A-Za-z0-9+/=]{8,})", 1, REG_ICASE, {"basic"}},
	{"url_credentials",
	 "[A-Za-z][A-Za-z0-9+.-]*://[^/:@[:space:]]*:([^/@[:space:]]+)@",
	 1,
	 0,
	 {"://"}},
	{"secret_argument",
	 "(^|[[:space:]])--?([A-Za-z0-9]+[_-])*(password|passwd|passphrase|pass|secret|token|api[_-"
	 "]?key|"
	 "apikey|access[_-]?key|client[_-]?secret|auth)[[:space:]]+([^[:space:]-][^[:space:]]*)",
	 4,
	 REG_ICASE,
	 {"pass", "secret", "token", "key", "auth"}},
	{"password_pair",
	 "(password|passwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-"
	 "]?key|"
	 "client[_-]?secret|credentials?|auth)[\"']?[[:space:]]*[=:][[:space:]]*[\"']?([^[:space:]"
	 "\"'&;,]+)",
	 2,
	 REG_ICASE,
	 {"pass", "secret", "token", "key", "auth", "credential"}},
};

/* argv flags whose *next* element is a secret ("--password hunter2"). */
static const char *const secret_flags =
	"^--?([A-Za-z0-9]+[_-])*(password|passwd|passphrase|pass|secret|token|api[_-]?key|apikey|"
	"access[_-]?key|client[_-]?secret|auth)$";

static regex_t flag_re;
static int flag_re_ok;

static int compile(struct rule *ru, const char *name, const char *re, int group, int flags,
		   char *err, size_t errlen)
{
	int rc = regcomp(&ru->re, re, REG_EXTENDED | flags);

	if (rc) {
		char msg[128];
		regerror(rc, &ru->re, msg, sizeof(msg));
		snprintf(err, errlen, "redaction rule '%s': bad regex: %s", name, msg);
		return -1;
	}
	if ((size_t)group > ru->re.re_nsub) {
		regfree(&ru->re);
		snprintf(err, errlen, "redaction rule '%s': group %d but the regex has %zu", name,
			 group, ru->re.re_nsub);
		return -1;
	}
	ru->name = strdup(name);
	ru->group = group;
	return ru->name ? 0 : -1;
}

static unsigned tri_hash(unsigned a, unsigned b, unsigned c)
{
	return (((a << 16) | (b << 8) | c) * 2654435761u) >> 16;
}

static void set_bit(uint8_t *map, unsigned b)
{
	map[b >> 3] |= (uint8_t)(1u << (b & 7));
}

static bool get_bit(const uint8_t *map, unsigned b)
{
	return map[b >> 3] & (1u << (b & 7));
}

static void index_bigram(struct redactor *rd, const char *hint)
{
	const unsigned char *h = (const unsigned char *)hint;

	if (!h[0] || !h[1])
		rd->prefilter = false;
	else if (!h[2])
		set_bit(rd->bigram, (h[0] << 8) | h[1]);
	else
		set_bit(rd->trigram, tri_hash(h[0], h[1], h[2]));
}

/* false when no hint can occur in s (see struct redactor). */
static bool may_hint(const struct redactor *rd, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned a, b, c;

	if (!rd->prefilter)
		return true;
	if (!p[0] || !p[1])
		return false;
	a = rd->lower[p[0]];
	b = rd->lower[p[1]];
	for (p += 2;; p++) {
		if (get_bit(rd->bigram, (a << 8) | b))
			return true;
		if (!*p)
			return false;
		c = rd->lower[*p];
		if (get_bit(rd->trigram, tri_hash(a, b, c)))
			return true;
		a = b;
		b = c;
	}
}

/* Record rule i's hints in the redactor's hint set. Hints are lower case
 * (searched in a lower-cased copy); a rule without hints always runs. */
static void index_hints(struct redactor *rd, size_t i)
{
	size_t j, k;

	rd->rule_mask[i] = 0;
	for (j = 0; j < REDACT_MAX_HINTS && rd->rules[i].hints[j]; j++) {
		for (k = 0; k < rd->nhints; k++)
			if (!strcasecmp(rd->hint_set[k], rd->rules[i].hints[j]))
				break;
		if (k == rd->nhints) {
			if (rd->nhints >= REDACT_MAX_HINT_SET) {
				rd->rule_mask[i] = UINT64_MAX; /* cannot index: always run */
				return;
			}
			snprintf(rd->hint_set[rd->nhints], sizeof(rd->hint_set[0]), "%s",
				 rd->rules[i].hints[j]);
			for (char *c = rd->hint_set[rd->nhints]; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			index_bigram(rd, rd->hint_set[rd->nhints]);
			rd->nhints++;
		}
		rd->rule_mask[i] |= 1ull << k;
	}
}

struct redactor *redactor_new(bool builtin_rules)
{
	struct redactor *rd = calloc(1, sizeof(*rd));
	char err[256];
	size_t i, j;

	if (!rd)
		return NULL;
	rd->prefilter = true;
	for (i = 0; i < 256; i++)
		rd->lower[i] = (unsigned char)tolower((int)i);
	if (!flag_re_ok)
		flag_re_ok = regcomp(&flag_re, secret_flags, REG_EXTENDED | REG_ICASE | REG_NOSUB)
				     ? -1
				     : 1;
	for (i = 0; builtin_rules && i < sizeof(builtins) / sizeof(builtins[0]); i++) {
		struct rule *ru = &rd->rules[rd->n];
		if (compile(ru, builtins[i].name, builtins[i].re, builtins[i].group,
			    builtins[i].flags, err, sizeof(err))) {
			fprintf(stderr, "proctor: internal: %s\n", err);
			continue;
		}
		for (j = 0; j < REDACT_MAX_HINTS; j++)
			ru->hints[j] = builtins[i].hints[j];
		index_hints(rd, rd->n);
		rd->n++;
	}
	return rd;
}

void redactor_free(struct redactor *rd)
{
	size_t i;

	if (!rd)
		return;
	for (i = 0; i < rd->n; i++) {
		regfree(&rd->rules[i].re);
		free(rd->rules[i].name);
	}
	free(rd);
}

int redactor_add(struct redactor *rd, const char *name, const char *regex, int group, char *err,
		 size_t errlen)
{
	if (rd->n >= REDACT_MAX_RULES) {
		snprintf(err, errlen, "too many redaction rules (max %d)", REDACT_MAX_RULES);
		return -1;
	}
	if (group < 0) {
		snprintf(err, errlen, "redaction rule '%s': group must be >= 0", name);
		return -1;
	}
	if (compile(&rd->rules[rd->n], name, regex, group, 0, err, errlen))
		return -1;
	rd->prefilter = false; /* a user rule has no hints: it always runs */
	rd->n++;
	return 0;
}

size_t redactor_count(const struct redactor *rd)
{
	return rd->n;
}

/* Which hints occur in s (case-insensitively). */
static uint64_t present_hints(const struct redactor *rd, const char *s, struct strbuf *lower)
{
	uint64_t m = 0;
	size_t i, n = strlen(s);

	sb_reset(lower);
	if (sb_grow(lower, n))
		return UINT64_MAX;
	for (i = 0; i < n; i++)
		lower->buf[i] = (char)tolower((unsigned char)s[i]);
	lower->buf[n] = 0;
	lower->len = n;
	for (i = 0; i < rd->nhints; i++)
		if (strstr(lower->buf, rd->hint_set[i]))
			m |= 1ull << i;
	return m;
}

static bool hinted(const struct redactor *rd, size_t i, uint64_t present)
{
	return !rd->rules[i].hints[0] || (rd->rule_mask[i] & present);
}

static void note_name(const char *name, const char **names, size_t *nnames, size_t max)
{
	size_t i;

	if (!names || !nnames)
		return;
	for (i = 0; i < *nnames; i++)
		if (!strcmp(names[i], name))
			return;
	if (*nnames < max)
		names[(*nnames)++] = name;
}

/* Apply one rule to in, appending to out. Returns replacements. */
static int apply_rule(const struct rule *ru, const char *in, struct strbuf *out)
{
	const char *p = in;
	regmatch_t m[10];
	int hits = 0;

	while (*p && !regexec(&ru->re, p, 10, m, p == in ? 0 : REG_NOTBOL)) {
		regmatch_t g = m[ru->group];
		if (g.rm_so < 0 || g.rm_eo <= g.rm_so || !strncmp(p + g.rm_so, "[REDACTED:", 10)) {
			/* Nothing (or already redacted) to replace: move past it. */
			regoff_t adv = m[0].rm_eo > 0 ? m[0].rm_eo : 1;
			sb_append(out, p, (size_t)adv);
			p += adv;
			continue;
		}
		sb_append(out, p, (size_t)g.rm_so);
		sb_printf(out, "[REDACTED:%s]", ru->name);
		sb_append(out, p + g.rm_eo, (size_t)(m[0].rm_eo - g.rm_eo));
		p += m[0].rm_eo > g.rm_eo ? m[0].rm_eo : g.rm_eo;
		hits++;
	}
	sb_puts(out, p);
	return hits;
}

int redact_string(const struct redactor *rd, const char *in, struct strbuf *out, const char **names,
		  size_t *nnames, size_t max)
{
	struct strbuf tmp = STRBUF_INIT;
	uint64_t present;
	int total = 0;
	size_t i;

	sb_reset(out);
	sb_puts(out, in);
	if (!may_hint(rd, in))
		return 0;
	present = present_hints(rd, in, &tmp);
	if (!present) {
		/* Only hint-less (user) rules can match. */
		for (i = 0; i < rd->n && rd->rules[i].hints[0]; i++)
			;
		if (i == rd->n) {
			sb_free(&tmp);
			return 0;
		}
	}
	for (i = 0; i < rd->n; i++) {
		const struct rule *ru = &rd->rules[i];
		int hits;
		if (!hinted(rd, i, present))
			continue;
		sb_reset(&tmp);
		hits = apply_rule(ru, sb_cstr(out), &tmp);
		if (hits) {
			struct strbuf swap = *out;
			*out = tmp;
			tmp = swap;
			total += hits;
			note_name(ru->name, names, nnames, max);
		}
	}
	sb_free(&tmp);
	return total;
}

/* Keys that never carry user-controlled text: skip them for speed. */
static bool skip_key_slow(const char *k)
{
	static const char *const skip[] = {"time",
					   "type",
					   "session",
					   "host.name",
					   "event.outcome",
					   "error.code",
					   "file.access",
					   "network.type",
					   "network.transport",
					   "event.severity",
					   "redaction.rules",
					   "verdict",
					   "dns.question.type",
					   "dns.response_code",
					   "file.flags",
					   "process.name",
					   "memory.protection",
					   "escape.category",
					   "privilege.operation",
					   "file.operation"};
	size_t i;
	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (!strcmp(k, skip[i]))
			return true;
	return false;
}

/* Field keys are static strings (record.h), so the answer per key pointer
 * never changes: a small per-thread cache spares 20 strcmp per field. */
static bool skip_key(const char *k)
{
	static __thread struct {
		const char *key;
		bool skip;
	} cache[256];
	size_t h = ((uintptr_t)k >> 3) & 255;

	if (cache[h].key != k) {
		cache[h].skip = skip_key_slow(k);
		cache[h].key = k;
	}
	return cache[h].skip;
}

static bool is_secret_flag(const char *s)
{
	return flag_re_ok > 0 && s[0] == '-' && !regexec(&flag_re, s, 0, NULL, 0);
}

/* Redact one string in place into the record arena; returns hits. */
static int redact_in_arena(const struct redactor *rd, struct record *r, const char **slot,
			   struct strbuf *sb, const char **names, size_t *nn, size_t max)
{
	int hits;
	char *c;

	if (!may_hint(rd, *slot))
		return 0;
	hits = redact_string(rd, *slot, sb, names, nn, max);
	if (!hits)
		return 0;
	c = record_strndup(r, sb->buf, sb->len);
	if (c)
		*slot = c;
	else
		*slot = "[REDACTED:out_of_memory]";
	return hits;
}

int redact_record(const struct redactor *rd, struct record *r)
{
	struct strbuf sb = STRBUF_INIT;
	const char *names[REDACT_MAX_RULES];
	size_t nn = 0;
	int hits = 0;
	uint32_t i, j;

	if (!rd || !rd->n)
		return 0;
	for (i = 0; i < r->nf; i++) {
		struct field *f = &r->f[i];
		if (skip_key(f->key))
			continue;
		if (f->kind == FIELD_STR) {
			hits += redact_in_arena(rd, r, &f->s, &sb, names, &nn, REDACT_MAX_RULES);
		} else if (f->kind == FIELD_STRV) {
			const char **v = (const char **)f->sv.v;
			for (j = 0; j < f->sv.n; j++) {
				if (j && is_secret_flag(v[j - 1]) &&
				    strncmp(v[j], "[REDACTED:", 10)) {
					v[j] = "[REDACTED:secret_argument]";
					note_name("secret_argument", names, &nn, REDACT_MAX_RULES);
					hits++;
					continue;
				}
				hits += redact_in_arena(rd, r, &v[j], &sb, names, &nn,
							REDACT_MAX_RULES);
			}
		}
	}
	if (nn && !record_get(r, "redaction.rules"))
		record_add_strv(r, "redaction.rules", names, (uint32_t)nn);
	sb_free(&sb);
	return hits;
}

char **redact_argv(const struct redactor *rd, char *const *argv)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = 0, i;
	char **out;

	while (argv && argv[n])
		n++;
	out = calloc(n + 1, sizeof(*out));
	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		if (i && is_secret_flag(argv[i - 1]))
			out[i] = strdup("[REDACTED:secret_argument]");
		else if (rd && redact_string(rd, argv[i], &sb, NULL, NULL, 0))
			out[i] = strdup(sb_cstr(&sb));
		else
			out[i] = strdup(argv[i]);
	}
	sb_free(&sb);
	return out;
}

void redact_argv_free(char **argv)
{
	size_t i;
	for (i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}
