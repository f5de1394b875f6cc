/* heads.c: owns parsing store.chain_head records back from a JSON-lines
 * export (jansson): the fields chain_head_record (src/pipeline) writes. */
#include "store/heads.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* n bytes from the 2n hex digits of s (exactly that long): 0, or -1. */
static int unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;

	if (strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < 2 * n; i++) {
		char c = s[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (v < 0)
			return -1;
		if (i % 2)
			out[i / 2] |= (uint8_t)v;
		else
			out[i / 2] = (uint8_t)(v << 4);
	}
	return 0;
}

static const char *str_of(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int head_fields(json_t *o, struct chain_head *h, const char **bad)
{
	json_t *seq = json_object_get(o, "store.chain.records");
	json_t *t = json_object_get(o, "store.checkpoint.time_ns");
	json_t *fin = json_object_get(o, "store.checkpoint.final");
	const char *ses = str_of(o, "session"), *hash = str_of(o, "store.chain.head");
	const char *kid = str_of(o, "store.checkpoint.key_id");
	const char *sig = str_of(o, "store.checkpoint.signature");
	uint8_t kb[8];

	memset(h, 0, sizeof(*h));
	if (!ses || !*ses || strlen(ses) >= sizeof(h->session))
		return *bad = "session", -1;
	if (!json_is_integer(seq) || json_integer_value(seq) < 0)
		return *bad = "store.chain.records", -1;
	if (!hash || unhex(hash, h->hash, sizeof(h->hash)))
		return *bad = "store.chain.head", -1;
	if (!json_is_integer(t))
		return *bad = "store.checkpoint.time_ns", -1;
	if (!json_is_boolean(fin))
		return *bad = "store.checkpoint.final", -1;
	if (!kid || unhex(kid, kb, sizeof(kb)))
		return *bad = "store.checkpoint.key_id", -1;
	if (!sig || unhex(sig, h->sig, sizeof(h->sig)))
		return *bad = "store.checkpoint.signature", -1;
	snprintf(h->session, sizeof(h->session), "%s", ses);
	memcpy(h->key_id, kid, sizeof(h->key_id));
	h->seq = json_integer_value(seq);
	h->time_ns = json_integer_value(t);
	h->final = json_is_true(fin);
	return 0;
}

int chain_head_parse(const char *line, size_t len, struct chain_head *h, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	const char *type, *bad = NULL;
	int rc;

	if (!json_is_object(o)) {
		snprintf(err, errlen, "not a JSON object%s%s", o ? "" : ": ", o ? "" : jerr.text);
		json_decref(o);
		return -1;
	}
	type = str_of(o, "type");
	if (!type || strcmp(type, "store.chain_head")) {
		json_decref(o);
		return 0;
	}
	rc = head_fields(o, h, &bad) ? -1 : 1;
	if (rc < 0)
		snprintf(err, errlen, "a store.chain_head record without a valid %s", bad);
	json_decref(o);
	return rc;
}

static int push(struct chain_head **v, size_t *n, size_t *cap, const struct chain_head *h)
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 64;
		struct chain_head *w = realloc(*v, c * sizeof(*w));
		if (!w)
			return -1;
		*v = w;
		*cap = c;
	}
	(*v)[(*n)++] = *h;
	return 0;
}

int chain_heads_load(const char *path, struct chain_head **out, size_t *n, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	struct chain_head h, *v = NULL;
	size_t cap = 0, lineno = 0, len = 0;
	char *line = NULL, why[256];
	ssize_t got;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (!rc && (got = getline(&line, &len, f)) >= 0) {
		size_t l = (size_t)got;
		lineno++;
		while (l && (line[l - 1] == '\n' || line[l - 1] == '\r'))
			l--;
		/* the stream's other records are not examined */
		if (!l || !memmem(line, l, "store.chain_head", 16))
			continue;
		switch (chain_head_parse(line, l, &h, why, sizeof(why))) {
		case 1:
			if (push(&v, n, &cap, &h)) {
				snprintf(err, errlen, "%s: out of memory", path);
				rc = -1;
			}
			break;
		case 0: break;
		default: snprintf(err, errlen, "%s:%zu: %s", path, lineno, why); rc = -2;
		}
	}
	if (!rc && ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	} else if (!rc && !*n) {
		snprintf(err, errlen, "%s: holds no store.chain_head record", path);
		rc = -2;
	}
	free(line);
	fclose(f);
	if (rc)
		free(v);
	else
		*out = v;
	return rc;
}
