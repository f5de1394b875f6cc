/* verify.c: `proctor verify` over the store: recompute each session's chain
 * from its events rows (in insertion order) and hold it against the signed
 * checkpoints (see chain.h and docs/STORE.md). */
#include "store/verify.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/chain.h"
#include "store/hostkey.h"
#include "store/maint.h"

struct ckpt {
	int64_t seq, time_ns;
	int final;
	uint8_t hash[CHAIN_HASH_LEN];
	bool matched;
	bool sink; /* a head a sink received (verify --heads), not the store's */
};

/* What a checkpoint is called in a finding. */
static const char *ckpt_name(const struct ckpt *c)
{
	return c->sink ? "the sink's signed head" : "its signed checkpoint";
}

const char *verify_status_name(enum verify_status s)
{
	static const char *const names[] = {
		[VERIFY_OK] = "intact",
		[VERIFY_MODIFIED] = "modified",
		[VERIFY_DELETED] = "deleted",
		[VERIFY_REORDERED] = "reordered",
		[VERIFY_TRUNCATED] = "truncated",
		[VERIFY_SIGNATURE] = "signature mismatch",
		[VERIFY_UNCHAINED] = "not chained",
	};
	return names[s];
}

static void fail(struct verify_result *r, enum verify_status s, int64_t record, int64_t row,
		 const char *detail)
{
	r->status = s;
	r->record = record;
	r->row = row;
	snprintf(r->detail, sizeof(r->detail), "%s", detail);
}

/* A checkpoint c (of the store, or a sink's head) signed by key kid with
 * sig: r says what is wrong when it is not this host's key's signature. */
static void check_sig(const struct ckpt *c, const char *session, EVP_PKEY *key, const char *id,
		      const char *kid, const void *sig, size_t siglen, struct verify_result *r)
{
	const char *what = c->sink ? "the sink's head" : "checkpoint";
	char msg[512], buf[256];
	size_t len = chain_checkpoint_msg(msg, sizeof(msg), session, c->seq, c->hash, c->time_ns,
					  c->final);

	if (r->status != VERIFY_OK)
		return;
	if (!kid || strcmp(kid, id)) {
		snprintf(buf, sizeof(buf), "%s signed by key %s, not this host's %s", what,
			 kid ? kid : "(none)", id);
		fail(r, VERIFY_SIGNATURE, c->seq, 0, buf);
	} else if (!sig || !hostkey_verify(key, msg, len, sig, siglen)) {
		snprintf(buf, sizeof(buf), "%s's signature does not verify",
			 c->sink ? "the sink's head" : "the checkpoint");
		fail(r, VERIFY_SIGNATURE, c->seq, 0, buf);
	}
}

/* The heads a sink received for session join the checkpoints, each
 * checked like one. */
static int add_sink_heads(const char *session, EVP_PKEY *key, const char *id,
			  const struct chain_head *heads, size_t nheads, struct ckpt **v, size_t *n,
			  struct verify_result *r, char *err, size_t errlen)
{
	struct ckpt *c;
	size_t i, m = 0;

	for (i = 0; i < nheads; i++)
		m += !strcmp(heads[i].session, session);
	if (!m)
		return 0;
	if (!(c = realloc(*v, (*n + m) * sizeof(*c)))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*v = c;
	for (i = 0; i < nheads; i++) {
		const struct chain_head *h = &heads[i];
		if (strcmp(h->session, session))
			continue;
		c = &(*v)[(*n)++];
		memset(c, 0, sizeof(*c));
		c->seq = h->seq;
		c->time_ns = h->time_ns;
		c->final = h->final;
		c->sink = true;
		memcpy(c->hash, h->hash, CHAIN_HASH_LEN);
		check_sig(c, session, key, id, h->key_id, h->sig, sizeof(h->sig), r);
		r->sink_heads++;
	}
	return 0;
}

/* Load and check every checkpoint's signature, in the order written. */
static int load_checkpoints(struct store *st, const char *session, EVP_PKEY *key, struct ckpt **out,
			    size_t *n, struct verify_result *r, char *err, size_t errlen)
{
	sqlite3_stmt *q;
	struct ckpt *v = NULL, *c;
	size_t cap = 0;
	char id[17];

	*n = 0;
	if (hostkey_id(key, id) ||
	    sqlite3_prepare_v2(st->db,
			       "SELECT seq, hash, time_ns, final, key_id, sig FROM checkpoints"
			       " WHERE session=? ORDER BY id",
			       -1, &q, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", st->path, sqlite3_errmsg(st->db));
		return -1;
	}
	sqlite3_bind_text(q, 1, session, -1, SQLITE_STATIC);
	while (sqlite3_step(q) == SQLITE_ROW) {
		const void *hash = sqlite3_column_blob(q, 1), *sig = sqlite3_column_blob(q, 5);
		const char *kid = (const char *)sqlite3_column_text(q, 4);

		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			if (!(c = realloc(v, cap * sizeof(*v)))) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			v = c;
		}
		c = &v[*n];
		memset(c, 0, sizeof(*c));
		c->seq = sqlite3_column_int64(q, 0);
		c->time_ns = sqlite3_column_int64(q, 2);
		c->final = sqlite3_column_int(q, 3);
		if (r->status == VERIFY_OK &&
		    (!hash || sqlite3_column_bytes(q, 1) != CHAIN_HASH_LEN))
			fail(r, VERIFY_SIGNATURE, c->seq, 0, "checkpoint holds no chain hash");
		if (hash && sqlite3_column_bytes(q, 1) == CHAIN_HASH_LEN)
			memcpy(c->hash, hash, CHAIN_HASH_LEN);
		check_sig(c, session, key, id, kid, sig, (size_t)sqlite3_column_bytes(q, 5), r);
		(*n)++;
	}
	sqlite3_finalize(q);
	*out = v;
	return 0;
fail:
	sqlite3_finalize(q);
	free(v);
	return -1;
}

static bool seq_exists(struct store *st, const char *session, int64_t seq)
{
	sqlite3_stmt *q;
	bool found = false;

	if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM events WHERE session=? AND seq=? LIMIT 1", -1,
			       &q, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(q, 1, session, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, seq);
	found = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return found;
}

/* Hold head (of record seq) against the checkpoints at seq. */
static void match_checkpoints(struct ckpt *v, size_t n, int64_t seq, const uint8_t *head,
			      struct verify_result *r)
{
	char buf[256];
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].seq != seq || v[i].matched)
			continue;
		v[i].matched = true;
		if (memcmp(v[i].hash, head, CHAIN_HASH_LEN) && r->status == VERIFY_OK) {
			snprintf(buf, sizeof(buf),
				 "the chain up to record %" PRId64 " does not match %s (rewritten)",
				 seq, ckpt_name(&v[i]));
			fail(r, VERIFY_MODIFIED, seq, 0, buf);
		}
	}
}

/* Check one events row (expected: the sequence number it should carry). */
static void check_row(struct store *st, const char *session, sqlite3_stmt *q, EVP_MD_CTX *md,
		      uint8_t head[CHAIN_HASH_LEN], int64_t expected, struct verify_result *r)
{
	int64_t row = sqlite3_column_int64(q, 0), seq = sqlite3_column_int64(q, 1);
	const void *digest = sqlite3_column_blob(q, 8);
	struct chain_row cr = {
		.session = session,
		.seq = seq,
		.time_ns = sqlite3_column_int64(q, 2),
		.type = (const char *)sqlite3_column_text(q, 3),
		.pid = sqlite3_column_int64(q, 4),
		.path = (const char *)sqlite3_column_text(q, 5),
		.summary = (const char *)sqlite3_column_text(q, 6),
		.data = (const char *)sqlite3_column_text(q, 7),
	};
	char buf[256];

	cr.data_len = (size_t)sqlite3_column_bytes(q, 7);
	if (sqlite3_column_type(q, 1) == SQLITE_NULL) {
		fail(r, VERIFY_UNCHAINED, expected, row, "the record carries no sequence number");
		return;
	}
	if (seq < expected) {
		snprintf(buf, sizeof(buf), "record %" PRId64 " stored after record %" PRId64, seq,
			 expected - 1);
		fail(r, VERIFY_REORDERED, seq, row, buf);
		return;
	}
	if (seq > expected) {
		if (seq_exists(st, session, expected)) {
			snprintf(buf, sizeof(buf),
				 "record %" PRId64 " stored before record %" PRId64, seq, expected);
			fail(r, VERIFY_REORDERED, expected, row, buf);
		} else {
			snprintf(buf, sizeof(buf), "records %" PRId64 "..%" PRId64 " are missing",
				 expected, seq - 1);
			fail(r, VERIFY_DELETED, expected, 0, buf);
		}
		return;
	}
	chain_hash(md, head, &cr, head);
	if (!digest || sqlite3_column_bytes(q, 8) != CHAIN_ROW_DIGEST_LEN ||
	    memcmp(digest, head, CHAIN_ROW_DIGEST_LEN))
		fail(r, VERIFY_MODIFIED, seq, row, "its contents do not match its chain hash");
}

/* After the last row: checkpoints beyond it mean a cut tail; an ended
 * session needs its final checkpoint at its last record. */
static void check_tail(struct ckpt *v, size_t n, int64_t last, bool ended, struct verify_result *r)
{
	char buf[256];
	int64_t top = -1;
	bool final = false, top_sink = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].seq > top || (v[i].seq == top && !v[i].sink)) {
			top = v[i].seq;
			top_sink = v[i].sink;
		}
		if (v[i].final)
			final = true;
		if (v[i].final && v[i].seq < last && r->status == VERIFY_OK) {
			snprintf(buf, sizeof(buf),
				 "records %" PRId64 "..%" PRId64 " follow the final checkpoint",
				 v[i].seq + 1, last);
			fail(r, VERIFY_MODIFIED, v[i].seq + 1, 0, buf);
		}
	}
	if (r->status != VERIFY_OK)
		return;
	if (top > last) {
		snprintf(buf, sizeof(buf),
			 "records %" PRId64 "..%" PRId64 " are gone (%s at %" PRId64 ")", last + 1,
			 top, top_sink ? "the sink's signed head" : "signed checkpoint", top);
		fail(r, VERIFY_TRUNCATED, last + 1, 0, buf);
	} else if (ended && !final) {
		snprintf(buf, sizeof(buf),
			 "the ended session has no final checkpoint (records after %" PRId64
			 " may be gone)",
			 top < 0 ? 0 : top);
		fail(r, VERIFY_TRUNCATED, (top < 0 ? 0 : top) + 1, 0, buf);
	}
	r->signed_seq = top < 0 ? 0 : top;
}

static int session_ended(struct store *st, const char *session, bool *ended)
{
	sqlite3_stmt *q;

	if (sqlite3_prepare_v2(st->db, "SELECT end_ns IS NOT NULL FROM sessions WHERE id=?", -1, &q,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, session, -1, SQLITE_STATIC);
	*ended = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return 0;
}

/* A v2 store's signed record that records 1..last of session were pruned:
 * the chain goes on from the checkpoint at last (whose signature
 * load_checkpoints checked). 0: none, 1: applied, -1: r says what is wrong. */
static int apply_pruned(struct store *st, const char *session, EVP_PKEY *key, struct ckpt *v,
			size_t n, uint8_t head[CHAIN_HASH_LEN], int64_t *expected,
			struct verify_result *r)
{
	sqlite3_stmt *q;
	char msg[512], id[17], buf[256];
	int64_t first, last, time_ns;
	const void *sig;
	const char *kid;
	size_t i, len;
	int found = 0;

	if (st->version < 2 || hostkey_id(key, id) ||
	    sqlite3_prepare_v2(st->db,
			       "SELECT first_seq, last_seq, time_ns, key_id, sig FROM pruned"
			       " WHERE session=? ORDER BY last_seq DESC LIMIT 1",
			       -1, &q, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(q, 1, session, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		return 0;
	}
	first = sqlite3_column_int64(q, 0);
	last = sqlite3_column_int64(q, 1);
	time_ns = sqlite3_column_int64(q, 2);
	kid = (const char *)sqlite3_column_text(q, 3);
	sig = sqlite3_column_blob(q, 4);
	len = store_prune_msg(msg, sizeof(msg), session, last, time_ns);
	if (first != 1 || !kid || strcmp(kid, id) || !sig ||
	    !hostkey_verify(key, msg, len, sig, (size_t)sqlite3_column_bytes(q, 4))) {
		snprintf(buf, sizeof(buf),
			 "the record of records %" PRId64 "..%" PRId64
			 " pruned is not signed by this host's key",
			 first, last);
		fail(r, VERIFY_SIGNATURE, first, 0, buf);
		sqlite3_finalize(q);
		return -1;
	}
	sqlite3_finalize(q);
	for (i = 0; i < n; i++) {
		if (v[i].seq > last)
			continue;
		v[i].matched = true;
		if (v[i].seq == last) {
			memcpy(head, v[i].hash, CHAIN_HASH_LEN);
			found = 1;
		}
	}
	if (!found) {
		snprintf(buf, sizeof(buf),
			 "records 1..%" PRId64
			 " were pruned but no checkpoint signs record %" PRId64,
			 last, last);
		fail(r, VERIFY_TRUNCATED, last, 0, buf);
		return -1;
	}
	r->pruned = last;
	*expected = last + 1;
	return 1;
}

int store_verify_session(struct store *st, const char *session, EVP_PKEY *key,
			 struct verify_result *r, char *err, size_t errlen)
{
	return store_verify_session_heads(st, session, key, NULL, 0, r, err, errlen);
}

int store_verify_session_heads(struct store *st, const char *session, EVP_PKEY *key,
			       const struct chain_head *heads, size_t nheads,
			       struct verify_result *r, char *err, size_t errlen)
{
	char id[17];
	uint8_t head[CHAIN_HASH_LEN] = {0};
	struct ckpt *cks = NULL;
	size_t ncks = 0;
	sqlite3_stmt *q = NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int step = SQLITE_DONE;
	int64_t expected = 1;
	bool ended = false;

	memset(r, 0, sizeof(*r));
	if (!md || session_ended(st, session, &ended) ||
	    load_checkpoints(st, session, key, &cks, &ncks, r, err, errlen) ||
	    hostkey_id(key, id) ||
	    add_sink_heads(session, key, id, heads, nheads, &cks, &ncks, r, err, errlen))
		goto fail;
	if (sqlite3_prepare_v2(st->db,
			       "SELECT id, seq, time_ns, type, pid, path, summary, data, digest"
			       " FROM events WHERE session=? ORDER BY id",
			       -1, &q, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", st->path, sqlite3_errmsg(st->db));
		goto fail;
	}
	sqlite3_bind_text(q, 1, session, -1, SQLITE_STATIC);
	if (apply_pruned(st, session, key, cks, ncks, head, &expected, r) == 0)
		match_checkpoints(cks, ncks, 0, head, r);
	while (r->status == VERIFY_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
		check_row(st, session, q, md, head, expected, r);
		if (r->status != VERIFY_OK)
			break;
		match_checkpoints(cks, ncks, expected, head, r);
		expected++;
	}
	r->records = expected - 1 - r->pruned;
	if (r->status == VERIFY_OK && step != SQLITE_DONE) {
		/* a damaged file is not a truncated chain: say what failed */
		snprintf(err, errlen, "%s: reading the records of %s after record %lld: %s",
			 st->path, session, (long long)(expected - 1), sqlite3_errmsg(st->db));
		goto fail;
	}
	if (r->status == VERIFY_OK && !ncks && expected > 1)
		fail(r, VERIFY_TRUNCATED, 1, 0, "the session has no checkpoint");
	if (r->status == VERIFY_OK)
		check_tail(cks, ncks, expected - 1, ended, r);
	r->checkpoints = (int64_t)ncks - r->sink_heads;
	sqlite3_finalize(q);
	EVP_MD_CTX_free(md);
	free(cks);
	return 0;
fail:
	sqlite3_finalize(q);
	EVP_MD_CTX_free(md);
	free(cks);
	return -1;
}

int store_integrity_check(struct store *st, int (*fn)(void *ctx, const char *problem), void *ctx,
			  char *err, size_t errlen)
{
	sqlite3_stmt *q;
	int n = 0, step;

	if (sqlite3_prepare_v2(st->db, "PRAGMA integrity_check(100)", -1, &q, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", st->path, sqlite3_errmsg(st->db));
		return -1;
	}
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		const char *msg = (const char *)sqlite3_column_text(q, 0);
		if (msg && !strcmp(msg, "ok"))
			continue;
		n++;
		fn(ctx, msg ? msg : "(no message)");
	}
	if (step != SQLITE_DONE) { /* damaged beyond what the check can walk */
		n++;
		fn(ctx, sqlite3_errmsg(st->db));
	}
	sqlite3_finalize(q);
	return n;
}
