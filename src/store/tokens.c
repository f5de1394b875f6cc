/* tokens.c: API bearer tokens and the audit of admin actions. A token is
 * "pct_" and 24 random bytes in hex, shown once; the store keeps only its
 * SHA-256 (hex), its id (the hash's first 16 hex digits), scope and projects. */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "store/api.h"
#include "util/util.h"

static void hex(const unsigned char *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = 0;
}

static int token_hash(const char *token, char out[65])
{
	unsigned char md[32];
	unsigned int n = sizeof(md);

	if (!EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL))
		return -1;
	hex(md, sizeof(md), out);
	return 0;
}

static void fill_token(sqlite3_stmt *q, struct store_token *t)
{
	const unsigned char *p;

	memset(t, 0, sizeof(*t));
	snprintf(t->id, sizeof(t->id), "%s", (const char *)sqlite3_column_text(q, 0));
	snprintf(t->scope, sizeof(t->scope), "%s", (const char *)sqlite3_column_text(q, 1));
	if ((p = sqlite3_column_text(q, 2)))
		snprintf(t->projects_json, sizeof(t->projects_json), "%s", (const char *)p);
	t->created_ns = sqlite3_column_int64(q, 3);
	t->revoked_ns = sqlite3_column_int64(q, 4);
}

int store_token_create(struct store *st, const char *scope, const char *projects_json,
		       char token[STORE_TOKEN_LEN + 1], struct store_token *out, char *err,
		       size_t errlen)
{
	unsigned char raw[24];
	char hash[65];
	sqlite3_stmt *q;
	int rc;

	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		snprintf(err, errlen, "no random bytes for a token");
		return -1;
	}
	memcpy(token, "pct_", 4);
	hex(raw, sizeof(raw), token + 4);
	if (token_hash(token, hash)) {
		snprintf(err, errlen, "SHA-256 failed");
		return -1;
	}
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO tokens(id, hash, scope, projects, created_ns)"
			       " VALUES(?1, ?2, ?3, ?4, ?5)"
			       " RETURNING id, scope, projects, created_ns, revoked_ns",
			       -1, &q, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", st->path, sqlite3_errmsg(st->db));
		return -1;
	}
	sqlite3_bind_text(q, 1, hash, 16, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 3, scope, -1, SQLITE_TRANSIENT);
	if (projects_json)
		sqlite3_bind_text(q, 4, projects_json, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 5, (int64_t)now_realtime_ns());
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		fill_token(q, out);
	else
		snprintf(err, errlen, "%s: %s", st->path, sqlite3_errmsg(st->db));
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? 0 : -1;
}

int store_token_lookup(struct store *st, const char *token, struct store_token *t)
{
	char hash[65];
	sqlite3_stmt *q;
	int rc;

	if (strlen(token) != STORE_TOKEN_LEN || token_hash(token, hash))
		return -ENOENT;
	if (sqlite3_prepare_v2(st->db,
			       "SELECT id, scope, projects, created_ns, revoked_ns FROM tokens"
			       " WHERE hash = ?1",
			       -1, &q, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(q, 1, hash, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		fill_token(q, t);
	sqlite3_finalize(q);
	if (rc == SQLITE_DONE)
		return -ENOENT;
	if (rc != SQLITE_ROW)
		return -EIO;
	return t->revoked_ns ? -EKEYREVOKED : 0;
}

int store_token_revoke(struct store *st, const char *id, char *err, size_t errlen)
{
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(
		    st->db,
		    "UPDATE tokens SET revoked_ns = ?2 WHERE id = ?1 AND revoked_ns IS NULL", -1,
		    &q, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", st->path, sqlite3_errmsg(st->db));
		return -1;
	}
	sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 2, (int64_t)now_realtime_ns());
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s: %s", st->path, sqlite3_errmsg(st->db));
		return -1;
	}
	if (sqlite3_changes(st->db) != 1) {
		snprintf(err, errlen, "no live token with id '%s' (see `proctor token list`)", id);
		return -1;
	}
	return 0;
}

int store_foreach_token(struct store *st, int (*fn)(void *, const struct store_token *), void *ctx)
{
	struct store_token t;
	sqlite3_stmt *q;
	int rc = 0;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT id, scope, projects, created_ns, revoked_ns FROM tokens"
			       " ORDER BY created_ns, id",
			       -1, &q, NULL) != SQLITE_OK)
		return -1;
	while (!rc && sqlite3_step(q) == SQLITE_ROW) {
		fill_token(q, &t);
		rc = fn(ctx, &t);
	}
	sqlite3_finalize(q);
	return rc;
}

int store_audit(struct store *st, const char *action, const char *actor, const char *detail_json,
		char *err, size_t errlen)
{
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(
		    st->db, "INSERT INTO audit(time_ns, action, actor, detail) VALUES(?1,?2,?3,?4)",
		    -1, &q, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", st->path, sqlite3_errmsg(st->db));
		return -1;
	}
	sqlite3_bind_int64(q, 1, (int64_t)now_realtime_ns());
	sqlite3_bind_text(q, 2, action, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 3, actor, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 4, detail_json, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s: %s", st->path, sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

int store_foreach_audit(struct store *st,
			int (*fn)(void *, int64_t, const char *, const char *, const char *),
			void *ctx)
{
	sqlite3_stmt *q;
	int rc = 0;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT time_ns, action, actor, detail FROM audit ORDER BY id", -1,
			       &q, NULL) != SQLITE_OK)
		return -1;
	while (!rc && sqlite3_step(q) == SQLITE_ROW)
		rc = fn(ctx, sqlite3_column_int64(q, 0), (const char *)sqlite3_column_text(q, 1),
			(const char *)sqlite3_column_text(q, 2),
			(const char *)sqlite3_column_text(q, 3));
	sqlite3_finalize(q);
	return rc;
}
