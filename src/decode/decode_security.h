/* decode_security.h: what the security decoders share (decode_security.c:
 * security.privilege and security.memexec; decode_escape.c: security.escape):
 * the outcome fields, string buffers into fields, flag-bit names. */
#ifndef PROCTOR_DECODE_SECURITY_H
#define PROCTOR_DECODE_SECURITY_H
#include <stddef.h>
#include <stdint.h>

#include "decode/decode.h"
#include "util/strbuf.h"

/* event.outcome, and error.code (the errno name) for ret in [-4095, -1]. */
void sec_add_outcome(struct record *r, int64_t ret);
/* Add sb's text as field key, then empty sb. */
void sec_add_sb(struct record *r, const char *key, struct strbuf *sb);

/* Names of the set bits of v from a table (bit, name), "|" separated;
 * unknown bits as hex, "0" for none. */
struct bitname {
	uint64_t bit;
	const char *name;
};
void sec_put_bits(struct strbuf *sb, uint64_t v, const struct bitname *t, size_t n);

/* security.escape (decode_escape.c). */
enum decode_result decode_escape(struct decode_ctx *c, const void *data, size_t len,
				 struct record *r);

#endif
