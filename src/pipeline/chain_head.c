/* chain_head.c: owns the store.chain_head record's fields: one signed
 * checkpoint of a store, as the sinks export it. */
#include "pipeline/chain_head.h"

#include "proctor/abi.h"

int chain_head_record(struct record *r, const struct chain_head *h, const char *store_url,
		      const struct session *s)
{
	char hash[2 * CHAIN_HASH_LEN + 1], sig[2 * sizeof(h->sig) + 1];
	int rc = 0;

	chain_hex(h->hash, CHAIN_HASH_LEN, hash);
	chain_hex(h->sig, sizeof(h->sig), sig);
	record_begin(r, PR_EV_STORE_HEAD, CHAIN_HEAD_TYPE, (uint64_t)h->time_ns);
	r->session_key = CHAIN_HEAD_KEY;
	rc |= record_add_str(r, "session", h->session);
	if (s) {
		rc |= record_add_str(r, "agent", s->agent);
		rc |= record_add_str(r, "project", s->project);
		rc |= record_add_str(r, "host.name", s->host);
	}
	rc |= record_add_str(r, "store.url", store_url);
	rc |= record_add_int(r, "store.chain.version", CHAIN_VERSION);
	rc |= record_add_int(r, "store.chain.records", h->seq);
	rc |= record_add_str(r, "store.chain.head", hash);
	rc |= record_add_int(r, "store.checkpoint.time_ns", h->time_ns);
	rc |= record_add_bool(r, "store.checkpoint.final", h->final);
	rc |= record_add_str(r, "store.checkpoint.key_id", h->key_id);
	rc |= record_add_str(r, "store.checkpoint.signature", sig);
	rc |= record_add_str_ref(r, "event.severity", "info");
	return rc ? -1 : 0;
}
