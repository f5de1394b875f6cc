/* chain_head.h: the store.chain_head record, built from a store's signed
 * checkpoint (store/chain.h) so that sinks other than the store (a SIEM)
 * hold an independent copy of every session's chain head
 * (docs/EVENTS.md "store.chain_head", docs/STORE.md). */
#ifndef PROCTOR_PIPELINE_CHAIN_HEAD_H
#define PROCTOR_PIPELINE_CHAIN_HEAD_H

#include <stdint.h>

#include "model/record.h"
#include "model/session.h"
#include "store/chain.h"

#define CHAIN_HEAD_TYPE "store.chain_head"
/* The session key every head carries: no session's (never a drop of one);
 * a sink reporting a late loss under it lost heads (stats.heads_lost). */
#define CHAIN_HEAD_KEY UINT64_MAX

/* Fill the reset record r with h, signed by the store at store_url; s (may
 * be NULL) adds the session's agent, project and host. The record's session
 * key is CHAIN_HEAD_KEY: it is not one of the session's events, and a
 * sink's loss of it counts in stats.heads_lost, never in the session's or
 * the sink's event losses. 0, or -1 when the record is full. */
int chain_head_record(struct record *r, const struct chain_head *h, const char *store_url,
		      const struct session *s);

#endif
