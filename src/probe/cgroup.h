/* cgroup.h: cgroup v2 plumbing for sessions: find the v2 mount (from
 * /proc/mounts, hybrid layouts included), make a session cgroup, move a
 * process into it, and kill/remove the whole subtree at the end. */
#ifndef PROCTOR_CGROUP_H
#define PROCTOR_CGROUP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The cgroup2 mount point, e.g. /sys/fs/cgroup or /sys/fs/cgroup/unified. */
int cgroup2_mount(char *out, size_t len, char *err, size_t errlen);
/* Create <mount>/proctor/<name>; fills abs path and the path relative to the
 * mount ("/proctor/<name>", as in /proc/PID/cgroup). */
int cgroup_create(const char *mount, const char *name, char *abs, size_t abslen, char *rel,
		  size_t rellen, char *err, size_t errlen);
int cgroup_id(const char *abs, uint64_t *id);
int cgroup_move(const char *abs, pid_t pid);
bool cgroup_populated(const char *abs);
/* SIGKILL everything in the subtree (cgroup.kill, or per pid as fallback). */
int cgroup_kill(const char *abs);
/* Freeze (true) or thaw the whole subtree (cgroup.freeze); 0 or -errno. */
int cgroup_freeze(const char *abs, bool frozen);
/* rmdir the subtree bottom-up. */
int cgroup_remove(const char *abs);

#endif
