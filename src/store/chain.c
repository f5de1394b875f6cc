/* chain.c: the canonical encoding of an events row and its chain hash (see
 * chain.h and docs/STORE.md). */
#include "store/chain.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static void put_u64(EVP_MD_CTX *c, uint64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (56 - 8 * i));
	EVP_DigestUpdate(c, b, 8);
}

/* A string is its length (u32 big-endian) and bytes; NULL is 0xffffffff. */
static void put_str(EVP_MD_CTX *c, const char *s, size_t n)
{
	uint8_t b[4];
	uint32_t len = s ? (uint32_t)n : UINT32_MAX;

	b[0] = (uint8_t)(len >> 24);
	b[1] = (uint8_t)(len >> 16);
	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
	EVP_DigestUpdate(c, b, 4);
	if (s)
		EVP_DigestUpdate(c, s, n);
}

static void put_cstr(EVP_MD_CTX *c, const char *s)
{
	put_str(c, s, s ? strlen(s) : 0);
}

/* Fetched once: an implicit fetch per record (EVP_sha256() in
 * EVP_DigestInit_ex) costs twice the hash itself. */
static EVP_MD *sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void chain_hash(EVP_MD_CTX *ctx, const uint8_t prev[CHAIN_HASH_LEN], const struct chain_row *row,
		uint8_t out[CHAIN_HASH_LEN])
{
	unsigned int n = CHAIN_HASH_LEN;

	pthread_once(&sha256_once, fetch_sha256);
	EVP_DigestInit_ex2(ctx, sha256, NULL);
	EVP_DigestUpdate(ctx, prev, CHAIN_HASH_LEN);
	put_u64(ctx, (uint64_t)row->seq);
	put_u64(ctx, (uint64_t)row->time_ns);
	put_u64(ctx, (uint64_t)row->pid);
	put_cstr(ctx, row->session);
	put_cstr(ctx, row->type);
	put_cstr(ctx, row->path);
	put_cstr(ctx, row->summary);
	put_str(ctx, row->data, row->data_len);
	EVP_DigestFinal_ex(ctx, out, &n);
}

void chain_hex(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = 0;
}

size_t chain_checkpoint_msg(char *buf, size_t len, const char *session, int64_t seq,
			    const uint8_t hash[CHAIN_HASH_LEN], int64_t time_ns, bool final)
{
	char hex[2 * CHAIN_HASH_LEN + 1];
	int n;

	chain_hex(hash, CHAIN_HASH_LEN, hex);
	n = snprintf(buf, len, "proctor-checkpoint %d\n%s\n%" PRId64 "\n%s\n%" PRId64 "\n%d\n",
		     CHAIN_VERSION, session, seq, hex, time_ns, final ? 1 : 0);
	return n < 0 ? 0 : (size_t)n >= len ? len - 1 : (size_t)n;
}
