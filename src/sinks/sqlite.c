/* sqlite.c: the embedded default sink, a thin adapter from records to the
 * store's writer (src/store/writer.h): each batch in one transaction, the
 * processes table kept current from process.* records, and the sessions
 * table from session begin/end. All SQL lives in src/store/. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/summary.h"
#include "sinks/sink.h"
#include "store/writer.h"
#include "util/util.h"

struct sqlite_sink {
	struct store_writer *w;
	struct strbuf json, summary, argv;
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

static int sqlite_open(struct sink *s, const char *rest, char *err, size_t errlen)
{
	struct sqlite_sink *k;

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
	s->priv = k;
	return 0;
}

static void sqlite_close(struct sink *s)
{
	struct sqlite_sink *k = s->priv;

	if (!k)
		return;
	store_writer_close(k->w);
	give_back_reserve(k);
	sb_free(&k->json);
	sb_free(&k->summary);
	sb_free(&k->argv);
	free(k);
	s->priv = NULL;
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

static struct store_proc_image proc_image(struct sqlite_sink *k, const struct record *r)
{
	return (struct store_proc_image){
		.exe = record_get_str(r, "process.executable.path"),
		.argv_json = argv_json(k, r),
		.cwd = record_get_str(r, "process.working_directory"),
		.comm = record_get_str(r, "process.name"),
		.cmdline = record_get_str(r, "process.command_line"),
		.ppid = get_int(r, "process.parent_pid"),
		.uid = get_int(r, "process.user.id"),
	};
}

/* Keep the processes table in step with process.* records. */
static int track_process(struct sqlite_sink *k, const struct record *r, const char *ses)
{
	const char *t = r->type_name;
	int64_t pid = get_int(r, "process.pid"), at = (int64_t)r->time_ns;
	const struct field *thr;
	struct store_proc_image img;

	if (!strcmp(t, "process.fork")) {
		thr = record_get(r, "process.thread");
		if (thr && thr->b)
			return store_proc_thread(k->w, ses, pid);
		img = proc_image(k, r);
		return store_proc_fork(k->w, ses, pid, at, &img);
	}
	if (!strcmp(t, "process.exec") || !strcmp(t, "process.seed")) {
		/* a failed exec left the caller's image as it was */
		if (!strcmp(record_get_str(r, "event.outcome") ?: "", "failure"))
			return 0;
		img = proc_image(k, r);
		return store_proc_exec(k->w, ses, pid, at, &img, !strcmp(t, "process.seed"));
	}
	if (!strcmp(t, "process.exit"))
		return store_proc_exit(k->w, ses, pid, at, get_int(r, "process.exit.code"),
				       record_get_str(r, "process.exit.signal"));
	return 0;
}

static int add_event(struct sqlite_sink *k, const struct record *r, const char *ses)
{
	struct store_event e = {
		.session = ses,
		.type = r->type_name,
		.path = record_get_str(r, "file.path"),
		.time_ns = (int64_t)r->time_ns,
		.pid = r->pid,
	};

	sb_reset(&k->json);
	sb_reset(&k->summary);
	record_to_json(r, &k->json);
	record_summary(r, &k->summary);
	e.summary = sb_cstr(&k->summary);
	e.json = sb_cstr(&k->json);
	e.json_len = k->json.len;
	return store_add_event(k->w, &e);
}

static int sqlite_write(struct sink *s, struct record *const *recs, size_t n)
{
	struct sqlite_sink *k = s->priv;
	size_t i;
	int rc = 0;

	if (store_batch_begin(k->w))
		return -1;
	for (i = 0; i < n && !rc; i++) {
		const char *ses = record_get_str(recs[i], "session");
		rc = add_event(k, recs[i], ses);
		if (!rc && !strncmp(recs[i]->type_name, "process.", 8))
			rc = track_process(k, recs[i], ses);
	}
	if (!rc && !store_batch_commit(k->w))
		return 0;
	err_msg("sqlite sink %s: %s", store_writer_path(k->w), store_writer_errmsg(k->w));
	store_batch_rollback(k->w);
	return -1;
}

static int sqlite_session(struct sink *s, const struct session *ses, bool end)
{
	struct sqlite_sink *k = s->priv;
	struct strbuf cmd = STRBUF_INIT;
	int i, rc;

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
	sb_free(&cmd);
	return rc;
}

static int sqlite_session_begin(struct sink *s, const struct session *ses)
{
	return sqlite_session(s, ses, false);
}

static int sqlite_session_end(struct sink *s, const struct session *ses)
{
	return sqlite_session(s, ses, true);
}

const struct sink_ops sqlite_sink_ops = {
	.scheme = "sqlite",
	.open = sqlite_open,
	.write = sqlite_write,
	.close = sqlite_close,
	.session_begin = sqlite_session_begin,
	.session_end = sqlite_session_end,
};
