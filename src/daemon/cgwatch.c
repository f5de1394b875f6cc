/* cgwatch.c: new cgroup directories as they are made (cgwatch.h). */
#include "daemon/cgwatch.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "model/container.h"
#include "util/util.h"

static bool skipped(const char *rel)
{
	struct container c;

	return !strcmp(rel, "/proctor") || !strncmp(rel, "/proctor/", 9) ||
	       container_from_cgroup(rel, &c);
}

/* Watch rel; with walk, also every directory below it, each reported to
 * on_new (a directory made before its watch was added is not missed). */
static void add(struct cgwatch *w, const char *rel, bool walk,
		void (*on_new)(void *ctx, const char *rel), void *ctx)
{
	char abs[8300], sub[4200];
	struct dirent *de;
	DIR *d;
	int wd;

	if (skipped(rel))
		return;
	if (w->n >= CGWATCH_MAX) {
		if (!w->full_warned)
			err_msg("cgroup watch: more than %d cgroup directories; new containers "
				"below the rest are seen only by the OCI hook",
				CGWATCH_MAX);
		w->full_warned = true;
		return;
	}
	snprintf(abs, sizeof(abs), "%s%s", w->mount, strcmp(rel, "/") ? rel : "");
	wd = inotify_add_watch(w->fd, abs, IN_CREATE | IN_ONLYDIR);
	if (wd < 0)
		return; /* removed meanwhile */
	if ((size_t)wd >= w->cap) {
		size_t cap = (size_t)wd * 2 + 64;
		char **r = realloc(w->rel, cap * sizeof(*r));
		if (!r)
			return;
		memset(r + w->cap, 0, (cap - w->cap) * sizeof(*r));
		w->rel = r;
		w->cap = cap;
	}
	if (!w->rel[wd]) {
		w->rel[wd] = strdup(rel);
		w->n++;
	}
	if (!walk || !(d = opendir(abs)))
		return;
	while ((de = readdir(d)))
		if (de->d_type == DT_DIR && de->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", strcmp(rel, "/") ? rel : "",
				 de->d_name);
			if (on_new)
				on_new(ctx, sub);
			add(w, sub, true, on_new, ctx);
		}
	closedir(d);
}

int cgwatch_open(struct cgwatch *w, const char *mount, char *err, size_t errlen)
{
	memset(w, 0, sizeof(*w));
	snprintf(w->mount, sizeof(w->mount), "%s", mount);
	if ((w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0) {
		snprintf(err, errlen, "inotify: %s", strerror(errno));
		return -1;
	}
	add(w, "/", true, NULL, NULL);
	return 0;
}

void cgwatch_read(struct cgwatch *w, void (*on_new)(void *ctx, const char *rel), void *ctx)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	char rel[4200];
	ssize_t n;

	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)p;
			const char *parent;
			p += sizeof(*e) + e->len;
			if (e->wd < 0 || (size_t)e->wd >= w->cap || !(parent = w->rel[e->wd]))
				continue;
			if (e->mask & IN_IGNORED) { /* the directory is gone */
				free(w->rel[e->wd]);
				w->rel[e->wd] = NULL;
				w->n--;
				continue;
			}
			if (!(e->mask & IN_CREATE) || !(e->mask & IN_ISDIR) || !e->len)
				continue;
			snprintf(rel, sizeof(rel), "%s/%s", strcmp(parent, "/") ? parent : "",
				 e->name);
			on_new(ctx, rel);
			add(w, rel, true, on_new, ctx);
		}
	}
}

void cgwatch_close(struct cgwatch *w)
{
	size_t i;

	if (w->fd >= 0)
		close(w->fd);
	for (i = 0; i < w->cap; i++)
		free(w->rel[i]);
	free(w->rel);
	memset(w, 0, sizeof(*w));
	w->fd = -1;
}
