/* socket.c: the daemon's control socket: single-daemon lock, stale and
 * foreign socket files, permissions (root, or root plus one group) and the
 * SO_PEERCRED check of every connection. */
#include "daemon/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/util.h"

static int parent_dir(const char *path, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path)
		return -1;
	snprintf(out, len, "%.*s", (int)(slash - path), path);
	return 0;
}

/* The pid that serves path, or 0 when nothing answers (a stale file). */
static pid_t serving_pid(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct ucred cr;
	socklen_t l = sizeof(cr);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t pid = 0;

	if (fd < 0)
		return 0;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    !getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l))
		pid = cr.pid > 0 ? cr.pid : 1;
	close(fd);
	return pid;
}

static int take_lock(struct daemon_socket *ds, char *err, size_t errlen)
{
	char buf[32] = "";
	long n;

	snprintf(ds->lock_path, sizeof(ds->lock_path), "%s.lock", ds->path);
	ds->lock_fd = open(ds->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (ds->lock_fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", ds->lock_path, strerror(errno));
		return -1;
	}
	if (flock(ds->lock_fd, LOCK_EX | LOCK_NB)) {
		n = read(ds->lock_fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = 0;
		buf[strcspn(buf, "\n")] = 0;
		snprintf(err, errlen, "another proctor daemon (pid %s) is running on %s",
			 *buf ? buf : "unknown", ds->path);
		close(ds->lock_fd);
		ds->lock_fd = -1;
		return -1;
	}
	snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(ds->lock_fd, 0) || pwrite(ds->lock_fd, buf, strlen(buf), 0) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", ds->lock_path, strerror(errno));
		return -1;
	}
	return 0;
}

/* An existing file at the socket path: a live daemon (refused), a stale
 * socket (removed) or something else (refused: not ours to delete). */
static int clear_path(struct daemon_socket *ds, char *err, size_t errlen)
{
	struct stat st;
	pid_t pid;

	if (lstat(ds->path, &st))
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket: refusing to replace it",
			 ds->path);
		return -1;
	}
	if ((pid = serving_pid(ds->path))) {
		snprintf(err, errlen, "another proctor daemon (pid %d) is serving %s", (int)pid,
			 ds->path);
		return -1;
	}
	dbg_msg("removing stale socket %s", ds->path);
	if (unlink(ds->path) && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove stale socket %s: %s", ds->path,
			 strerror(errno));
		return -1;
	}
	return 0;
}

static int set_access(struct daemon_socket *ds, const char *group, char *err, size_t errlen)
{
	struct group *gr;

	if (!group)
		return chmod(ds->path, 0600);
	if (!(gr = getgrnam(group))) {
		snprintf(err, errlen, "--socket-group: no such group '%s'", group);
		return -1;
	}
	ds->group_set = true;
	ds->gid = gr->gr_gid;
	if (chown(ds->path, 0, gr->gr_gid) || chmod(ds->path, 0660)) {
		snprintf(err, errlen, "cannot give %s to group %s: %s", ds->path, group,
			 strerror(errno));
		return -1;
	}
	return 0;
}

int daemon_socket_open(struct daemon_socket *ds, const char *path, const char *group, char *err,
		       size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[108];

	memset(ds, 0, sizeof(*ds));
	ds->fd = ds->lock_fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path) || *path != '/') {
		snprintf(err, errlen, "socket path '%s' must be absolute and under %zu bytes", path,
			 sizeof(sa.sun_path));
		return -1;
	}
	snprintf(ds->path, sizeof(ds->path), "%s", path);
	if (!parent_dir(path, dir, sizeof(dir)) && mkdir_p(dir, 0755) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (take_lock(ds, err, errlen) || clear_path(ds, err, errlen))
		goto fail;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ds->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ds->fd < 0 || bind(ds->fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(ds->fd, 64)) {
		snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
		goto fail;
	}
	if (set_access(ds, group, err, errlen)) {
		if (!*err)
			snprintf(err, errlen, "chmod %s: %s", path, strerror(errno));
		unlink(path);
		goto fail;
	}
	return 0;
fail:
	if (ds->fd >= 0)
		close(ds->fd);
	if (ds->lock_fd >= 0)
		close(ds->lock_fd);
	ds->fd = ds->lock_fd = -1;
	return -1;
}

void daemon_socket_close(struct daemon_socket *ds)
{
	if (ds->fd >= 0) {
		close(ds->fd);
		unlink(ds->path);
	}
	if (ds->lock_fd >= 0) {
		unlink(ds->lock_path);
		close(ds->lock_fd);
	}
	ds->fd = ds->lock_fd = -1;
}

/* Whether pid's groups (from /proc/PID/status) include gid. */
static bool in_group(pid_t pid, gid_t gid)
{
	char path[64], buf[4096], *p, *end;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_small_file(path, buf, sizeof(buf)) <= 0)
		return false;
	if ((p = strstr(buf, "\nGid:")) && strtoul(p + 5, NULL, 10) == gid)
		return true;
	if (!(p = strstr(buf, "\nGroups:")))
		return false;
	for (p += 8; *p && *p != '\n'; p = end) {
		unsigned long g = strtoul(p, &end, 10);
		if (end == p)
			break;
		if (g == gid)
			return true;
	}
	return false;
}

int daemon_peer_allowed(const struct daemon_socket *ds, int fd, pid_t *pid, uid_t *uid, char *err,
			size_t errlen)
{
	struct ucred cr;
	socklen_t l = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l)) {
		snprintf(err, errlen, "no peer credentials: %s", strerror(errno));
		return -1;
	}
	*pid = cr.pid;
	*uid = cr.uid;
	if (cr.uid == 0 || (ds->group_set && (cr.gid == ds->gid || in_group(cr.pid, ds->gid))))
		return 0;
	snprintf(err, errlen, "uid %u may not use the proctor daemon (root%s only)",
		 (unsigned)cr.uid, ds->group_set ? " or the socket group" : "");
	return -1;
}
