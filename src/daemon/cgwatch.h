/* cgwatch.h: new cgroup directories on the cgroup v2 hierarchy, as they are
 * made (inotify on every directory, added as they appear): the daemon's
 * fallback for containers whose runtime does not run its OCI hook. Our own
 * session cgroups (/proctor) and the inside of a container's cgroup are
 * not watched. */
#ifndef PROCTOR_DAEMON_CGWATCH_H
#define PROCTOR_DAEMON_CGWATCH_H
#include <stdbool.h>
#include <stddef.h>

#define CGWATCH_MAX 8192 /* directories watched at most; beyond, a warning */

struct cgwatch {
	int fd; /* -1: not watching */
	char mount[4096];
	char **rel; /* by watch descriptor: its directory, relative to the mount */
	size_t cap, n;
	bool full_warned;
};

/* Watch mount and every directory below it. 0, or -1 with err. */
int cgwatch_open(struct cgwatch *w, const char *mount, char *err, size_t errlen);
/* Read what is pending; on_new(ctx, rel) for each new directory (rel as
 * in /proc/PID/cgroup), parents before children. */
void cgwatch_read(struct cgwatch *w, void (*on_new)(void *ctx, const char *rel), void *ctx);
void cgwatch_close(struct cgwatch *w);

#endif
