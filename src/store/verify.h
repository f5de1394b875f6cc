/* verify.h: checking a session's hash chain and signed checkpoints in the
 * store (`proctor verify`): the first bad record and what is wrong with it. */
#ifndef PROCTOR_STORE_VERIFY_H
#define PROCTOR_STORE_VERIFY_H
#include <stdint.h>

#include <openssl/evp.h>

#include "store/chain.h"
#include "store/store.h"

enum verify_status {
	VERIFY_OK,
	VERIFY_MODIFIED,  /* a record's contents do not match its chain hash */
	VERIFY_DELETED,	  /* a sequence number is missing */
	VERIFY_REORDERED, /* records are out of sequence */
	VERIFY_TRUNCATED, /* a checkpoint covers records that are gone */
	VERIFY_SIGNATURE, /* a checkpoint's signature does not verify */
	VERIFY_UNCHAINED, /* recorded before the chain existed */
};

struct verify_result {
	enum verify_status status;
	int64_t records;     /* records checked */
	int64_t pruned;	     /* records 1..pruned were pruned (signed); 0: none */
	int64_t checkpoints; /* signed checkpoints checked */
	int64_t signed_seq;  /* the last record a checkpoint covers */
	int64_t record;	     /* the first bad record's sequence number */
	int64_t row;	     /* its events row id (0: none) */
	int64_t sink_heads;  /* heads a sink received, checked (verify --heads) */
	char detail[256];
};

/* SQLite's own check of the file (PRAGMA integrity_check): fn gets each
 * problem it names. The number of problems (0: intact), or -1 with err
 * filled when the check itself could not run. */
int store_integrity_check(struct store *st, int (*fn)(void *ctx, const char *problem), void *ctx,
			  char *err, size_t errlen);

/* "modified", "deleted", ... */
const char *verify_status_name(enum verify_status s);

/* Check session's chain against the checkpoints signed with key. 0 with r
 * filled (r->status says intact or not), or -1 with err filled. */
int store_verify_session(struct store *st, const char *session, EVP_PKEY *key,
			 struct verify_result *r, char *err, size_t errlen);

/* The same, holding the chain also against the heads a sink received
 * (nheads of any session; those of session count): each is checked as a
 * signed checkpoint, so a store rewritten, cut or deleted since the sink
 * got a head is caught even when its own checkpoints were redone. */
int store_verify_session_heads(struct store *st, const char *session, EVP_PKEY *key,
			       const struct chain_head *heads, size_t nheads,
			       struct verify_result *r, char *err, size_t errlen);

#endif
