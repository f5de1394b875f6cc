/* redact.c: the Redact stage's engine: compiles rules (PCRE2, JIT), finds
 * the strings that may hold a secret with a cheap prefilter, and replaces
 * secrets in one string. Records and argv: redact_record.c; the rules:
 * redact_builtin.c; the rule-file loader: redact_rules.c. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "pipeline/redact.h"

#include <ctype.h>
#include <math.h>
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pipeline/redact_builtin.h"
#include "pipeline/redact_engine.h"

#define REDACT_OVECTOR	   64	   /* capture pairs read per match */
#define REDACT_MATCH_LIMIT 1000000 /* backtracking steps per match */

struct allowlist {
	pcre2_code **re;
	size_t nre;
	char **stop; /* lower case */
	size_t nstop;
	enum redact_target target;
	bool all;
};

struct rule {
	char *name;
	pcre2_code *re;
	int group; /* >= 0, or REDACT_FIRST_GROUP */
	double entropy;
	uint32_t *hint; /* indices into redactor.hints; none: always run */
	size_t nhint;
	struct allowlist *allow;
	size_t nallow;
};

#define HINT_BUCKETS 1024

struct hint {
	char *s; /* lower case */
	size_t len;
	uint32_t next; /* the next hint in its bucket, + 1; 0: none */
};

struct redactor {
	struct rule *rules;
	size_t n, cap;
	/* Every distinct hint. A string that passes the prefilter is
	 * lower-cased once and scanned once: where its first bytes' bit is
	 * set, the hints of that bucket (first 2 or 3 bytes) are compared. */
	struct hint *hints;
	size_t nhints, hcap;
	uint32_t tri_head[HINT_BUCKETS], bi_head[HINT_BUCKETS]; /* hint + 1; 0: empty */
	/* Prefilter: the first three (lower-cased) bytes of every hint, hashed
	 * into a bitmap (two for two-byte hints). A string in which none of
	 * these occurs holds no hint, so only hint-less rules could match it;
	 * most strings are dismissed by one pass without copying. */
	uint8_t trigram[65536 / 8], bigram[65536 / 8];
	unsigned char lower[256];
	bool prefilter; /* false: a hint shorter than 2 bytes, or a hint-less rule */
	pcre2_code *flag_re;
	pcre2_match_context *mctx;
};

static __thread pcre2_match_data *tls_md;

static pcre2_match_data *match_data(void)
{
	if (!tls_md)
		tls_md = pcre2_match_data_create(REDACT_OVECTOR, NULL);
	return tls_md;
}

static pcre2_code *compile_re(const char *name, const char *re, bool icase, char *err,
			      size_t errlen)
{
	PCRE2_SIZE off;
	int code;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
				      icase ? PCRE2_CASELESS : 0, &code, &off, NULL);

	if (!c) {
		PCRE2_UCHAR msg[128];
		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, errlen, "redaction rule '%s': bad regex at offset %zu: %s", name,
			 (size_t)off, (char *)msg);
		return NULL;
	}
	pcre2_jit_compile(c, PCRE2_JIT_COMPLETE); /* else interpreted */
	return c;
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

static void index_prefix(struct redactor *rd, uint32_t k)
{
	const unsigned char *h = (const unsigned char *)rd->hints[k].s;
	uint32_t *head;

	if (!h[0] || !h[1]) {
		rd->prefilter = false; /* found by strstr */
		return;
	}
	if (!h[2]) {
		set_bit(rd->bigram, (h[0] << 8) | h[1]);
		head = &rd->bi_head[((h[0] << 8) | h[1]) % HINT_BUCKETS];
	} else {
		set_bit(rd->trigram, tri_hash(h[0], h[1], h[2]));
		head = &rd->tri_head[tri_hash(h[0], h[1], h[2]) % HINT_BUCKETS];
	}
	rd->hints[k].next = *head;
	*head = k + 1;
}

bool redact_may_hint(const struct redactor *rd, const char *s)
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

static char *lower_dup(const char *s)
{
	char *d = strdup(s), *c;

	for (c = d; c && *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return d;
}

/* The index of hint h in the hint set, added if new; -1 on no memory. */
static long hint_index(struct redactor *rd, const char *h)
{
	size_t k;

	for (k = 0; k < rd->nhints; k++)
		if (!strcasecmp(rd->hints[k].s, h))
			return (long)k;
	if (rd->nhints == rd->hcap) {
		size_t cap = rd->hcap ? rd->hcap * 2 : 64;
		struct hint *v = realloc(rd->hints, cap * sizeof(*v));
		if (!v)
			return -1;
		rd->hints = v;
		rd->hcap = cap;
	}
	if (!(rd->hints[rd->nhints].s = lower_dup(h)))
		return -1;
	rd->hints[rd->nhints].len = strlen(h);
	index_prefix(rd, (uint32_t)rd->nhints);
	return (long)rd->nhints++;
}

static void free_allowlist(struct allowlist *a)
{
	size_t i;

	for (i = 0; i < a->nre; i++)
		pcre2_code_free(a->re[i]);
	for (i = 0; i < a->nstop; i++)
		free(a->stop[i]);
	free(a->re);
	free(a->stop);
}

static void free_rule(struct rule *ru)
{
	size_t i;

	pcre2_code_free(ru->re);
	free(ru->name);
	free(ru->hint);
	for (i = 0; i < ru->nallow; i++)
		free_allowlist(&ru->allow[i]);
	free(ru->allow);
	memset(ru, 0, sizeof(*ru));
}

static int build_allowlist(struct allowlist *a, const char *name, const struct redact_allow *s,
			   char *err, size_t errlen)
{
	size_t i;

	a->target = s->target;
	a->all = s->all;
	a->re = calloc(s->nregexes + 1, sizeof(*a->re));
	a->stop = calloc(s->nstopwords + 1, sizeof(*a->stop));
	if (!a->re || !a->stop)
		return -1;
	for (i = 0; i < s->nregexes; i++, a->nre++)
		if (!(a->re[i] = compile_re(name, s->regexes[i], false, err, errlen)))
			return -1;
	for (i = 0; i < s->nstopwords; i++, a->nstop++)
		if (!(a->stop[i] = lower_dup(s->stopwords[i])))
			return -1;
	return 0;
}

static int build_rule(struct redactor *rd, struct rule *ru, const struct redact_rule_spec *s,
		      char *err, size_t errlen)
{
	uint32_t ncap = 0;
	size_t i;

	snprintf(err, errlen, "redaction rule '%s': out of memory", s->name);
	if (!(ru->name = strdup(s->name)))
		return -1;
	if (!(ru->re = compile_re(s->name, s->regex, s->icase, err, errlen)))
		return -1;
	pcre2_pattern_info(ru->re, PCRE2_INFO_CAPTURECOUNT, &ncap);
	if (s->group < REDACT_FIRST_GROUP || (s->group > 0 && (uint32_t)s->group > ncap)) {
		snprintf(err, errlen, "redaction rule '%s': group %d but the regex has %u", s->name,
			 s->group, ncap);
		return -1;
	}
	ru->group = s->group;
	ru->entropy = s->entropy;
	if (s->nkeywords && !(ru->hint = calloc(s->nkeywords, sizeof(*ru->hint))))
		return -1;
	for (i = 0; i < s->nkeywords; i++) {
		long k = hint_index(rd, s->keywords[i]);
		if (k < 0)
			return -1;
		ru->hint[ru->nhint++] = (uint32_t)k;
	}
	if (!ru->nhint)
		rd->prefilter = false; /* a rule without hints always runs */
	if (s->nallow && !(ru->allow = calloc(s->nallow, sizeof(*ru->allow))))
		return -1;
	for (i = 0; i < s->nallow; i++) /* counted first: freed if half built */
		if (build_allowlist(&ru->allow[ru->nallow++], s->name, &s->allow[i], err, errlen))
			return -1;
	return 0;
}

int redactor_add_rule(struct redactor *rd, const struct redact_rule_spec *spec, char *err,
		      size_t errlen)
{
	struct rule *ru;

	if (rd->n == rd->cap) {
		size_t cap = rd->cap ? rd->cap * 2 : 64;
		struct rule *v = realloc(rd->rules, cap * sizeof(*v));
		if (!v) {
			snprintf(err, errlen, "redaction rule '%s': out of memory", spec->name);
			return -1;
		}
		rd->rules = v;
		rd->cap = cap;
	}
	ru = &rd->rules[rd->n];
	memset(ru, 0, sizeof(*ru));
	if (build_rule(rd, ru, spec, err, errlen)) {
		free_rule(ru);
		return -1;
	}
	rd->n++;
	return 0;
}

int redactor_add(struct redactor *rd, const char *name, const char *regex, int group, char *err,
		 size_t errlen)
{
	struct redact_rule_spec s = {.name = name, .regex = regex, .group = group};

	if (group < 0) {
		snprintf(err, errlen, "redaction rule '%s': group must be >= 0", name);
		return -1;
	}
	return redactor_add_rule(rd, &s, err, errlen);
}

static int add_builtin(struct redactor *rd, const struct redact_builtin *b)
{
	struct redact_rule_spec s = {
		.name = b->name, .regex = b->re, .group = b->group, .icase = b->icase};
	char err[256];

	s.keywords = b->hints;
	while (s.nkeywords < REDACT_BUILTIN_HINTS && b->hints[s.nkeywords])
		s.nkeywords++;
	if (redactor_add_rule(rd, &s, err, sizeof(err))) {
		fprintf(stderr, "proctor: internal: %s\n", err);
		return -1;
	}
	return 0;
}

struct redactor *redactor_new(bool builtin_rules)
{
	struct redactor *rd = calloc(1, sizeof(*rd));
	char err[256];
	size_t i;

	if (!rd)
		return NULL;
	rd->prefilter = true;
	for (i = 0; i < 256; i++)
		rd->lower[i] = (unsigned char)tolower((int)i);
	rd->mctx = pcre2_match_context_create(NULL);
	rd->flag_re = compile_re("secret_argument", redact_secret_flag_re, true, err, sizeof(err));
	if (!rd->mctx || !rd->flag_re) {
		redactor_free(rd);
		return NULL;
	}
	pcre2_set_match_limit(rd->mctx, REDACT_MATCH_LIMIT);
	for (i = 0; builtin_rules && i < redact_nbuiltins; i++)
		add_builtin(rd, &redact_builtins[i]);
	return rd;
}

void redactor_free(struct redactor *rd)
{
	size_t i;

	if (!rd)
		return;
	for (i = 0; i < rd->n; i++)
		free_rule(&rd->rules[i]);
	for (i = 0; i < rd->nhints; i++)
		free(rd->hints[i].s);
	free(rd->rules);
	free(rd->hints);
	pcre2_code_free(rd->flag_re);
	pcre2_match_context_free(rd->mctx);
	free(rd);
}

size_t redactor_count(const struct redactor *rd)
{
	return rd->n;
}

static void mark(const struct redactor *rd, uint32_t head, const char *at, size_t left,
		 uint64_t *present)
{
	for (; head; head = rd->hints[head - 1].next) {
		const struct hint *h = &rd->hints[head - 1];
		if (h->len <= left && !memcmp(at, h->s, h->len))
			present[(head - 1) / 64] |= 1ull << ((head - 1) % 64);
	}
}

/* Which hints occur in s (case-insensitively): a bitmap, one bit a hint. */
static void present_hints(const struct redactor *rd, const char *s, struct strbuf *lower,
			  uint64_t *present)
{
	size_t i, n = strlen(s), words = (rd->nhints + 63) / 64;
	const unsigned char *b;

	memset(present, 0, words * sizeof(*present));
	sb_reset(lower);
	if (sb_grow(lower, n)) {
		memset(present, 0xff, words * sizeof(*present));
		return;
	}
	for (i = 0; i < n; i++)
		lower->buf[i] = (char)rd->lower[(unsigned char)s[i]];
	lower->buf[n] = 0;
	lower->len = n;
	b = (const unsigned char *)lower->buf;
	for (i = 0; i + 1 < n; i++) {
		unsigned bi = (b[i] << 8) | b[i + 1], tri;
		if (get_bit(rd->bigram, bi))
			mark(rd, rd->bi_head[bi % HINT_BUCKETS], lower->buf + i, n - i, present);
		if (i + 2 < n && get_bit(rd->trigram, (tri = tri_hash(b[i], b[i + 1], b[i + 2]))))
			mark(rd, rd->tri_head[tri % HINT_BUCKETS], lower->buf + i, n - i, present);
	}
	for (i = 0; !rd->prefilter && i < rd->nhints; i++)
		if (rd->hints[i].len < 2 && strstr(lower->buf, rd->hints[i].s))
			present[i / 64] |= 1ull << (i % 64);
}

static bool hinted(const struct rule *ru, const uint64_t *present)
{
	size_t i;

	if (!ru->nhint)
		return true;
	for (i = 0; i < ru->nhint; i++)
		if (present[ru->hint[i] / 64] & (1ull << (ru->hint[i] % 64)))
			return true;
	return false;
}

void redact_note_name(const char *name, const char **names, size_t *nnames, size_t max)
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

/* Shannon entropy of s[0..n), bits per byte. */
static double entropy(const char *s, size_t n)
{
	unsigned count[256] = {0};
	double h = 0;
	size_t i;

	for (i = 0; i < n; i++)
		count[(unsigned char)s[i]]++;
	for (i = 0; i < 256; i++)
		if (count[i]) {
			double p = (double)count[i] / (double)n;
			h -= p * log2(p);
		}
	return h;
}

static bool contains_ci(const char *s, size_t n, const char *lower_needle)
{
	size_t m = strlen(lower_needle), i, j;

	for (i = 0; m <= n && i <= n - m; i++) {
		for (j = 0; j < m && tolower((unsigned char)s[i + j]) == lower_needle[j]; j++)
			;
		if (j == m)
			return true;
	}
	return false;
}

/* A found secret s[so,eo) in match [ms,me) of line[0,len). */
struct finding {
	const char *line;
	size_t len, ms, me, so, eo;
};

static bool allowed_by(const struct allowlist *a, const struct finding *f, pcre2_match_data *md,
		       pcre2_match_context *mctx)
{
	size_t from = a->target == REDACT_TARGET_LINE	 ? 0
		      : a->target == REDACT_TARGET_MATCH ? f->ms
							 : f->so;
	size_t to = a->target == REDACT_TARGET_LINE    ? f->len
		    : a->target == REDACT_TARGET_MATCH ? f->me
						       : f->eo;
	bool re_hit = false, stop_hit = false;
	size_t i;

	for (i = 0; i < a->nre && !re_hit; i++)
		re_hit = pcre2_match(a->re[i], (PCRE2_SPTR)f->line + from, to - from, 0, 0, md,
				     mctx) >= 0;
	for (i = 0; i < a->nstop && !stop_hit; i++)
		stop_hit = contains_ci(f->line + f->so, f->eo - f->so, a->stop[i]);
	if (a->all)
		return (!a->nre || re_hit) && (!a->nstop || stop_hit) && (a->nre || a->nstop);
	return re_hit || stop_hit;
}

/* Whether a finding is a secret to replace. */
static bool is_secret(const struct redactor *rd, const struct rule *ru, const struct finding *f,
		      pcre2_match_data *md)
{
	size_t i;

	if (f->eo <= f->so || !strncmp(f->line + f->so, MARKER, sizeof(MARKER) - 1))
		return false; /* nothing, or already redacted */
	if (ru->entropy > 0 && entropy(f->line + f->so, f->eo - f->so) < ru->entropy)
		return false;
	for (i = 0; i < ru->nallow; i++)
		if (allowed_by(&ru->allow[i], f, md, rd->mctx))
			return false;
	return true;
}

/* The secret's span in a match with rc groups (ov = the ovector). */
static void secret_span(const struct rule *ru, const PCRE2_SIZE *ov, int rc, struct finding *f)
{
	int g = ru->group, i;

	if (g == REDACT_FIRST_GROUP)
		for (g = 0, i = 1; i < rc && !g; i++)
			if (ov[2 * i] != PCRE2_UNSET && ov[2 * i + 1] > ov[2 * i])
				g = i;
	if (g >= rc || ov[2 * g] == PCRE2_UNSET) {
		f->so = f->eo = f->ms;
		return;
	}
	f->so = ov[2 * g];
	f->eo = ov[2 * g + 1];
}

/* Apply one rule to in, appending to out. Returns replacements. A match
 * that fails for a limit (not "no match") redacts the rest: fail closed. */
static int apply_rule(const struct redactor *rd, const struct rule *ru, const char *in,
		      struct strbuf *out)
{
	pcre2_match_data *md = match_data();
	struct finding f = {.line = in, .len = strlen(in)};
	size_t pos = 0, copied = 0;
	int hits = 0, rc;

	if (!md)
		return 0;
	while (pos <= f.len) {
		const PCRE2_SIZE *ov;
		rc = pcre2_match(ru->re, (PCRE2_SPTR)in, f.len, pos, 0, md, rd->mctx);
		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc < 0) {
			sb_append(out, in + copied, pos - copied);
			sb_printf(out, MARKER "%s]", ru->name);
			copied = f.len;
			hits++;
			break;
		}
		ov = pcre2_get_ovector_pointer(md);
		f.ms = ov[0];
		f.me = ov[1];
		secret_span(ru, ov, rc ? rc : REDACT_OVECTOR, &f);
		if (is_secret(rd, ru, &f, md) && f.so >= copied) {
			sb_append(out, in + copied, f.so - copied);
			sb_printf(out, MARKER "%s]", ru->name);
			copied = f.eo;
			hits++;
		}
		pos = f.me > f.eo ? f.me : f.eo;
		if (pos <= f.ms)
			pos = f.ms + 1;
	}
	if (copied < f.len)
		sb_append(out, in + copied, f.len - copied);
	return hits;
}

int redact_hinted(const struct redactor *rd, const char *in, struct strbuf *out, const char **names,
		  size_t *nnames, size_t max)
{
	struct strbuf tmp = STRBUF_INIT;
	uint64_t stack_present[8], *present = stack_present;
	size_t i, words = (rd->nhints + 63) / 64;
	int total = 0;

	sb_reset(out);
	sb_puts(out, in);
	if (!rd->n)
		return 0;
	if (words > 8 && !(present = calloc(words, sizeof(*present))))
		return 0;
	present_hints(rd, in, &tmp, present);
	for (i = 0; i < rd->n; i++) {
		const struct rule *ru = &rd->rules[i];
		int hits;
		if (!hinted(ru, present))
			continue;
		sb_reset(&tmp);
		hits = apply_rule(rd, ru, sb_cstr(out), &tmp);
		if (hits) {
			struct strbuf swap = *out;
			*out = tmp;
			tmp = swap;
			total += hits;
			redact_note_name(ru->name, names, nnames, max);
		}
	}
	if (present != stack_present)
		free(present);
	sb_free(&tmp);
	return total;
}

int redact_string(const struct redactor *rd, const char *in, struct strbuf *out, const char **names,
		  size_t *nnames, size_t max)
{
	if (!redact_may_hint(rd, in)) {
		sb_reset(out);
		sb_puts(out, in);
		return 0;
	}
	return redact_hinted(rd, in, out, names, nnames, max);
}

bool redact_is_secret_flag(const struct redactor *rd, const char *s)
{
	pcre2_match_data *md;

	if (s[0] != '-' || !(md = match_data()))
		return false;
	return pcre2_match(rd->flag_re, (PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, 0, 0, md, rd->mctx) >=
	       0;
}
