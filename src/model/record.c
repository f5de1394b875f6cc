/* record.c: field list, arena allocation and JSON serialization of records. */
#include "model/record.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

struct arena_block {
	struct arena_block *next;
	size_t cap, used;
	char data[];
};

#define ARENA_BLOCK 4096

void record_init(struct record *r)
{
	memset(r, 0, sizeof(*r));
}

void record_reset(struct record *r)
{
	struct arena_block *b = r->arena.head, *next;

	/* Keep the first block; free overflow blocks. */
	if (b) {
		for (next = b->next; next;) {
			struct arena_block *n2 = next->next;
			free(next);
			next = n2;
		}
		b->next = NULL;
		b->used = 0;
	}
	r->arena.used_total = 0;
	r->nf = 0;
	r->lost_fields = 0;
	r->type = 0;
	r->type_name = NULL;
	r->time_ns = 0;
	r->session_key = 0;
	r->cgroup_id = 0;
	r->pid = 0;
}

void record_free(struct record *r)
{
	struct arena_block *b = r->arena.head, *next;
	for (; b; b = next) {
		next = b->next;
		free(b);
	}
	memset(r, 0, sizeof(*r));
}

void *record_alloc(struct record *r, size_t n)
{
	struct arena_block *b = r->arena.head, *nb, *tail;
	size_t cap;

	n = (n + 7) & ~(size_t)7;
	for (tail = b; tail; tail = tail->next) {
		if (tail->cap - tail->used >= n) {
			void *p = tail->data + tail->used;
			tail->used += n;
			r->arena.used_total += n;
			return p;
		}
		if (!tail->next)
			break;
	}
	cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
	nb = malloc(sizeof(*nb) + cap);
	if (!nb)
		return NULL;
	nb->next = NULL;
	nb->cap = cap;
	nb->used = n;
	if (tail)
		tail->next = nb;
	else
		r->arena.head = nb;
	r->arena.used_total += n;
	return nb->data;
}

char *record_strndup(struct record *r, const char *s, size_t n)
{
	char *p = record_alloc(r, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *record_strdup(struct record *r, const char *s)
{
	return record_strndup(r, s ? s : "", s ? strlen(s) : 0);
}

static struct field *add_field(struct record *r, const char *key, enum field_kind kind)
{
	struct field *f;
	if (r->nf >= RECORD_MAX_FIELDS) {
		r->lost_fields++;
		return NULL;
	}
	f = &r->f[r->nf++];
	f->key = key;
	f->klen = (uint32_t)strlen(key);
	f->kind = kind;
	return f;
}

void record_begin(struct record *r, uint16_t type, const char *type_name, uint64_t time_ns)
{
	char ts[40];

	r->type = type;
	r->type_name = type_name;
	r->time_ns = time_ns;
	fmt_rfc3339(time_ns, ts, sizeof(ts));
	record_add_str(r, "time", ts);
	record_add_str_ref(r, "type", type_name);
}

int record_add_str_ref(struct record *r, const char *key, const char *s)
{
	struct field *f = add_field(r, key, FIELD_STR);
	if (!f)
		return -1;
	f->s = s ? s : "";
	return 0;
}

int record_add_str(struct record *r, const char *key, const char *s)
{
	char *c = record_strdup(r, s);
	return c ? record_add_str_ref(r, key, c) : -1;
}

int record_add_int(struct record *r, const char *key, int64_t v)
{
	struct field *f = add_field(r, key, FIELD_INT);
	if (!f)
		return -1;
	f->i = v;
	return 0;
}

int record_add_double(struct record *r, const char *key, double v)
{
	struct field *f;

	if (!isfinite(v) || !(f = add_field(r, key, FIELD_DOUBLE)))
		return -1;
	f->d = v;
	return 0;
}

int record_add_bool(struct record *r, const char *key, bool v)
{
	struct field *f = add_field(r, key, FIELD_BOOL);
	if (!f)
		return -1;
	f->b = v;
	return 0;
}

int record_add_strv(struct record *r, const char *key, const char *const *v, uint32_t n)
{
	const char **arr = record_alloc(r, sizeof(char *) * (n ? n : 1));
	struct field *f;
	uint32_t i;

	if (!arr)
		return -1;
	for (i = 0; i < n; i++)
		if (!(arr[i] = record_strdup(r, v[i])))
			return -1;
	f = add_field(r, key, FIELD_STRV);
	if (!f)
		return -1;
	f->sv.v = arr;
	f->sv.n = n;
	return 0;
}

struct field *record_get_mut(struct record *r, const char *key)
{
	uint32_t i, n = (uint32_t)strlen(key);

	for (i = 0; i < r->nf; i++) {
		const struct field *f = &r->f[i];
		if (f->klen == n && (f->key == key || !memcmp(f->key, key, n)))
			return &r->f[i];
	}
	return NULL;
}

const struct field *record_get(const struct record *r, const char *key)
{
	return record_get_mut((struct record *)r, key);
}

const char *record_get_str(const struct record *r, const char *key)
{
	const struct field *f = record_get(r, key);
	return f && f->kind == FIELD_STR ? f->s : NULL;
}

bool record_get_int(const struct record *r, const char *key, int64_t *out)
{
	const struct field *f = record_get(r, key);
	if (!f || f->kind != FIELD_INT)
		return false;
	*out = f->i;
	return true;
}

int record_set_str(struct record *r, const char *key, const char *s)
{
	struct field *f = record_get_mut(r, key);
	char *c;

	if (!f)
		return record_add_str(r, key, s);
	if (!(c = record_strdup(r, s)))
		return -1;
	f->kind = FIELD_STR;
	f->s = c;
	return 0;
}

int record_set_int(struct record *r, const char *key, int64_t v)
{
	struct field *f = record_get_mut(r, key);
	if (!f)
		return record_add_int(r, key, v);
	f->kind = FIELD_INT;
	f->i = v;
	return 0;
}

void record_remove(struct record *r, const char *key)
{
	uint32_t i;
	for (i = 0; i < r->nf; i++) {
		if (!strcmp(r->f[i].key, key)) {
			memmove(&r->f[i], &r->f[i + 1], (r->nf - i - 1) * sizeof(r->f[0]));
			r->nf--;
			return;
		}
	}
}

int record_to_json(const struct record *r, struct strbuf *out)
{
	uint32_t i, j;

	sb_putc(out, '{');
	for (i = 0; i < r->nf; i++) {
		const struct field *f = &r->f[i];
		if (i)
			sb_putc(out, ',');
		sb_json_str(out, f->key);
		sb_putc(out, ':');
		switch (f->kind) {
		case FIELD_STR: sb_json_str(out, f->s); break;
		case FIELD_INT: sb_put_i64(out, f->i); break;
		case FIELD_BOOL: sb_puts(out, f->b ? "true" : "false"); break;
		case FIELD_DOUBLE: sb_printf(out, "%.12g", f->d); break;
		case FIELD_STRV:
			sb_putc(out, '[');
			for (j = 0; j < f->sv.n; j++) {
				if (j)
					sb_putc(out, ',');
				sb_json_str(out, f->sv.v[j]);
			}
			sb_putc(out, ']');
			break;
		}
	}
	return sb_putc(out, '}');
}

int record_copy(struct record *dst, const struct record *src)
{
	uint32_t i;

	record_reset(dst);
	dst->time_ns = src->time_ns;
	dst->type = src->type;
	dst->type_name = src->type_name;
	dst->session_key = src->session_key;
	dst->cgroup_id = src->cgroup_id;
	dst->pid = src->pid;
	for (i = 0; i < src->nf; i++) {
		const struct field *f = &src->f[i];
		int rc = 0;
		switch (f->kind) {
		case FIELD_STR: rc = record_add_str(dst, f->key, f->s); break;
		case FIELD_INT: rc = record_add_int(dst, f->key, f->i); break;
		case FIELD_BOOL: rc = record_add_bool(dst, f->key, f->b); break;
		case FIELD_DOUBLE: rc = record_add_double(dst, f->key, f->d); break;
		case FIELD_STRV: rc = record_add_strv(dst, f->key, f->sv.v, f->sv.n); break;
		}
		if (rc)
			return -1;
	}
	return 0;
}
