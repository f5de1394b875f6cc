/* chain.h: the tamper-evident chain of a session's stored records: the one
 * canonical encoding of an events row, the chain hash (SHA-256 over the
 * previous hash and that encoding) and the signed checkpoint message. The
 * encoding is documented in docs/STORE.md; change it only with a new
 * CHAIN_VERSION. */
#ifndef PROCTOR_STORE_CHAIN_H
#define PROCTOR_STORE_CHAIN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define CHAIN_VERSION  1
#define CHAIN_HASH_LEN 32
/* Bytes of each row's chain hash kept on the row (enough to name the first
 * modified row; the signed checkpoints hold the full hash). */
#define CHAIN_ROW_DIGEST_LEN 16

/* One events row as the chain sees it (path may be NULL). */
struct chain_row {
	const char *session, *type, *path, *summary, *data;
	size_t data_len;
	int64_t seq, time_ns, pid;
};

/* out = SHA-256(prev || canonical(row)); prev is all zero before seq 1.
 * ctx is the caller's (one per thread, reused). */
void chain_hash(EVP_MD_CTX *ctx, const uint8_t prev[CHAIN_HASH_LEN], const struct chain_row *row,
		uint8_t out[CHAIN_HASH_LEN]);

/* A signed checkpoint of a session's chain: as the store keeps it (the
 * checkpoints table) and as the sinks export it (store.chain_head records,
 * read back by `proctor verify --heads`). */
struct chain_head {
	char session[64];
	int64_t seq, time_ns;
	bool final;
	uint8_t hash[CHAIN_HASH_LEN];
	uint8_t sig[64];
	char key_id[17];
};

/* The message a checkpoint signs: "proctor-checkpoint 1\n" SESSION "\n" SEQ
 * "\n" HEX(HASH) "\n" TIME_NS "\n" FINAL "\n". Returns its length (< len). */
size_t chain_checkpoint_msg(char *buf, size_t len, const char *session, int64_t seq,
			    const uint8_t hash[CHAIN_HASH_LEN], int64_t time_ns, bool final);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void chain_hex(const uint8_t *b, size_t n, char *out);

#endif
