/* store.h: the embedded SQLite store: schema (versioned), opening with clear
 * errors for a missing or corrupt file, and the queries behind the CLI
 * (`sessions`, `tree`, `log` read it). Writes go through store/writer.h.
 * All of proctor's SQL lives in src/store/. */
#ifndef PROCTOR_STORE_H
#define PROCTOR_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define STORE_SCHEMA_VERSION 2
#define STORE_BUSY_MS	     5000 /* how long a writer waits for another one's lock */

struct store {
	sqlite3 *db;
	int version; /* 1: the v1 events table; 2: event_rows and the events view */
	char path[4096];
};

/* $PROCTOR_DB, else /var/lib/proctor/proctor.db (root) or
 * $XDG_DATA_HOME/proctor/proctor.db. */
const char *store_default_path(void);

/* Read-write, creating the file and schema if needed. The connection is
 * opened without SQLite's per-call mutexes: one thread at a time uses it. */
int store_open_rw(struct store *st, const char *path, char *err, size_t errlen);
/* Read-only for the CLI: fails on a missing file or a foreign/corrupt one. */
int store_open_ro(struct store *st, const char *path, char *err, size_t errlen);
/* Read-write, for maintenance (`proctor db`): an existing store of
 * version 1 or 2, its schema left as it is. */
int store_open_existing(struct store *st, const char *path, char *err, size_t errlen);
void store_close(struct store *st);
/* Run sql on st; -1 with err naming the file. */
int store_exec(struct store *st, const char *sql, char *err, size_t errlen);
/* A v1 store made before the chain or sessions.origin: add those columns. */
int store_upgrade_v1_columns(struct store *st, char *err, size_t errlen);
/* Create the v2 tables, view and triggers (IF NOT EXISTS). */
int store_create_v2_schema(struct store *st, char *err, size_t errlen);

/* SQLite's message for the last failure on st. */
const char *store_errmsg(const struct store *st);

/* "latest"/NULL, an exact id, or a unique prefix -> full id. */
int store_resolve_session(struct store *st, const char *want, char *id, size_t idlen, char *err,
			  size_t errlen);

/* Whether table has column (a store made by an older proctor may not). */
bool store_has_column(struct store *st, const char *table, const char *column);

struct store_session_row {
	const char *id, *agent, *project, *user, *host, *command_json, *drops_detail;
	const char *origin, *container, *pod; /* "" in a read-only store made before them */
	const char *sink_drops;		      /* {"sink": lost}, "" before the column */
	int64_t start_ns, end_ns, exit_code, exit_signal, events, drops, processes;
	/* its recorder died: ended by store_mark_crashed (end set, no exit code) */
	bool crashed;
};
int store_foreach_session(struct store *st, int (*fn)(void *ctx, const struct store_session_row *),
			  void *ctx);

struct store_process_row {
	int64_t rowid, pid, ppid, start_ns, exec_ns, end_ns, exit_code, uid, threads;
	bool has_exit;
	const char *exe, *argv_json, *cwd, *comm, *exit_signal, *cmdline;
};
int store_foreach_process(struct store *st, const char *session,
			  int (*fn)(void *ctx, const struct store_process_row *), void *ctx);

struct store_event_filter {
	const char *session;
	const char *type_prefix; /* NULL: all */
	int64_t pid;		 /* 0: all */
	const char *path_glob;	 /* NULL: all */
	const char *host;	 /* NULL: all; else server.address, dns.question.name
				    or network.peer.address equal to it */
	const char *tool_call;	 /* NULL: all; else gen_ai.tool.call.id equal to it */
	/* a tail: only events stored after the event after_id (0: all); the
	 * id of each event given to fn goes to *last_id (when not NULL) */
	int64_t after_id;
	int64_t *last_id;
};
int store_foreach_event(struct store *st, const struct store_event_filter *f,
			int (*fn)(void *ctx, const char *json, const char *summary), void *ctx);

/* A session's model calls, tool calls and intent mismatches (query_llm.c),
 * for the `proctor tree` header. */
struct store_llm_summary {
	int64_t calls, in_tokens, out_tokens, priced, tool_calls, mismatches;
	double cost_usd;
	char tools[512];       /* "Bash 3, Read 1" in order of first use */
	char mismatch_by[256]; /* "network 1, outlived 2" */
};
int store_llm_summary(struct store *st, const char *session, struct store_llm_summary *out);
/* Each process.exec linked to a tool call, in order: its pid, the tool call's
 * id, and the llm.tool_call's name and command ("" when not recorded). */
int store_foreach_tool_exec(struct store *st, const char *session,
			    int (*fn)(void *ctx, int64_t pid, const char *id, const char *name,
				      const char *command),
			    void *ctx);

/* The per-process activity notes of `proctor tree`, one call per (pid, note):
 * exec chains, files, credential reads (file.open of a path matching one of
 * cred_globs, NULL-terminated), network, DNS, privilege, escape and memory.
 * One query per kind, each on the (session, type) index. */
int store_foreach_tree_note(struct store *st, const char *session, const char *const *cred_globs,
			    int (*fn)(void *ctx, int64_t pid, const char *note), void *ctx);

/* The records and process rows stored for a session so far (a daemon
 * taking back a session counts on from them). */
int store_session_counts(struct store *st, const char *id, int64_t *events, int64_t *processes);
/* A session whose recorder died: ended at its last event, with the counts
 * the store holds, and no exit code (crashed). 0, or -1 (store_errmsg);
 * a session already ended is left alone. */
int store_mark_crashed(struct store *st, const char *id);

#endif
