/* hook_feed.c: the reading side of the feedback feed (hook_feed.h). */
#include "cli/hook_feed.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sinks/feedback.h"
#include "util/util.h"

#define FEED_MAX_BYTES (64u << 20)

int feed_own_session(char *id, size_t idlen)
{
	char buf[4352], *p, *end;

	if (read_small_file("/proc/self/cgroup", buf, sizeof(buf)) <= 0)
		return -1;
	for (p = buf; (p = strstr(p, "/proctor/")); p++) {
		p += strlen("/proctor/");
		end = p + strcspn(p, "/\n");
		if (end > p) {
			snprintf(id, idlen, "%.*s", (int)(end - p), p);
			return 0;
		}
	}
	return -1;
}

static char *slurp(const char *path, size_t *len, int *eno)
{
	FILE *fp = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!fp) {
		*eno = errno;
		return NULL;
	}
	do {
		if (n + 65536 > cap) {
			char *nb = cap + 65537 > FEED_MAX_BYTES ? NULL : realloc(buf, cap + 65537);
			if (!nb) {
				free(buf);
				fclose(fp);
				*eno = EFBIG;
				return NULL;
			}
			buf = nb;
			cap += 65536;
		}
		got = fread(buf + n, 1, cap - n, fp);
		n += got;
	} while (got);
	fclose(fp);
	buf[n] = 0;
	*len = n;
	return buf;
}

static void set_str(char *dst, size_t len, json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	snprintf(dst, len, "%s", s ? s : "");
}

int feed_read(const char *id, struct feed *f, char *err, size_t errlen)
{
	char path[512], *buf, *line, *nl;
	size_t len;
	json_t *h;
	int eno = 0;

	memset(f, 0, sizeof(*f));
	if (strchr(id, '/') || id[0] == '.') {
		snprintf(err, errlen, "session id '%s' is not a name", id);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.jsonl", FEEDBACK_DIR, id);
	if (!(buf = slurp(path, &len, &eno))) {
		if (eno == ENOENT)
			return -ENOENT;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(eno));
		return -1;
	}
	nl = strchr(buf, '\n');
	h = nl ? json_loadb(buf, (size_t)(nl - buf), 0, NULL) : NULL;
	if (!json_is_object(h) || json_integer_value(json_object_get(h, "feed")) != 1) {
		snprintf(err, errlen, "%s: not a proctor feedback feed", path);
		json_decref(h);
		free(buf);
		return -1;
	}
	set_str(f->policy, sizeof(f->policy), h, "policy");
	set_str(f->workspace, sizeof(f->workspace), h, "workspace");
	json_decref(h);
	f->lines = json_array();
	for (line = nl + 1; (nl = strchr(line, '\n')); line = nl + 1) {
		json_t *o = json_loadb(line, (size_t)(nl - line), 0, NULL);
		if (json_is_object(o))
			json_array_append_new(f->lines, o);
		else
			json_decref(o);
	}
	free(buf); /* a partial last line (being written) is left for the next read */
	return 0;
}

void feed_free(struct feed *f)
{
	json_decref(f->lines);
	f->lines = NULL;
}

static bool has_hook(const struct feed *f, pid_t pid)
{
	size_t i;
	json_t *o;

	json_array_foreach(f->lines, i, o) if (json_integer_value(json_object_get(o, "hook")) ==
					       pid) return true;
	return false;
}

int feed_wait_hook(const char *id, pid_t pid, int timeout_ms, struct feed *f, char *err,
		   size_t errlen)
{
	struct timespec pause = {0, 20 * 1000000L};
	int waited = 0, rc;

	for (;;) {
		if ((rc = feed_read(id, f, err, errlen)))
			return rc;
		if (has_hook(f, pid))
			return 0;
		if (waited >= timeout_ms)
			return 1;
		feed_free(f);
		nanosleep(&pause, NULL);
		waited += 20;
	}
}

int feed_sync(const char *id, int timeout_ms, struct feed *f, char *err, size_t errlen)
{
	char *const argv[] = {"proctor", "hook", "barrier", NULL};
	pid_t pid;
	int st, rc;

	if ((rc = feed_read(id, f, err, errlen))) /* no feed: nothing to wait for */
		return rc;
	feed_free(f);
	if ((pid = fork()) == 0) {
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		snprintf(err, errlen, "cannot run proctor hook barrier");
		return -1;
	}
	return feed_wait_hook(id, pid, timeout_ms, f, err, errlen);
}

json_t *feed_violations(const struct feed *f, pid_t pid)
{
	json_int_t mine = 0, prev = 0, t;
	json_t *out = json_array(), *o, *v;
	size_t i;

	json_array_foreach(f->lines, i, o) /* my hook line: the last with my pid */
		if (pid && json_integer_value(json_object_get(o, "hook")) == pid) mine =
			json_integer_value(json_object_get(o, "t"));
	json_array_foreach(f->lines, i, o)
	{ /* the hook before it (mine not seen: the last) */
		t = json_integer_value(json_object_get(o, "t"));
		if (pid && json_object_get(o, "hook") && (!mine || t < mine) && t > prev)
			prev = t;
	}
	json_array_foreach(f->lines, i, o)
	{
		t = json_integer_value(json_object_get(o, "t"));
		if (!(v = json_object_get(o, "violation")))
			continue;
		if (!pid || (t > prev && (!mine || t <= mine)))
			json_array_append(out, v);
	}
	return out;
}

static const char *str(json_t *v, const char *key)
{
	const char *s = json_string_value(json_object_get(v, key));

	return s ? s : "";
}

void feed_describe(json_t *v, char *buf, size_t len)
{
	const char *access = str(v, "policy.access"), *path = str(v, "file.path");
	const char *cmd = str(v, "process.command_line"), *proc = str(v, "process.name");
	const char *exe = str(v, "process.executable.path"), *slash = strrchr(exe, '/');
	char what[4400];

	if (!*proc) /* the program by its executable when the name is not known */
		proc = slash ? slash + 1 : exe;

	if (*path)
		snprintf(what, sizeof(what), "%s %s by %s (pid %lld)", *access ? access : "open",
			 path, *proc ? proc : "?",
			 (long long)json_integer_value(json_object_get(v, "process.pid")));
	else
		snprintf(what, sizeof(what), "exec %s (pid %lld)", cmd,
			 (long long)json_integer_value(json_object_get(v, "process.pid")));
	snprintf(buf, len, "rule '%s' (%s by %s): %s; attempted: %s", str(v, "policy.rule"),
		 str(v, "policy.verdict"), str(v, "policy.mechanism"), str(v, "policy.reason"),
		 what);
}
