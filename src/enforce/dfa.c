/* dfa.c: subset construction over the globs' NFAs (policy/glob.h). A DFA
 * state is the vector of every NFA's (at, in) sets; bytes no glob names
 * literally (other than '/') all behave alike, so each state is stepped
 * once per literal byte, once for '/' and once for the rest. */
#include "enforce/dfa.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/glob.h"
#include "policy/policy.h"
#include "util/hash.h"

struct nfa {
	struct glob_token t[POLICY_GLOB_MAX];
	size_t n, off; /* tokens; offset of its at[] then in[] in a vector */
	uint64_t bit;
};

struct build {
	struct dfa_table *t;
	struct nfa *nfa;
	size_t nnfa, width; /* bytes of a state vector */
	uint8_t *vecs;	    /* vector of local state i at vecs + i * width */
	uint32_t nlocal, maxlocal;
	uint32_t *hash; /* open addressing: local index + 1, 0 empty */
	uint32_t hcap;
};

int dfa_table_init(struct dfa_table *t)
{
	t->cap = PR_DFA_STATES;
	t->states = calloc(t->cap, sizeof(*t->states));
	t->n = 1;
	return t->states ? 0 : -ENOMEM;
}

void dfa_table_free(struct dfa_table *t)
{
	free(t->states);
	memset(t, 0, sizeof(*t));
}

static uint32_t vec_hash(const uint8_t *v, size_t n)
{
	return (uint32_t)fnv1a_64(v, n, FNV1A_64_OFFSET);
}

static bool vec_dead(const uint8_t *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i])
			return false;
	return true;
}

/* The global state of vector v, added when new; 0 dead; -1 full. */
static int64_t intern(struct build *b, const uint8_t *v)
{
	uint32_t h = vec_hash(v, b->width) & (b->hcap - 1), i;

	if (vec_dead(v, b->width))
		return PR_DFA_NO_STATE;
	for (; b->hash[h]; h = (h + 1) & (b->hcap - 1)) {
		i = b->hash[h] - 1;
		if (!memcmp(b->vecs + (size_t)i * b->width, v, b->width))
			return b->t->n + i;
	}
	if (b->nlocal >= b->maxlocal)
		return -1;
	i = b->nlocal++;
	memcpy(b->vecs + (size_t)i * b->width, v, b->width);
	b->hash[h] = i + 1;
	return b->t->n + i;
}

static void step(const struct build *b, const uint8_t *v, char c, uint8_t *out)
{
	size_t k;

	for (k = 0; k < b->nnfa; k++) {
		const struct nfa *f = &b->nfa[k];
		const bool *at = (const bool *)(v + f->off), *in = at + f->n + 1;
		bool *nat = (bool *)(out + f->off), *nin = nat + f->n + 1;
		glob_nfa_step(f->t, f->n, at, in, c, nat, nin);
	}
}

static uint64_t accepts(const struct build *b, const uint8_t *v)
{
	uint64_t bits = 0;
	size_t k;

	for (k = 0; k < b->nnfa; k++)
		if (v[b->nfa[k].off + b->nfa[k].n])
			bits |= b->nfa[k].bit;
	return bits;
}

static int add_nfa(struct build *b, const char *glob, bool path, uint64_t bit)
{
	struct nfa *f = &b->nfa[b->nnfa++];

	f->n = glob_tokenize(glob, f->t, path);
	f->off = b->width;
	f->bit = bit;
	b->width += 2 * (f->n + 1);
	return 0;
}

static int setup(struct build *b, const struct dfa_glob *g, size_t n)
{
	char prefix[POLICY_GLOB_MAX];
	size_t i, len;

	b->nfa = calloc(2 * n, sizeof(*b->nfa));
	if (!b->nfa)
		return -1;
	for (i = 0; i < n; i++) {
		len = strlen(g[i].glob);
		if (len >= POLICY_GLOB_MAX)
			return -1;
		add_nfa(b, g[i].glob, g[i].path, g[i].bit);
		if (g[i].path && len >= 3 && !strcmp(g[i].glob + len - 3, "/**")) {
			memcpy(prefix, g[i].glob, len - 3);
			prefix[len - 3] = 0;
			add_nfa(b, prefix, true, g[i].bit);
		}
	}
	b->maxlocal = b->t->cap - b->t->n;
	for (b->hcap = 64; b->hcap < 2 * b->maxlocal; b->hcap <<= 1)
		;
	b->vecs = malloc((size_t)b->maxlocal * b->width);
	b->hash = calloc(b->hcap, sizeof(*b->hash));
	return b->vecs && b->hash ? 0 : -1;
}

/* Byte classes: class[c] is the representative byte whose step c shares. */
static void byte_classes(const struct build *b, uint8_t cls[256])
{
	bool named[256] = {false};
	int c, other = -1;
	size_t k, i;

	named['/'] = true;
	for (k = 0; k < b->nnfa; k++)
		for (i = 0; i < b->nfa[k].n; i++)
			if (b->nfa[k].t[i].c)
				named[(uint8_t)b->nfa[k].t[i].c] = true;
	cls[0] = 0;
	for (c = 1; c < 256; c++) {
		if (named[c]) {
			cls[c] = (uint8_t)c;
		} else {
			if (other < 0)
				other = c;
			cls[c] = (uint8_t)other;
		}
	}
}

static int construct(struct build *b, uint32_t *start, char *err, size_t errlen)
{
	uint8_t *v = calloc(1, b->width), *nv = calloc(1, b->width), cls[256];
	uint32_t i, base = b->t->n;
	int64_t s;
	int c, rc = -1;

	if (!v || !nv)
		goto out;
	byte_classes(b, cls);
	for (i = 0; i < b->nnfa; i++) {
		bool *at = (bool *)(v + b->nfa[i].off);
		glob_nfa_start(b->nfa[i].t, b->nfa[i].n, at, at + b->nfa[i].n + 1);
	}
	if ((s = intern(b, v)) < 0)
		goto full;
	*start = (uint32_t)s;
	for (i = 0; i < b->nlocal; i++) {
		struct pr_dfa_state *st = &b->t->states[base + i];
		const uint8_t *cur = b->vecs + (size_t)i * b->width;
		memset(st, 0, sizeof(*st));
		st->accept = accepts(b, cur);
		for (c = 1; c < 256; c++) {
			if (cls[c] != c) {
				st->next[c] = st->next[cls[c]];
				continue;
			}
			step(b, cur, (char)c, nv);
			if ((s = intern(b, nv)) < 0)
				goto full;
			st->next[c] = (uint16_t)s;
		}
	}
	b->t->n += b->nlocal;
	rc = 0;
	goto out;
full:
	snprintf(err, errlen,
		 "the exec rules' globs need more than the %u DFA states left (of %d): use fewer "
		 "or simpler globs",
		 b->maxlocal, PR_DFA_STATES);
out:
	free(v);
	free(nv);
	return rc;
}

int dfa_compile(struct dfa_table *t, const struct dfa_glob *g, size_t n, uint32_t *start, char *err,
		size_t errlen)
{
	struct build b = {.t = t};
	int rc = -1;

	*start = PR_DFA_NO_STATE;
	if (!n)
		return 0;
	if (setup(&b, g, n))
		snprintf(err, errlen, "out of memory compiling the exec rules");
	else
		rc = construct(&b, start, err, errlen);
	free(b.nfa);
	free(b.vecs);
	free(b.hash);
	return rc;
}

uint64_t dfa_run(const struct dfa_table *t, uint32_t start, const char *s, bool basename)
{
	uint32_t st = start;

	for (; *s && st < t->n; s++)
		st = basename && *s == '/' ? start
		     : st		   ? t->states[st].next[(uint8_t)*s]
					   : PR_DFA_NO_STATE;
	return st && st < t->n ? t->states[st].accept : 0;
}
