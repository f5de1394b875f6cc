/* feedback.c: the feedback sink (sinks/feedback.h): per session with a
 * policy, a feed of its policy.violation records and of the execs of
 * `proctor hook` (the hook's barrier: once its own exec is in the feed,
 * everything recorded before it is too). Records are already redacted. */
#include "sinks/feedback.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/policy.h"
#include "sinks/sink.h"
#include "util/util.h"

#define FEEDBACK_MAX_FEEDS 64

struct feed {
	uint64_t key;
	int fd;
	char path[512];
	struct strbuf out;
};

struct feedback_sink {
	char dir[256];
	struct feed feeds[FEEDBACK_MAX_FEEDS];
	int n;
	bool warned;
	struct strbuf line;
};

static int feedback_open(struct sink *s, const char *rest, char *err, size_t errlen)
{
	struct feedback_sink *f = calloc(1, sizeof(*f));

	if (!f) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(f->dir, sizeof(f->dir), "%s", rest);
	if (mkdir_p(f->dir, 0755)) {
		snprintf(err, errlen, "feedback: cannot create %s: %s", f->dir, strerror(errno));
		free(f);
		return -1;
	}
	s->priv = f;
	return 0;
}

static struct feed *feed_of(struct feedback_sink *f, uint64_t key)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (f->feeds[i].key == key)
			return &f->feeds[i];
	return NULL;
}

static void header(struct strbuf *sb, const struct session *ses)
{
	const struct policy *p = ses->policy;
	char *abs = realpath(p->file, NULL);

	sb_puts(sb, "{\"feed\":1,\"session\":");
	sb_json_str(sb, ses->id);
	sb_puts(sb, ",\"policy\":");
	sb_json_str(sb, abs ? abs : p->file);
	sb_puts(sb, ",\"workspace\":");
	sb_json_str(sb, p->env.workspace);
	sb_puts(sb, "}\n");
	free(abs);
}

/* One write() per feed per batch. A failed write is reported once and not
 * a loss: the records are in the other sinks, the feed is advice. */
static int feedback_flush(struct sink *s)
{
	struct feedback_sink *f = s->priv;
	int i;

	for (i = 0; i < f->n; i++) {
		struct feed *fd = &f->feeds[i];

		if (fd->out.len &&
		    write(fd->fd, fd->out.buf, fd->out.len) != (ssize_t)fd->out.len && !f->warned) {
			fprintf(stderr, "proctor: warning: feedback: cannot write %s: %s\n",
				fd->path, strerror(errno));
			f->warned = true;
		}
		sb_reset(&fd->out);
	}
	return 0;
}

/* Only sessions with a policy get a feed; a feed that cannot be made is
 * reported and the session runs without it (feedback is advice, the
 * kernel enforces). */
static int feedback_begin(struct sink *s, const struct session *ses)
{
	struct feedback_sink *f = s->priv;
	struct passwd *pw = ses->user[0] ? getpwnam(ses->user) : NULL;
	struct feed *fd;

	if (!ses->policy || feed_of(f, ses->key))
		return 0;
	if (f->n >= FEEDBACK_MAX_FEEDS) {
		fprintf(stderr,
			"proctor: warning: feedback: more than %d sessions with a policy; "
			"session %s gets no feedback feed\n",
			FEEDBACK_MAX_FEEDS, ses->id);
		return 0;
	}
	char path[sizeof(fd->path)];

	snprintf(path, sizeof(path), "%s/%s.jsonl", f->dir, ses->id);
	fd = &f->feeds[f->n];
	memset(fd, 0, sizeof(*fd));
	memcpy(fd->path, path, sizeof(path));
	fd->fd = open(fd->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
		      0640);
	if (fd->fd < 0 || fchown(fd->fd, 0, pw ? pw->pw_gid : 0) || fchmod(fd->fd, 0640)) {
		fprintf(stderr,
			"proctor: warning: feedback: %s: %s; the session's hooks get no "
			"violations\n",
			fd->path, strerror(errno));
		if (fd->fd >= 0)
			close(fd->fd);
		return 0;
	}
	fd->key = ses->key;
	header(&fd->out, ses); /* at once: a PreToolUse hook reads the policy from it */
	f->n++;
	return feedback_flush(s);
}

static bool is_hook_exec(const struct record *r)
{
	const struct field *a = record_get(r, "process.command_args");
	const char *exe = record_get_str(r, "process.executable.path"), *base;

	if (!a || a->kind != FIELD_STRV || a->sv.n < 2 || strcmp(a->sv.v[1], "hook") || !exe)
		return false;
	base = strrchr(exe, '/');
	return !strcmp(base ? base + 1 : exe, "proctor");
}

static void add_line(struct feedback_sink *f, const struct record *r, bool violation)
{
	struct feed *fd = feed_of(f, r->session_key);

	if (!fd)
		return;
	sb_printf(&fd->out, "{\"t\":%llu,", (unsigned long long)r->time_ns);
	if (violation) {
		sb_reset(&f->line);
		record_to_json(r, &f->line);
		sb_puts(&fd->out, "\"violation\":");
		sb_append(&fd->out, f->line.buf, f->line.len);
		sb_puts(&fd->out, "}\n");
	} else {
		sb_printf(&fd->out, "\"hook\":%u}\n", r->pid);
	}
}

static int feedback_write(struct sink *s, struct record *const *recs, size_t n)
{
	struct feedback_sink *f = s->priv;
	size_t i;

	if (!f->n)
		return 0;
	for (i = 0; i < n; i++) /* violations first: a hook line is a barrier */
		if (recs[i]->type_name && !strcmp(recs[i]->type_name, "policy.violation"))
			add_line(f, recs[i], true);
	for (i = 0; i < n; i++)
		if (recs[i]->type_name && !strcmp(recs[i]->type_name, "process.exec") &&
		    is_hook_exec(recs[i]))
			add_line(f, recs[i], false);
	return 0;
}

static int feedback_end(struct sink *s, const struct session *ses)
{
	struct feedback_sink *f = s->priv;
	struct feed *fd = feed_of(f, ses->key);

	if (!fd)
		return 0;
	close(fd->fd);
	unlink(fd->path);
	sb_free(&fd->out);
	*fd = f->feeds[--f->n];
	return 0;
}

static void feedback_close(struct sink *s)
{
	struct feedback_sink *f = s->priv;

	if (!f)
		return;
	while (f->n) {
		struct feed *fd = &f->feeds[f->n - 1];
		close(fd->fd);
		unlink(fd->path);
		sb_free(&fd->out);
		f->n--;
	}
	sb_free(&f->line);
	free(f);
	s->priv = NULL;
}

const struct sink_ops feedback_sink_ops = {
	.scheme = "feedback",
	.open = feedback_open,
	.write = feedback_write,
	.flush = feedback_flush,
	.close = feedback_close,
	.session_begin = feedback_begin,
	.session_end = feedback_end,
};
