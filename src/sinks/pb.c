/* pb.c: protocol-buffers wire format writer/reader (no reflection). */
#include "sinks/pb.h"

#include <string.h>

void pb_varint(struct strbuf *b, uint64_t v)
{
	uint8_t buf[10];
	size_t n = 0;
	do {
		buf[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	sb_append(b, buf, n);
}

void pb_tag(struct strbuf *b, uint32_t field, uint32_t wire)
{
	pb_varint(b, ((uint64_t)field << 3) | wire);
}

void pb_uint(struct strbuf *b, uint32_t field, uint64_t v)
{
	pb_tag(b, field, 0);
	pb_varint(b, v);
}

void pb_fixed64(struct strbuf *b, uint32_t field, uint64_t v)
{
	uint8_t le[8];
	int i;
	for (i = 0; i < 8; i++)
		le[i] = (uint8_t)(v >> (8 * i));
	pb_tag(b, field, 1);
	sb_append(b, le, 8);
}

void pb_double(struct strbuf *b, uint32_t field, double v)
{
	uint64_t u;
	memcpy(&u, &v, 8);
	pb_fixed64(b, field, u);
}

void pb_bytes(struct strbuf *b, uint32_t field, const void *p, size_t n)
{
	pb_tag(b, field, 2);
	pb_varint(b, n);
	sb_append(b, p, n);
}

void pb_string(struct strbuf *b, uint32_t field, const char *s)
{
	pb_bytes(b, field, s ? s : "", s ? strlen(s) : 0);
}

size_t pb_begin(struct strbuf *b, uint32_t field)
{
	pb_tag(b, field, 2);
	sb_putc(b, 0); /* one-byte length placeholder */
	return b->len;
}

void pb_end(struct strbuf *b, size_t mark)
{
	size_t n = b->len - mark, vl = 1;
	uint8_t buf[10];
	uint64_t v = n;
	size_t i = 0;

	while (v > 0x7f) {
		v >>= 7;
		vl++;
	}
	if (vl > 1) {
		if (sb_grow(b, vl - 1))
			return;
		memmove(b->buf + mark + vl - 1, b->buf + mark, n);
		b->len += vl - 1;
		b->buf[b->len] = 0;
	}
	v = n;
	do {
		buf[i++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	memcpy(b->buf + mark - 1, buf, i);
}

static int rd_varint(struct pb_reader *r, uint64_t *v)
{
	int shift = 0;
	*v = 0;
	while (r->p < r->end && shift < 64) {
		uint8_t c = *r->p++;
		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return 0;
		shift += 7;
	}
	return -1;
}

int pb_next(struct pb_reader *r, uint32_t *field, uint32_t *wire, uint64_t *v, const uint8_t **p,
	    size_t *n)
{
	uint64_t key;

	if (r->p >= r->end)
		return 0;
	if (rd_varint(r, &key))
		return -1;
	*field = (uint32_t)(key >> 3);
	*wire = (uint32_t)(key & 7);
	switch (*wire) {
	case 0: return rd_varint(r, v) ? -1 : 1;
	case 1:
		if (r->end - r->p < 8)
			return -1;
		memcpy(v, r->p, 8);
		r->p += 8;
		return 1;
	case 5:
		if (r->end - r->p < 4)
			return -1;
		*v = 0;
		memcpy(v, r->p, 4);
		r->p += 4;
		return 1;
	case 2:
		if (rd_varint(r, v) || *v > (uint64_t)(r->end - r->p))
			return -1;
		*p = r->p;
		*n = (size_t)*v;
		r->p += *n;
		return 1;
	default: return -1;
	}
}
