/* pb.h: a minimal protocol-buffers wire-format writer (varint, fixed64,
 * length-delimited, nested messages) and reader (for small responses). The
 * schemas live with their users (otlp.c); definitions for protoc are under
 * proto/. */
#ifndef PROCTOR_PB_H
#define PROCTOR_PB_H
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

void pb_varint(struct strbuf *b, uint64_t v);
void pb_tag(struct strbuf *b, uint32_t field, uint32_t wire);
void pb_uint(struct strbuf *b, uint32_t field, uint64_t v); /* varint field */
void pb_fixed64(struct strbuf *b, uint32_t field, uint64_t v);
void pb_bytes(struct strbuf *b, uint32_t field, const void *p, size_t n);
void pb_string(struct strbuf *b, uint32_t field, const char *s);
void pb_double(struct strbuf *b, uint32_t field, double v);
/* Nested message: begin returns a mark, end patches the length. */
size_t pb_begin(struct strbuf *b, uint32_t field);
void pb_end(struct strbuf *b, size_t mark);

/* Reader: iterate fields of a message. Returns 1 per field, 0 at end, -1 on
 * malformed input. For wire type 2, *p and *n give the payload. */
struct pb_reader {
	const uint8_t *p, *end;
};
int pb_next(struct pb_reader *r, uint32_t *field, uint32_t *wire, uint64_t *v, const uint8_t **p,
	    size_t *n);

#endif
