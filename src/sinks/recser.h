/* recser.h: a compact binary form of a record for the spool, and back.
 * Field keys and type names are interned on decode (records need static
 * keys), so a record read from disk after a restart is the record that was
 * written. */
#ifndef PROCTOR_RECSER_H
#define PROCTOR_RECSER_H
#include <stddef.h>

#include "model/record.h"
#include "util/strbuf.h"

int record_serialize(const struct record *r, struct strbuf *out);
/* 0, or -1 when the bytes are not a record (truncated, bad kind). */
int record_deserialize(struct record *r, const void *data, size_t len);
/* A static copy of s (process lifetime). */
const char *intern(const char *s, size_t n);

#endif
