/* gen_store.c: builds a large session for bench/serve.py through proctor's
 * own writer (store/writer.h: chain, packing, per-process counters), from a
 * template session recorded by a real `proctor run`:
 *   gen_store SRC_DB SESSION DST_DB EVENTS
 * The template's events and processes are written again and again, each copy
 * later in time and with its pids moved by 100000 per copy (its root a child
 * of the first copy's root), until DST_DB's session holds EVENTS records.
 * Prints the events written and the writer's rate. A benchmark helper. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "store/writer.h"

#define PID_STEP 100000
#define BATCH	 4096

struct tevent {
	int64_t time_ns, pid;
	char *type, *path, *summary, *json;
};
struct tproc {
	int64_t pid, ppid, start_ns, exec_ns, end_ns, exit_code, uid;
	char *exe, *argv, *cwd, *comm, *cmdline;
};

static char *dup_col(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	return t ? strdup((const char *)t) : NULL;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "gen_store: %s: %s\n", what, why);
	exit(1);
}

/* The record's "time" rewritten for t (the writer packs it back out). */
static char *retime(const char *json, int64_t t)
{
	const char *p = strstr(json, "\"time\":\"");
	const char *end = p ? strchr(p + 8, '"') : NULL;
	char stamp[64], *out;
	time_t s = (time_t)(t / 1000000000);
	struct tm tm;
	size_t n;

	if (!end)
		return strdup(json);
	gmtime_r(&s, &tm);
	n = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + n, sizeof(stamp) - n, ".%09" PRId64 "Z", t % 1000000000);
	if (asprintf(&out, "%.*s%s%s", (int)(p + 8 - json), json, stamp, end) < 0)
		die("retime", "out of memory");
	return out;
}

static size_t load_events(sqlite3 *db, const char *sid, struct tevent **out, int64_t *t0,
			  int64_t *span)
{
	sqlite3_stmt *q;
	size_t n = 0, cap = 0;
	struct tevent *ev = NULL;

	if (sqlite3_prepare_v2(db,
			       "SELECT time_ns, pid, type, path, summary, data FROM events"
			       " WHERE session = ? ORDER BY id",
			       -1, &q, NULL) != SQLITE_OK)
		die("reading events", sqlite3_errmsg(db));
	sqlite3_bind_text(q, 1, sid, -1, SQLITE_STATIC);
	while (sqlite3_step(q) == SQLITE_ROW) {
		if (n == cap && !(ev = realloc(ev, (cap = cap ? cap * 2 : 1024) * sizeof(*ev))))
			die("reading events", "out of memory");
		ev[n++] = (struct tevent){sqlite3_column_int64(q, 0),
					  sqlite3_column_int64(q, 1),
					  dup_col(q, 2),
					  dup_col(q, 3),
					  dup_col(q, 4),
					  dup_col(q, 5)};
	}
	sqlite3_finalize(q);
	if (!n)
		die(sid, "no events");
	*t0 = ev[0].time_ns;
	*span = ev[n - 1].time_ns - ev[0].time_ns + 1000000;
	*out = ev;
	return n;
}

static size_t load_procs(sqlite3 *db, const char *sid, struct tproc **out)
{
	sqlite3_stmt *q;
	size_t n = 0, cap = 0;
	struct tproc *p = NULL;

	if (sqlite3_prepare_v2(
		    db,
		    "SELECT pid, ppid, start_ns, exec_ns, end_ns, exit_code, uid, exe, argv,"
		    " cwd, comm, cmdline FROM processes WHERE session = ? ORDER BY id",
		    -1, &q, NULL) != SQLITE_OK)
		die("reading processes", sqlite3_errmsg(db));
	sqlite3_bind_text(q, 1, sid, -1, SQLITE_STATIC);
	while (sqlite3_step(q) == SQLITE_ROW) {
		if (n == cap && !(p = realloc(p, (cap = cap ? cap * 2 : 64) * sizeof(*p))))
			die("reading processes", "out of memory");
		p[n++] = (struct tproc){sqlite3_column_int64(q, 0),
					sqlite3_column_int64(q, 1),
					sqlite3_column_int64(q, 2),
					sqlite3_column_int64(q, 3),
					sqlite3_column_int64(q, 4),
					sqlite3_column_int64(q, 5),
					sqlite3_column_int64(q, 6),
					dup_col(q, 7),
					dup_col(q, 8),
					dup_col(q, 9),
					dup_col(q, 10),
					dup_col(q, 11)};
	}
	sqlite3_finalize(q);
	*out = p;
	return n;
}

/* Copy k of the template's processes: rows born, exec'd and ended. */
static void write_procs(struct store_writer *w, const char *sid, const struct tproc *p, size_t n,
			int64_t k, int64_t shift)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int64_t pid = p[i].pid + k * PID_STEP;
		struct store_proc_image img = {p[i].exe,     p[i].argv, p[i].cwd, p[i].comm,
					       p[i].cmdline, 0,		p[i].uid};
		img.ppid = i == 0 ? (k ? p[0].pid : p[0].ppid) : p[i].ppid + k * PID_STEP;
		if (p[i].start_ns && store_proc_fork(w, sid, pid, p[i].start_ns + shift, &img))
			die("processes", store_writer_errmsg(w));
		if (p[i].exec_ns && store_proc_exec(w, sid, pid, p[i].exec_ns + shift, &img, false))
			die("processes", store_writer_errmsg(w));
		if (p[i].end_ns &&
		    store_proc_exit(w, sid, pid, p[i].end_ns + shift, p[i].exit_code, NULL))
			die("processes", store_writer_errmsg(w));
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct tevent *ev;
	struct tproc *pr;
	sqlite3 *src;
	struct store_writer *w;
	char err[512];
	int64_t t0, span, target, written = 0, k;
	size_t nev, npr, i, inbatch = 0;
	double start;

	if (argc != 5)
		die("usage", "gen_store SRC_DB SESSION DST_DB EVENTS");
	target = strtoll(argv[4], NULL, 10);
	if (sqlite3_open_v2(argv[1], &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		die(argv[1], sqlite3_errmsg(src));
	nev = load_events(src, argv[2], &ev, &t0, &span);
	npr = load_procs(src, argv[2], &pr);
	if (!(w = store_writer_open(argv[3], err, sizeof(err))))
		die(argv[3], err);
	start = now_s();
	if (store_batch_begin(w))
		die("begin", store_writer_errmsg(w));
	for (k = 0; written < target; k++) {
		int64_t shift = k * span;
		write_procs(w, argv[2], pr, npr, k, shift);
		for (i = 0; i < nev && written < target; i++, written++) {
			char *json = retime(ev[i].json, ev[i].time_ns + shift);
			struct store_event e = {argv[2],
						ev[i].type,
						ev[i].path,
						ev[i].summary,
						json,
						strlen(json),
						ev[i].time_ns + shift,
						ev[i].pid + k * PID_STEP};
			if (store_add_event(w, &e))
				die("events", store_writer_errmsg(w));
			free(json);
			if (++inbatch == BATCH) {
				if (store_batch_commit(w) || store_batch_begin(w))
					die("commit", store_writer_errmsg(w));
				inbatch = 0;
			}
		}
	}
	{
		struct store_session s = {.id = argv[2],
					  .project = "bench",
					  .agent = "",
					  .command_json = "[\"gen_store\"]",
					  .origin = "run",
					  .start_ns = (uint64_t)t0,
					  .end_ns = (uint64_t)(t0 + k * span),
					  .events = (uint64_t)written,
					  .ended = true};
		if (store_session_put(w, &s) || store_batch_commit(w))
			die("session", store_writer_errmsg(w));
	}
	printf("%" PRId64 " events, %" PRId64 " copies, %.0f events/s through the writer\n",
	       written, k, (double)written / (now_s() - start));
	store_writer_close(w);
	sqlite3_close(src);
	return 0;
}
