/* recser.c: record <-> bytes ("PR1" version byte, header, fields with
 * length-prefixed strings) and a thread-safe string intern table. */
#include "sinks/recser.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"

#define INTERN_SLOTS   4096
#define RECSER_VERSION 1

static pthread_mutex_t intern_mu = PTHREAD_MUTEX_INITIALIZER;
static const char *intern_tab[INTERN_SLOTS];

const char *intern(const char *s, size_t n)
{
	uint64_t h = fnv1a_64(s, n, FNV1A_64_SEED);
	const char *res = NULL;
	size_t i;

	pthread_mutex_lock(&intern_mu);
	for (i = 0; i < INTERN_SLOTS; i++) {
		const char **slot = &intern_tab[(h + i) % INTERN_SLOTS];
		if (!*slot) {
			char *c = malloc(n + 1);
			if (c) {
				memcpy(c, s, n);
				c[n] = 0;
				*slot = c;
			}
			res = c;
			break;
		}
		if (strlen(*slot) == n && !memcmp(*slot, s, n)) {
			res = *slot;
			break;
		}
	}
	pthread_mutex_unlock(&intern_mu);
	return res;
}

static void put_u8(struct strbuf *o, uint8_t v)
{
	sb_append(o, &v, 1);
}
static void put_u16(struct strbuf *o, uint16_t v)
{
	sb_append(o, &v, 2);
}
static void put_u32(struct strbuf *o, uint32_t v)
{
	sb_append(o, &v, 4);
}
static void put_u64(struct strbuf *o, uint64_t v)
{
	sb_append(o, &v, 8);
}
static void put_str(struct strbuf *o, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	put_u32(o, (uint32_t)n);
	sb_append(o, s ? s : "", n);
}

int record_serialize(const struct record *r, struct strbuf *out)
{
	uint32_t i, j;

	sb_reset(out);
	put_u8(out, RECSER_VERSION);
	put_u64(out, r->time_ns);
	put_u16(out, r->type);
	put_u64(out, r->session_key);
	put_u64(out, r->cgroup_id);
	put_u32(out, r->pid);
	put_str(out, r->type_name);
	put_u16(out, (uint16_t)r->nf);
	for (i = 0; i < r->nf; i++) {
		const struct field *f = &r->f[i];
		put_str(out, f->key);
		put_u8(out, (uint8_t)f->kind);
		switch (f->kind) {
		case FIELD_STR: put_str(out, f->s); break;
		case FIELD_INT: put_u64(out, (uint64_t)f->i); break;
		case FIELD_BOOL: put_u8(out, f->b); break;
		case FIELD_DOUBLE: {
			uint64_t u;
			memcpy(&u, &f->d, 8);
			put_u64(out, u);
			break;
		}
		case FIELD_STRV:
			put_u32(out, f->sv.n);
			for (j = 0; j < f->sv.n; j++)
				put_str(out, f->sv.v[j]);
			break;
		}
	}
	return out->buf ? 0 : -1;
}

struct rd {
	const unsigned char *p, *end;
	int bad;
};

static int take(struct rd *d, void *dst, size_t n)
{
	if (d->bad || (size_t)(d->end - d->p) < n) {
		d->bad = 1;
		if (dst)
			memset(dst, 0, n);
		return -1;
	}
	if (dst)
		memcpy(dst, d->p, n);
	d->p += n;
	return 0;
}

/* A string view into the buffer. */
static const char *get_str(struct rd *d, uint32_t *len)
{
	const char *s;
	take(d, len, 4);
	s = (const char *)d->p;
	if (take(d, NULL, *len))
		return NULL;
	return s;
}

static int get_field(struct record *r, struct rd *d)
{
	uint32_t klen, vlen, n, j;
	uint8_t kind, b;
	uint64_t v;
	const char *k = get_str(d, &klen), *s, *key;

	if (!k || take(d, &kind, 1) || !(key = intern(k, klen)))
		return -1;
	switch (kind) {
	case FIELD_STR:
		if (!(s = get_str(d, &vlen)))
			return -1;
		return record_add_str_ref(r, key, record_strndup(r, s, vlen));
	case FIELD_INT: return take(d, &v, 8) ? -1 : record_add_int(r, key, (int64_t)v);
	case FIELD_BOOL: return take(d, &b, 1) ? -1 : record_add_bool(r, key, b != 0);
	case FIELD_DOUBLE: {
		double x;
		if (take(d, &v, 8))
			return -1;
		memcpy(&x, &v, 8);
		return record_add_double(r, key, x);
	}
	case FIELD_STRV: {
		const char **arr;
		if (take(d, &n, 4) || n > (uint32_t)(d->end - d->p) / 4)
			return -1;
		arr = record_alloc(r, sizeof(char *) * (n ? n : 1));
		if (!arr)
			return -1;
		for (j = 0; j < n; j++) {
			if (!(s = get_str(d, &vlen)))
				return -1;
			arr[j] = record_strndup(r, s, vlen);
		}
		/* record_add_strv copies; arr already lives in the arena. */
		if (record_add_str_ref(r, key, ""))
			return -1;
		r->f[r->nf - 1].kind = FIELD_STRV;
		r->f[r->nf - 1].sv.v = arr;
		r->f[r->nf - 1].sv.n = n;
		return 0;
	}
	default: return -1;
	}
}

int record_deserialize(struct record *r, const void *data, size_t len)
{
	struct rd d = {data, (const unsigned char *)data + len, 0};
	uint8_t ver;
	uint16_t nf, i;
	uint32_t tlen;
	const char *t;

	record_reset(r);
	if (take(&d, &ver, 1) || ver != RECSER_VERSION)
		return -1;
	take(&d, &r->time_ns, 8);
	take(&d, &r->type, 2);
	take(&d, &r->session_key, 8);
	take(&d, &r->cgroup_id, 8);
	take(&d, &r->pid, 4);
	t = get_str(&d, &tlen);
	if (!t || take(&d, &nf, 2) || !(r->type_name = intern(t, tlen)))
		return -1;
	for (i = 0; i < nf; i++)
		if (get_field(r, &d))
			return -1;
	return d.bad ? -1 : 0;
}
