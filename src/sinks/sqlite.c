/* sqlite.c: the embedded default sink, an adapter from records to the
 * store's writer (src/store/writer.h): each batch in one transaction, the
 * processes table kept current from process.* records, and the sessions
 * table from session begin/end. The caller's thread only serializes a batch
 * (JSON, summary, process facts) into a bounded queue; a writer thread of
 * the sink's own (the second core) encodes, chains and inserts it. A full
 * queue makes write() wait (backpressure: the kernel's ring buffer fills,
 * where losses are counted and --fail-closed acts); a batch the store
 * refuses is reported through take_drops (DROP_SINK_ERROR), never silently;
 * on a full disk its process records are retried alone (the tree survives)
 * and the session's end is written from space reserved beside the store.
 * All SQL lives in src/store/. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "model/summary.h"
#include "sinks/sink.h"
#include "store/writer.h"
#include "util/util.h"

#define QUEUE_MAX 8   /* batches queued for the writer thread */
#define DROPQ_MAX 64  /* distinct (session, reason) losses not yet taken */
#define HEADQ_MAX 256 /* signed chain heads not yet taken */
#define NOSTR	  ((size_t)-1)

enum proc_fact { P_NONE, P_FORK, P_THREAD, P_EXEC, P_SEED, P_EXIT };

/* One record as the writer thread needs it: strings are offsets into the
 * batch's arena (NOSTR: NULL). */
struct witem {
	size_t session, type, path, summary, json, json_len;
	size_t exe, argv, cwd, comm, cmdline, signal;
	int64_t time_ns, pid, ppid, uid, code, proc_pid;
	uint64_t session_key;
	enum proc_fact fact;
};

struct wbatch {
	struct strbuf arena;
	struct witem *items;
	size_t n, cap;
	struct wbatch *next;
};

struct sqlite_sink {
	struct store_writer *w;
	struct strbuf json, summary, argv;
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t work, room, idle;
	struct wbatch *head, *tail, *spare;
	size_t queued;
	bool busy, stop;
	struct sink_drop dropq[DROPQ_MAX];
	size_t ndrops;
	uint64_t waits; /* write() calls that waited for room */
	/* Fail-closed (a session began with --fail-closed): a batch the store
	 * refuses (a full disk) is held and retried, not dropped, while
	 * `holding` asks the recorder to freeze the fail-closed sessions
	 * (sink_ops.blocked); a session's end or the sink's stop releases it
	 * (one last try, then it is lost and counted). */
	size_t hold; /* fail-closed sessions begun and not ended */
	bool holding, release;
	/* Chain heads signed and stored, not yet taken (own lock: the writer
	 * thread and sqlite_session, which holds mu, both add). A session's
	 * newer head supersedes an untaken older one when the queue is full. */
	pthread_mutex_t hmu;
	struct chain_head headq[HEADQ_MAX];
	size_t nheads;
	/* Space kept beside the store for the session's end on a full disk:
	 * PATH-reserve-PID, given back when the end cannot be written. */
	char reserve[4200];
};

#define RESERVE_BYTES (256 << 10)

/* Reserves of recorders that died (kill -9) are given back. */
static void remove_stale_reserves(const char *path)
{
	char pat[4200];
	glob_t g;
	size_t i;

	snprintf(pat, sizeof(pat), "%s-reserve-*", path);
	if (glob(pat, GLOB_NOSORT, NULL, &g))
		return;
	for (i = 0; i < g.gl_pathc; i++) {
		int pid = atoi(strrchr(g.gl_pathv[i], '-') + 1);
		if (pid > 0 && kill(pid, 0) && errno == ESRCH)
			unlink(g.gl_pathv[i]);
	}
	globfree(&g);
}

static void make_reserve(struct sqlite_sink *k, const char *path)
{
	int fd;

	remove_stale_reserves(path);
	snprintf(k->reserve, sizeof(k->reserve), "%s-reserve-%d", path, (int)getpid());
	fd = open(k->reserve, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || posix_fallocate(fd, 0, RESERVE_BYTES)) {
		if (fd >= 0)
			unlink(k->reserve);
		k->reserve[0] = 0;
	}
	if (fd >= 0)
		close(fd);
}

static bool give_back_reserve(struct sqlite_sink *k)
{
	bool had = k->reserve[0] && !unlink(k->reserve);

	k->reserve[0] = 0;
	return had;
}

static void queue_head(void *ctx, const struct chain_head *h)
{
	struct sqlite_sink *k = ctx;
	size_t i;

	pthread_mutex_lock(&k->hmu);
	if (k->nheads == HEADQ_MAX) { /* the oldest non-final head goes */
		for (i = 0; i < k->nheads && k->headq[i].final; i++)
			;
		if (i == k->nheads)
			i = 0;
		memmove(&k->headq[i], &k->headq[i + 1], (k->nheads - i - 1) * sizeof(*h));
		k->nheads--;
	}
	k->headq[k->nheads++] = *h;
	pthread_mutex_unlock(&k->hmu);
}

static size_t sqlite_take_heads(struct sink *s, struct chain_head *out, size_t max)
{
	struct sqlite_sink *k = s->priv;
	size_t n;

	if (!k)
		return 0;
	pthread_mutex_lock(&k->hmu);
	n = k->nheads < max ? k->nheads : max;
	memcpy(out, k->headq, n * sizeof(*out));
	memmove(k->headq, k->headq + n, (k->nheads - n) * sizeof(*out));
	k->nheads -= n;
	pthread_mutex_unlock(&k->hmu);
	return n;
}

static size_t put_str(struct wbatch *b, const char *v)
{
	size_t off = b->arena.len;

	if (!v)
		return NOSTR;
	sb_append(&b->arena, v, strlen(v) + 1);
	return off;
}

static size_t put_buf(struct wbatch *b, struct strbuf *sb)
{
	size_t off = b->arena.len;

	sb_append(&b->arena, sb->buf ? sb->buf : "", sb->len);
	sb_putc(&b->arena, 0);
	return off;
}

static const char *at(const struct wbatch *b, size_t off)
{
	return off == NOSTR ? NULL : b->arena.buf + off;
}

static int64_t get_int(const struct record *r, const char *key)
{
	int64_t v = 0;
	record_get_int(r, key, &v);
	return v;
}

static const char *argv_json(struct sqlite_sink *k, const struct record *r)
{
	const struct field *f = record_get(r, "process.command_args");
	uint32_t i;

	sb_reset(&k->argv);
	if (!f || f->kind != FIELD_STRV)
		return NULL;
	sb_putc(&k->argv, '[');
	for (i = 0; i < f->sv.n; i++) {
		if (i)
			sb_putc(&k->argv, ',');
		sb_json_str(&k->argv, f->sv.v[i]);
	}
	sb_putc(&k->argv, ']');
	return sb_cstr(&k->argv);
}

/* The processes-table fact a process.* record carries. */
static enum proc_fact proc_fact(const struct record *r)
{
	const char *t = r->type_name;
	const struct field *thr;

	if (strncmp(t, "process.", 8))
		return P_NONE;
	if (!strcmp(t, "process.fork")) {
		thr = record_get(r, "process.thread");
		return thr && thr->b ? P_THREAD : P_FORK;
	}
	if (!strcmp(t, "process.exec") || !strcmp(t, "process.seed")) {
		/* a failed exec left the caller's image as it was */
		if (!strcmp(record_get_str(r, "event.outcome") ?: "", "failure"))
			return P_NONE;
		return !strcmp(t, "process.seed") ? P_SEED : P_EXEC;
	}
	return !strcmp(t, "process.exit") ? P_EXIT : P_NONE;
}

/* Serialize r into b (the caller's thread: records are not ours to keep). */
static int add_item(struct sqlite_sink *k, struct wbatch *b, const struct record *r)
{
	struct witem *it;

	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 512;
		struct witem *v = realloc(b->items, cap * sizeof(*v));
		if (!v)
			return -1;
		b->items = v;
		b->cap = cap;
	}
	it = &b->items[b->n++];
	memset(it, 0, sizeof(*it));
	sb_reset(&k->json);
	sb_reset(&k->summary);
	record_to_json(r, &k->json);
	record_summary(r, &k->summary);
	it->session = put_str(b, record_get_str(r, "session"));
	it->type = put_str(b, r->type_name);
	it->path = put_str(b, record_get_str(r, "file.path"));
	it->summary = put_buf(b, &k->summary);
	it->json_len = k->json.len;
	it->json = put_buf(b, &k->json);
	it->time_ns = (int64_t)r->time_ns;
	it->pid = r->pid;
	it->session_key = r->session_key;
	it->fact = proc_fact(r);
	it->exe = it->argv = it->cwd = it->comm = it->cmdline = it->signal = NOSTR;
	if (it->fact == P_NONE)
		return 0;
	it->proc_pid = get_int(r, "process.pid");
	if (it->fact == P_FORK || it->fact == P_EXEC || it->fact == P_SEED) {
		it->exe = put_str(b, record_get_str(r, "process.executable.path"));
		it->argv = put_str(b, argv_json(k, r));
		it->cwd = put_str(b, record_get_str(r, "process.working_directory"));
		it->comm = put_str(b, record_get_str(r, "process.name"));
		it->cmdline = put_str(b, record_get_str(r, "process.command_line"));
		it->ppid = get_int(r, "process.parent_pid");
		it->uid = get_int(r, "process.user.id");
	} else if (it->fact == P_EXIT) {
		it->code = get_int(r, "process.exit.code");
		it->signal = put_str(b, record_get_str(r, "process.exit.signal"));
	}
	return 0;
}

/* Keep the processes table in step with one item's fact. */
static int track_process(struct sqlite_sink *k, const struct wbatch *b, const struct witem *it)
{
	const char *ses = at(b, it->session);
	struct store_proc_image img = {
		.exe = at(b, it->exe),
		.argv_json = at(b, it->argv),
		.cwd = at(b, it->cwd),
		.comm = at(b, it->comm),
		.cmdline = at(b, it->cmdline),
		.ppid = it->ppid,
		.uid = it->uid,
	};

	switch (it->fact) {
	case P_FORK: return store_proc_fork(k->w, ses, it->proc_pid, it->time_ns, &img);
	case P_THREAD: return store_proc_thread(k->w, ses, it->proc_pid);
	case P_EXEC:
	case P_SEED:
		return store_proc_exec(k->w, ses, it->proc_pid, it->time_ns, &img,
				       it->fact == P_SEED);
	case P_EXIT:
		return store_proc_exit(k->w, ses, it->proc_pid, it->time_ns, it->code,
				       at(b, it->signal));
	default: return 0;
	}
}

/* Count n lost records of session key (with the lock held). */
static void count_drop(struct sqlite_sink *k, uint64_t key, uint64_t n)
{
	size_t i;

	for (i = 0; i < k->ndrops; i++)
		if (k->dropq[i].session_key == key) {
			k->dropq[i].n += n;
			return;
		}
	if (k->ndrops == DROPQ_MAX) /* merged into the last slot, still counted */
		i = DROPQ_MAX - 1;
	else
		k->dropq[i = k->ndrops++] =
			(struct sink_drop){.why = DROP_SINK_ERROR, .session_key = key};
	k->dropq[i].n += n;
}

static bool is_process_item(const struct wbatch *b, const struct witem *it)
{
	return !strncmp(at(b, it->type), "process.", 8);
}

/* Insert b's items (only its process.* records when procs_only) in one
 * transaction: 0, or -1 with the transaction rolled back (the store's
 * reason logged unless quiet). */
static int insert_items(struct sqlite_sink *k, const struct wbatch *b, bool procs_only, bool quiet)
{
	size_t i;
	int rc = store_batch_begin(k->w);

	for (i = 0; i < b->n && !rc; i++) {
		const struct witem *it = &b->items[i];
		if (procs_only && !is_process_item(b, it))
			continue;
		struct store_event e = {
			.session = at(b, it->session),
			.type = at(b, it->type),
			.path = at(b, it->path),
			.summary = at(b, it->summary),
			.json = at(b, it->json),
			.json_len = it->json_len,
			.time_ns = it->time_ns,
			.pid = it->pid,
		};
		rc = store_add_event(k->w, &e);
		if (!rc && it->fact != P_NONE)
			rc = track_process(k, b, it);
	}
	if (!rc && !store_batch_commit(k->w))
		return 0;
	/* the store's reason, before the rollback's own message replaces it */
	if (!quiet)
		err_msg("sqlite sink %s: %s", store_writer_path(k->w), store_writer_errmsg(k->w));
	store_batch_rollback(k->w);
	return -1;
}

#define HOLD_RETRY_NS 100000000L /* a held batch is retried every 100 ms */

/* Fail-closed: retry b until the store takes it (0) or it is released (-1:
 * it is then lost, and counted like any refused batch). */
static int hold_batch(struct sqlite_sink *k, struct wbatch *b)
{
	struct timespec ts;
	bool release = false;
	int rc = -1;

	err_msg("warning: sqlite sink %s: fail-closed: holding %zu records until the store takes"
		" them (the fail-closed sessions are frozen meanwhile)",
		store_writer_path(k->w), b->n);
	pthread_mutex_lock(&k->mu);
	k->holding = true;
	while (!release) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += HOLD_RETRY_NS;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		if (!k->stop && !k->release)
			pthread_cond_timedwait(&k->work, &k->mu, &ts);
		release = k->stop || k->release;
		pthread_mutex_unlock(&k->mu);
		/* the WAL may hold the space the database needs to take it */
		store_writer_truncate_wal(k->w);
		rc = insert_items(k, b, false, !release);
		pthread_mutex_lock(&k->mu);
		if (!rc)
			break;
	}
	k->holding = false;
	pthread_mutex_unlock(&k->mu);
	if (!rc && store_writer_truncate_wal(k->w))
		dbg_msg("sqlite sink %s: the WAL could not be truncated yet",
			store_writer_path(k->w));
	if (!rc)
		err_msg("warning: sqlite sink %s: fail-closed: the store took the held records",
			store_writer_path(k->w));
	return rc;
}

/* The writer thread's work on one batch: one transaction. A batch the store
 * refuses (a full disk) is held under fail-closed; otherwise (or once
 * released) retried with its process records alone, smaller, so that the
 * process tree survives where the rest cannot; what is not stored is
 * counted. */
static void write_batch(struct sqlite_sink *k, struct wbatch *b)
{
	bool procs_kept = false, hold;
	size_t i, nprocs = 0;

	if (!insert_items(k, b, false, false))
		return;
	pthread_mutex_lock(&k->mu);
	hold = k->hold && !k->stop && !k->release;
	pthread_mutex_unlock(&k->mu);
	if (hold && !hold_batch(k, b))
		return;
	for (i = 0; i < b->n; i++)
		nprocs += is_process_item(b, &b->items[i]);
	if (nprocs && nprocs < b->n)
		procs_kept = !insert_items(k, b, true, false);
	pthread_mutex_lock(&k->mu);
	for (i = 0; i < b->n; i++)
		if (!procs_kept || !is_process_item(b, &b->items[i]))
			count_drop(k, b->items[i].session_key, 1);
	pthread_mutex_unlock(&k->mu);
}

static void *writer_main(void *arg)
{
	struct sqlite_sink *k = arg;
	struct wbatch *b;

	pthread_mutex_lock(&k->mu);
	for (;;) {
		while (!k->head && !k->stop)
			pthread_cond_wait(&k->work, &k->mu);
		if (!k->head)
			break;
		b = k->head;
		if (!(k->head = b->next))
			k->tail = NULL;
		k->busy = true;
		pthread_mutex_unlock(&k->mu);
		write_batch(k, b);
		pthread_mutex_lock(&k->mu);
		k->busy = false;
		k->queued--;
		b->n = 0;
		sb_reset(&b->arena);
		b->next = k->spare;
		k->spare = b;
		pthread_cond_signal(&k->room);
		if (!k->head)
			pthread_cond_broadcast(&k->idle);
	}
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

/* Take the writer from the writer thread: returns with the lock held, the
 * queue empty and the thread waiting (this thread may use k->w until it
 * unlocks). release: a held batch gets one last try (a session ends). */
static void lock_idle(struct sqlite_sink *k, bool release)
{
	pthread_mutex_lock(&k->mu);
	if (release && (k->head || k->busy)) {
		k->release = true;
		pthread_cond_signal(&k->work);
	}
	while (k->head || k->busy)
		pthread_cond_wait(&k->idle, &k->mu);
	k->release = false;
}

static int sqlite_open(struct sink *s, const char *rest, char *err, size_t errlen)
{
	struct sqlite_sink *k;
	sigset_t all, old;
	int rc;

	if (!strncmp(rest, "//", 2))
		rest += 2;
	if (!*rest) {
		snprintf(err, errlen, "sqlite: needs a path (sqlite:PATH)");
		return -1;
	}
	if (!(k = calloc(1, sizeof(*k))))
		return -1;
	if (!(k->w = store_writer_open(rest, err, errlen))) {
		free(k);
		return -1;
	}
	make_reserve(k, rest);
	pthread_mutex_init(&k->mu, NULL);
	pthread_mutex_init(&k->hmu, NULL);
	store_writer_on_head(k->w, queue_head, k);
	pthread_cond_init(&k->work, NULL);
	pthread_cond_init(&k->room, NULL);
	pthread_cond_init(&k->idle, NULL);
	/* the thread blocks every signal: the caller takes SIGCHLD and the
	 * forwarded ones from a signalfd, which only sees signals that every
	 * thread blocks */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&k->thread, NULL, writer_main, k);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		snprintf(err, errlen, "sqlite: cannot start the writer thread");
		give_back_reserve(k);
		store_writer_close(k->w);
		free(k);
		return -1;
	}
	k->started = true;
	s->priv = k;
	return 0;
}

static void free_batches(struct wbatch *b)
{
	while (b) {
		struct wbatch *next = b->next;
		sb_free(&b->arena);
		free(b->items);
		free(b);
		b = next;
	}
}

static void sqlite_request_stop(struct sink *s)
{
	struct sqlite_sink *k = s->priv;

	if (!k)
		return;
	pthread_mutex_lock(&k->mu);
	k->stop = true;
	pthread_cond_signal(&k->work);
	pthread_mutex_unlock(&k->mu);
}

static void sqlite_drain(struct sink *s)
{
	struct sqlite_sink *k = s->priv;

	if (k && k->started) {
		sqlite_request_stop(s);
		pthread_join(k->thread, NULL);
		k->started = false;
	}
}

static void sqlite_close(struct sink *s)
{
	struct sqlite_sink *k = s->priv;

	if (!k)
		return;
	sqlite_drain(s);
	store_writer_close(k->w);
	give_back_reserve(k);
	free_batches(k->head);
	free_batches(k->spare);
	pthread_mutex_destroy(&k->mu);
	pthread_mutex_destroy(&k->hmu);
	pthread_cond_destroy(&k->work);
	pthread_cond_destroy(&k->room);
	pthread_cond_destroy(&k->idle);
	sb_free(&k->json);
	sb_free(&k->summary);
	sb_free(&k->argv);
	free(k);
	s->priv = NULL;
}

static int sqlite_write(struct sink *s, struct record *const *recs, size_t n)
{
	struct sqlite_sink *k = s->priv;
	struct wbatch *b;
	size_t i;

	if (!k->started)
		return -1;
	pthread_mutex_lock(&k->mu);
	if ((b = k->spare))
		k->spare = b->next;
	pthread_mutex_unlock(&k->mu);
	if (!b && !(b = calloc(1, sizeof(*b))))
		return -1;
	b->n = 0;
	b->next = NULL;
	sb_reset(&b->arena);
	for (i = 0; i < n; i++)
		if (add_item(k, b, recs[i])) {
			free_batches(b);
			return -1;
		}
	pthread_mutex_lock(&k->mu);
	if (k->queued >= QUEUE_MAX)
		k->waits++;
	while (k->queued >= QUEUE_MAX)
		pthread_cond_wait(&k->room, &k->mu);
	if (k->tail)
		k->tail->next = b;
	else
		k->head = b;
	k->tail = b;
	k->queued++;
	pthread_cond_signal(&k->work);
	pthread_mutex_unlock(&k->mu);
	return 0;
}

static void sqlite_sync(struct sink *s)
{
	struct sqlite_sink *k = s->priv;

	if (k && k->started) {
		lock_idle(k, true);
		pthread_mutex_unlock(&k->mu);
	}
}

static size_t sqlite_take_drops(struct sink *s, struct sink_drop *out, size_t max)
{
	struct sqlite_sink *k = s->priv;
	size_t n;

	if (!k)
		return 0;
	pthread_mutex_lock(&k->mu);
	n = k->ndrops < max ? k->ndrops : max;
	memcpy(out, k->dropq, n * sizeof(*out));
	memmove(k->dropq, k->dropq + n, (k->ndrops - n) * sizeof(*out));
	k->ndrops -= n;
	pthread_mutex_unlock(&k->mu);
	return n;
}

/* Session rows are written in order with the events: after what is queued,
 * on this thread while the writer thread waits (lock_idle). */
static int sqlite_session(struct sink *s, const struct session *ses, bool end)
{
	struct sqlite_sink *k = s->priv;
	struct strbuf cmd = STRBUF_INIT;
	int i, rc;

	lock_idle(k, end);
	sb_putc(&cmd, '[');
	for (i = 0; i < ses->argc; i++) {
		if (i)
			sb_putc(&cmd, ',');
		sb_json_str(&cmd, ses->argv[i]);
	}
	sb_putc(&cmd, ']');
	struct store_session row = {
		.id = ses->id,
		.agent = ses->agent,
		.project = ses->project,
		.user = ses->user,
		.host = ses->host,
		.cgroup = ses->cgroup_path,
		.origin = ses->origin,
		.container = ses->container.name[0] ? ses->container.name : ses->container.id,
		.pod = ses->container.pod_name,
		.command_json = sb_cstr(&cmd),
		.drops_detail_json = *ses->drops_detail ? ses->drops_detail : "{}",
		.sink_drops_json = ses->sink_drops,
		.key = ses->key,
		.start_ns = ses->start_ns,
		.end_ns = ses->end_ns,
		.events = ses->events,
		.drops = ses->drops,
		.exit_code = ses->exit_code,
		.exit_signal = ses->exit_signal,
		.ended = end,
	};
	rc = store_session_put(k->w, &row);
	/* a full disk: the session's end (counts, final checkpoint) first */
	if (rc && end && give_back_reserve(k))
		rc = store_session_put(k->w, &row);
	if (rc)
		err_msg("sqlite sink %s: %s", store_writer_path(k->w), store_writer_errmsg(k->w));
	pthread_mutex_unlock(&k->mu);
	sb_free(&cmd);
	return rc;
}

static int sqlite_session_recount(struct sink *s, const struct session *ses)
{
	struct sqlite_sink *k = s->priv;
	int rc;

	lock_idle(k, true);
	rc = store_session_recount(k->w, ses->id, ses->drops, ses->sink_drops);
	if (rc)
		err_msg("sqlite sink %s: %s", store_writer_path(k->w), store_writer_errmsg(k->w));
	pthread_mutex_unlock(&k->mu);
	return rc;
}

static int sqlite_session_begin(struct sink *s, const struct session *ses)
{
	struct sqlite_sink *k = s->priv;

	if (ses->fail_closed) {
		pthread_mutex_lock(&k->mu);
		k->hold++;
		pthread_mutex_unlock(&k->mu);
	}
	return sqlite_session(s, ses, false);
}

static bool sqlite_blocked(struct sink *s)
{
	struct sqlite_sink *k = s->priv;
	bool holding;

	if (!k)
		return false;
	pthread_mutex_lock(&k->mu);
	holding = k->holding;
	pthread_mutex_unlock(&k->mu);
	return holding;
}

static int sqlite_session_end(struct sink *s, const struct session *ses)
{
	struct sqlite_sink *k = s->priv;
	int rc = sqlite_session(s, ses, true);

	if (ses->fail_closed) {
		pthread_mutex_lock(&k->mu);
		k->hold -= k->hold > 0;
		pthread_mutex_unlock(&k->mu);
	}
	return rc;
}

const struct sink_ops sqlite_sink_ops = {
	.scheme = "sqlite",
	.open = sqlite_open,
	.write = sqlite_write,
	.close = sqlite_close,
	.request_stop = sqlite_request_stop,
	.drain = sqlite_drain,
	.take_drops = sqlite_take_drops,
	.take_heads = sqlite_take_heads,
	.blocked = sqlite_blocked,
	.sync = sqlite_sync,
	.session_begin = sqlite_session_begin,
	.session_end = sqlite_session_end,
	.session_recount = sqlite_session_recount,
};
