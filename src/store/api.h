/* api.h: the store's queries behind `proctor serve` and `proctor report`:
 * sessions filtered and scoped to projects, pages of events with a cursor,
 * API tokens (kept as SHA-256 only) and the audit of admin actions. */
#ifndef PROCTOR_STORE_API_H
#define PROCTOR_STORE_API_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Sessions: every field NULL/0 matches all. projects_json is a token's scope
 * (a JSON array of project names; NULL: all projects). */
struct store_session_query {
	const char *id, *agent, *project;
	int64_t since_ns, until_ns; /* sessions overlapping [since, until) */
	const char *projects_json;
};
int store_api_sessions(struct store *st, const struct store_session_query *q,
		       int (*fn)(void *ctx, const struct store_session_row *), void *ctx);

/* A page of a session's events in (time_ns, id) order, after the cursor
 * (after_time, after_id); after_time -1 starts at the beginning. Returns the
 * number of rows given to fn, or -1. */
struct store_event_page {
	struct store_event_filter f;
	int64_t since_ns, until_ns; /* 0: unbounded */
	int64_t after_time, after_id;
	int limit;
};
int store_api_events(struct store *st, const struct store_event_page *p,
		     int (*fn)(void *ctx, int64_t id, int64_t time_ns, const char *json),
		     void *ctx);
/* A live tail: up to limit of the session's events stored after the event
 * after_id, in the order they were stored (ids only grow; times do not: a
 * record may be stored after one with a later time). Returns the number
 * of rows, or -1. The id of the last event stored so far (any session's,
 * 0 for none) is where a tail from now starts. */
int store_api_tail(struct store *st, const char *session, int64_t after_id, int limit,
		   int (*fn)(void *ctx, int64_t id, int64_t time_ns, const char *json), void *ctx);
int store_api_max_id(struct store *st, int64_t *id);

/* Tokens. scope is "read" or "admin". */
#define STORE_TOKEN_LEN 52 /* "pct_" + 48 hex digits */
struct store_token {
	char id[17], scope[8];
	char projects_json[1024]; /* "" for all projects */
	int64_t created_ns, revoked_ns;
};
/* Make a token, store its hash; the plain token is written to token (once). */
int store_token_create(struct store *st, const char *scope, const char *projects_json,
		       char token[STORE_TOKEN_LEN + 1], struct store_token *out, char *err,
		       size_t errlen);
/* 0 and *t for a live token; -ENOENT unknown, -EKEYREVOKED revoked, -EIO. */
int store_token_lookup(struct store *st, const char *token, struct store_token *t);
int store_token_revoke(struct store *st, const char *id, char *err, size_t errlen);
int store_foreach_token(struct store *st, int (*fn)(void *ctx, const struct store_token *),
			void *ctx);

/* Record an admin action (actor: "cli:USER" or "token:ID"). */
int store_audit(struct store *st, const char *action, const char *actor, const char *detail_json,
		char *err, size_t errlen);
int store_foreach_audit(struct store *st,
			int (*fn)(void *ctx, int64_t time_ns, const char *action, const char *actor,
				  const char *detail_json),
			void *ctx);

/* The incident report (`proctor report`): one call per row. */
int store_report_type_counts(struct store *st, const char *session,
			     int (*fn)(void *ctx, const char *type, int64_t n), void *ctx);
/* net.flow grouped by destination (name or address, port) and verdict. */
int store_report_egress(struct store *st, const char *session,
			int (*fn)(void *ctx, const char *dest, const char *verdict, int64_t flows,
				  int64_t bytes_out, int64_t bytes_in),
			void *ctx);
/* file.open of a path matching one of globs (NULL-terminated), by pid and path. */
int store_report_sensitive(struct store *st, const char *session, const char *const *globs,
			   int (*fn)(void *ctx, int64_t pid, const char *path, int64_t n),
			   void *ctx);
/* Events whose recorded values hold a [REDACTED:RULE] marker, by type. */
int store_report_redacted(struct store *st, const char *session,
			  int (*fn)(void *ctx, const char *type, int64_t n), void *ctx);
/* The first `limit` events of a type prefix (time, pid, type, summary);
 * returns how many there are in all, or -1. */
int64_t store_report_events(struct store *st, const char *session, const char *type_prefix,
			    int limit,
			    int (*fn)(void *ctx, int64_t time_ns, int64_t pid, const char *type,
				      const char *summary),
			    void *ctx);

/* The model calls (llm.call, docs/EVENTS-llm.md): the first `limit` in
 * time order (an absent count is -1, an absent text ""); returns how many
 * there are in all, or -1. Fields another version adds (llm.cost_usd) are
 * read when present. */
struct store_llm_call {
	int64_t time_ns, pid, input_tokens, output_tokens, duration_ms;
	const char *provider, *model, *tool_names_json;
	double cost_usd;
	bool has_cost, complete;
};
int64_t store_report_llm_calls(struct store *st, const char *session, int limit,
			       int (*fn)(void *ctx, const struct store_llm_call *c), void *ctx);
struct store_llm_totals {
	int64_t calls, tool_calls, input_tokens, output_tokens, priced; /* priced: with a cost */
	double cost_usd;
};
int store_report_llm_totals(struct store *st, const char *session, struct store_llm_totals *t);
/* intent.mismatch records (a tool call that did more than it declared),
 * the first `limit`; returns how many in all, or -1. */
struct store_intent_mismatch {
	int64_t time_ns, pid;
	const char *call_id, *reason, *declared, *observed;
};
int64_t store_report_intent(struct store *st, const char *session, int limit,
			    int (*fn)(void *ctx, const struct store_intent_mismatch *m), void *ctx);

#endif
