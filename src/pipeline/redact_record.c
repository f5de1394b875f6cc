/* redact_record.c: the Redact stage applied to a record and to a session's
 * argv: every string field except a few fixed-vocabulary ones, the element
 * after a secret flag, and process.command_line rebuilt from the redacted
 * process.command_args (see redact.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/redact.h"
#include "pipeline/redact_engine.h"
#include "util/shquote.h"

#define REDACT_MAX_NAMES 64 /* rule names noted per record */

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

struct names {
	const char *v[REDACT_MAX_NAMES];
	size_t n;
};

/* Redact one string in place into the record arena; returns hits. */
static int redact_in_arena(const struct redactor *rd, struct record *r, const char **slot,
			   struct strbuf *sb, struct names *nm)
{
	int hits;
	char *c;

	if (!redact_may_hint(rd, *slot))
		return 0;
	hits = redact_hinted(rd, *slot, sb, nm->v, &nm->n, REDACT_MAX_NAMES);
	if (!hits)
		return 0;
	c = record_strndup(r, sb->buf, sb->len);
	*slot = c ? c : MARKER "out_of_memory]";
	return hits;
}

static int redact_strv(const struct redactor *rd, struct record *r, struct field *f,
		       struct strbuf *sb, struct names *nm)
{
	const char **v = (const char **)f->sv.v;
	int hits = 0;
	uint32_t j;

	for (j = 0; j < f->sv.n; j++) {
		if (j && redact_is_secret_flag(rd, v[j - 1]) &&
		    strncmp(v[j], MARKER, sizeof(MARKER) - 1)) {
			v[j] = MARKER "secret_argument]";
			redact_note_name("secret_argument", nm->v, &nm->n, REDACT_MAX_NAMES);
			hits++;
			continue;
		}
		hits += redact_in_arena(rd, r, &v[j], sb, nm);
	}
	return hits;
}

/* process.command_line is derived from process.command_args (the one
 * quoting function, util/shquote.h): when an argument was redacted, the
 * line is rebuilt from the redacted arguments rather than redacted on its
 * own, where quoting ('\'') can hide a secret from the rules. Otherwise
 * the line is redacted as a whole (a secret that spans arguments). */
static int redact_command_line(const struct redactor *rd, struct record *r, struct field *line,
			       const struct field *args, int arg_hits, struct strbuf *sb,
			       struct names *nm)
{
	char *c;

	if (!args || !arg_hits)
		return redact_in_arena(rd, r, &line->s, sb, nm);
	sb_reset(sb);
	sh_join_argv(sb, args->sv.v, args->sv.n);
	c = record_strndup(r, sb_cstr(sb), sb->len);
	line->s = c ? c : MARKER "out_of_memory]";
	return 0;
}

int redact_record(const struct redactor *rd, struct record *r)
{
	struct strbuf sb = STRBUF_INIT;
	struct names nm = {.n = 0};
	struct field *line = NULL, *args = NULL;
	int hits = 0, arg_hits = 0;
	uint32_t i;

	if (!rd)
		return 0;
	for (i = 0; i < r->nf; i++) {
		struct field *f = &r->f[i];
		if (skip_key(f->key))
			continue;
		if (f->kind == FIELD_STR && !strcmp(f->key, "process.command_line")) {
			line = f; /* after the arguments */
		} else if (f->kind == FIELD_STR) {
			hits += redact_in_arena(rd, r, &f->s, &sb, &nm);
		} else if (f->kind == FIELD_STRV) {
			int h = redact_strv(rd, r, f, &sb, &nm);
			if (!strcmp(f->key, "process.command_args")) {
				args = f;
				arg_hits = h;
			}
			hits += h;
		}
	}
	if (line)
		hits += redact_command_line(rd, r, line, args, arg_hits, &sb, &nm);
	if (nm.n && !record_get(r, "redaction.rules"))
		record_add_strv(r, "redaction.rules", nm.v, (uint32_t)nm.n);
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
		if (rd && i && redact_is_secret_flag(rd, argv[i - 1]))
			out[i] = strdup(MARKER "secret_argument]");
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
