/* heads.h: reading back the chain heads a sink received (store.chain_head
 * records in a JSON-lines export, docs/EVENTS.md) for `proctor verify
 * --heads FILE`: the SIEM's independent copy held against the store. */
#ifndef PROCTOR_STORE_HEADS_H
#define PROCTOR_STORE_HEADS_H
#include <stddef.h>

#include "store/chain.h"

/* One line of a JSON-lines export: 1 with h filled when it is a
 * store.chain_head record, 0 when it is another record, -1 with err filled
 * when it is not a JSON object or a chain head lacks a valid field. */
int chain_head_parse(const char *line, size_t len, struct chain_head *h, char *err, size_t errlen);

/* Every chain head of the JSON-lines file at path (lines that do not name
 * store.chain_head are not examined): 0 with *out (malloc'd, the caller
 * frees) and *n >= 1, -2 with err "PATH:LINE: reason" for a malformed head
 * or "PATH: holds no store.chain_head record", -1 with err filled when the
 * file cannot be read. */
int chain_heads_load(const char *path, struct chain_head **out, size_t *n, char *err,
		     size_t errlen);

#endif
