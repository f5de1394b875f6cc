/* watchdog.h: --on-daemon-loss for every session of the daemon (issue 11,
 * issue 15 §1), container sessions included, which have no `run` client
 * to freeze them. A tiny process forked by the daemon at start (before
 * any thread, outside every session cgroup) holds the read end of a pipe
 * whose only writer is the daemon. When the daemon dies, whatever the
 * cause (kill -9 included), the kernel closes the write end: the watchdog
 * sees EOF without the daemon's "done" byte and freezes (or kills) the
 * cgroup of every session the daemon had saved (SOCKET.sessions/ and
 * SOCKET.containers/: what a restarted daemon takes back, and thaws).
 * It depends on nothing the dead process would have had to do.
 *
 *   freeze    every session's cgroup is frozen (cgroup.freeze)
 *   kill      every session's cgroup is killed (cgroup.kill)
 *   continue  only sessions with a policy are frozen (egress and files.deny
 *             live in the daemon: nothing of them may run unenforced)
 *
 * A session file whose cgroup id no longer matches its cgroup (the cgroup
 * was removed and the path made again) is left alone. */
#ifndef PROCTOR_DAEMON_WATCHDOG_H
#define PROCTOR_DAEMON_WATCHDOG_H
#include <stddef.h>
#include <sys/types.h>

#include "app/supervise.h"

/* DIR/ID.frozen: the watchdog froze container session ID (the daemon that
 * takes it back thaws it, and removes the mark; a container paused by its
 * user is left paused). */
#define WATCHDOG_FROZEN_SUFFIX ".frozen"

struct daemon_watchdog {
	pid_t pid;    /* 0: none */
	int alive_fd; /* the daemon's end of the pipe; -1: none */
};

/* Fork the watchdog (call before any thread starts: the child parses the
 * session files with the C library). It acts only once armed. cg_mount:
 * the cgroup v2 mount (a container file names its cgroup relative to it);
 * run_dir, containers_dir: the daemon's session files. */
int daemon_watchdog_start(struct daemon_watchdog *w, enum recorder_loss mode, const char *cg_mount,
			  const char *run_dir, const char *containers_dir, char *err,
			  size_t errlen);
/* The daemon has taken over its sessions: from now on its death stops them.
 * (A daemon that fails before this touches nothing of a predecessor's.) */
void daemon_watchdog_arm(struct daemon_watchdog *w);
/* The daemon ends with no session left: the watchdog exits, doing nothing. */
void daemon_watchdog_stop(struct daemon_watchdog *w);

#endif
