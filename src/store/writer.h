/* writer.h: the write side of the SQLite store. One writer per sink: events
 * in batches (one transaction each), the processes table kept current from
 * lifecycle facts, and the sessions table. Plain values in, no records: the
 * SQLite sink (src/sinks/sqlite.c) turns records into these calls. */
#ifndef PROCTOR_STORE_WRITER_H
#define PROCTOR_STORE_WRITER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_writer;

/* Open (creating file and schema) for writing; checkpoints run on a thread
 * of their own (checkpointer.h). NULL with err filled on failure. */
struct store_writer *store_writer_open(const char *path, char *err, size_t errlen);
void store_writer_close(struct store_writer *w);
const char *store_writer_path(const struct store_writer *w);
/* SQLite's message for the writer's last failure. */
const char *store_writer_errmsg(const struct store_writer *w);

struct chain_head;
/* fn gets every checkpoint the writer signs, once it is stored (after the
 * batch's COMMIT, or the session's end): the chain heads the sinks export. */
void store_writer_on_head(struct store_writer *w, void (*fn)(void *ctx, const struct chain_head *h),
			  void *ctx);

/* Copy the WAL into the database and truncate it (a full disk: the WAL
 * may hold the space the database needs). 0, or -1 (busy, still full). */
int store_writer_truncate_wal(struct store_writer *w);

/* A batch is one transaction. */
int store_batch_begin(struct store_writer *w);
int store_batch_commit(struct store_writer *w);
void store_batch_rollback(struct store_writer *w);

struct store_event {
	const char *session, *type, *path, *summary; /* path may be NULL */
	const char *json;			     /* the full record */
	size_t json_len;
	int64_t time_ns, pid;
};
int store_add_event(struct store_writer *w, const struct store_event *e);

/* What a process row says about the image a pid runs (any field may be NULL). */
struct store_proc_image {
	const char *exe, *argv_json, *cwd, *comm, *cmdline;
	int64_t ppid, uid;
};
/* A new process (row born at time_ns). */
int store_proc_fork(struct store_writer *w, const char *session, int64_t pid, int64_t time_ns,
		    const struct store_proc_image *img);
/* A new thread of pid's live row. */
int store_proc_thread(struct store_writer *w, const char *session, int64_t pid);
/* pid's live row now runs img (exec, or seeded from /proc at session start);
 * a pid with no live row gets one. */
int store_proc_exec(struct store_writer *w, const char *session, int64_t pid, int64_t time_ns,
		    const struct store_proc_image *img, bool seeded);
/* pid's live row ends (signal: NULL or a name such as "SIGKILL"). */
int store_proc_exit(struct store_writer *w, const char *session, int64_t pid, int64_t time_ns,
		    int64_t code, const char *signal);

struct store_session {
	const char *id, *agent, *project, *user, *host, *cgroup;
	const char *command_json, *drops_detail_json;
	const char *sink_drops_json; /* {"sink": lost}; NULL: {} */
	const char *origin;	     /* run, watch, auto */
	const char *container, *pod; /* name (else id) and k8s pod name; "" none */
	uint64_t key, start_ns, end_ns, events, drops;
	int64_t exit_code, exit_signal;
	bool ended; /* end_ns, exit_code and exit_signal are set */
};
/* Insert the session, or update its end, counts and process count. */
int store_session_put(struct store_writer *w, const struct store_session *s);
/* An ended session's drops and per-sink losses, reported after its end. */
int store_session_recount(struct store_writer *w, const char *id, uint64_t drops,
			  const char *sink_drops_json);

#endif
