/* watchdog.c: the daemon-loss watchdog (watchdog.h). The child closes every
 * inherited descriptor but its end of the pipe and stderr (so it holds no
 * BPF object, socket or lock alive), leaves the terminal's session, ignores
 * the signals a terminal, a process group or a service manager's stop
 * would send, and blocks in read(). 'a' arms it, 'q' is a normal end, EOF
 * once armed means the daemon is gone. */
#include "daemon/watchdog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probe/cgroup.h"

struct loss_ctx {
	enum recorder_loss mode;
	const char *mount;
	const char *dir; /* the session files' */
	bool containers; /* the files name a container's cgroup (cg_rel) */
};

static void kill_cgroup(const char *cg, bool remove)
{
	int i;

	cgroup_kill(cg);
	for (i = 0; i < 200 && cgroup_populated(cg); i++)
		usleep(10000);
	if (remove) /* ours (a run session's); a container's is its runtime's */
		cgroup_remove(cg);
}

static void mark_frozen(const char *dir, const char *sid)
{
	char path[4400];
	int fd;

	snprintf(path, sizeof(path), "%s/%s" WATCHDOG_FROZEN_SUFFIX, dir, sid);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) >= 0)
		close(fd);
}

/* One session file: stop its cgroup as the mode says. */
static void on_session(const struct loss_ctx *c, json_t *j)
{
	const char *sid = json_string_value(json_object_get(j, "id"));
	const char *path =
		json_string_value(json_object_get(j, c->containers ? "cg_rel" : "cg_abs"));
	uint64_t want = (uint64_t)json_integer_value(json_object_get(j, "cgroup_id")), id = 0;
	bool policy = json_object_get(j, "policy") != NULL;
	const char *what = c->containers ? "container session" : "session";
	char cg[8192];

	if (!sid || !path || *path != '/')
		return;
	snprintf(cg, sizeof(cg), "%s%s", c->containers ? c->mount : "", path);
	if (cgroup_id(cg, &id) || id != want)
		return; /* ended, or its path names another cgroup now */
	if (c->mode == LOSS_KILL) {
		kill_cgroup(cg, !c->containers);
		fprintf(stderr, "proctor: daemon lost: killed %s %s (%s)\n", what, sid, cg);
		return;
	}
	if (c->mode == LOSS_CONTINUE && !policy)
		return;
	if (cgroup_freeze(cg, true)) {
		fprintf(stderr, "proctor: daemon lost: cannot freeze %s %s (%s): %s; killing it\n",
			what, sid, cg, strerror(errno));
		kill_cgroup(cg, !c->containers);
		return;
	}
	if (c->containers) /* so the daemon that takes it back thaws it (and no other) */
		mark_frozen(c->dir, sid);
	fprintf(stderr, "proctor: daemon lost: froze %s %s (%s) until a daemon takes it back\n",
		what, sid, cg);
}

static void on_dir(struct loss_ctx *c, const char *dir)
{
	char path[4400];
	struct dirent *e;
	DIR *d = opendir(dir);
	json_t *j;
	size_t n;

	if (!d)
		return;
	c->dir = dir;
	while ((e = readdir(d))) {
		n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 5, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((j = json_load_file(path, 0, NULL)))
			on_session(c, j);
		json_decref(j);
	}
	closedir(d);
}

static void watchdog_main(int rfd, enum recorder_loss mode, const char *mount, const char *run_dir,
			  const char *containers_dir)
{
	static const int ignored[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU};
	struct loss_ctx c = {.mode = mode, .mount = mount};
	bool armed = false;
	sigset_t none;
	ssize_t n;
	size_t i;
	char b = 0;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	setsid();
	if (dup2(rfd, 3) < 0)
		_exit(1);
	syscall(SYS_close_range, 4, ~0u, 0);
	for (;;) {
		n = read(3, &b, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 1 && b == 'a') {
			armed = true;
			continue;
		}
		break;
	}
	if (n == 1 || !armed) /* 'q', or a daemon that never took anything over */
		_exit(0);
	on_dir(&c, run_dir);
	c.containers = true;
	on_dir(&c, containers_dir);
	_exit(0);
}

int daemon_watchdog_start(struct daemon_watchdog *w, enum recorder_loss mode, const char *cg_mount,
			  const char *run_dir, const char *containers_dir, char *err, size_t errlen)
{
	int p[2];

	w->pid = 0;
	w->alive_fd = -1;
	if (pipe2(p, O_CLOEXEC)) {
		snprintf(err, errlen, "the daemon-loss watchdog's pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stderr);
	if ((w->pid = fork()) < 0) {
		snprintf(err, errlen, "forking the daemon-loss watchdog: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		w->pid = 0;
		return -1;
	}
	if (w->pid == 0) {
		close(p[1]);
		watchdog_main(p[0], mode, cg_mount, run_dir, containers_dir);
	}
	close(p[0]);
	w->alive_fd = p[1];
	return 0;
}

void daemon_watchdog_arm(struct daemon_watchdog *w)
{
	if (w->alive_fd >= 0)
		(void)!write(w->alive_fd, "a", 1);
}

void daemon_watchdog_stop(struct daemon_watchdog *w)
{
	if (w->alive_fd >= 0) {
		(void)!write(w->alive_fd, "q", 1);
		close(w->alive_fd);
		w->alive_fd = -1;
	}
	w->pid = 0; /* not reaped: it exits on its own, and init reaps it */
}
