/* adopt.h: adoption of what is already running into a session of the
 * engine (`proctor watch`, and the daemon's socket handler): a process and
 * its descendants, or a cgroup and everything below it.
 *
 * A process tree is moved into a fresh session cgroup (<v2>/proctor/<id>):
 * its original cgroup may hold processes that are not the tree's (a login
 * scope, a service), and tracking that cgroup would claim them. Every move
 * is recorded (a process.adopt record with the cgroup it came from); at the
 * end the tree's survivors are moved back to their original cgroups. A
 * cgroup is tracked in place, with every cgroup below it; nothing is moved.
 * Either way the session is marked origin "watch" (unless its caller set
 * another, as the daemon's labelled containers do: "auto") with adopted_ns, and the
 * processes are seeded from /proc like `run` does. Nothing before adoption
 * is claimed.
 *
 * Checks first (cheap, before the BPF programs load; a failure is bad input,
 * exit 2), then adoption (a failure leaves nothing registered or moved). */
#ifndef PROCTOR_ADOPT_H
#define PROCTOR_ADOPT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/app.h"
#include "app/container_inspect.h"

struct adopt_move {
	uint32_t pid;
	char *from; /* its cgroup before adoption, relative to the mount */
};

struct adopt {
	char mount[4096];		 /* the cgroup v2 mount */
	char cg_abs[4096], cg_rel[4096]; /* the session's cgroup */
	bool owns_cgroup;		 /* made by us (pid adoption) */
	uint32_t root;			 /* the adopted pid; 0 for a cgroup */
	struct adopt_move *moves;
	size_t nmoves;
};

/* The pid exists, is not this process, and is not in a session already
 * (a proctor session cgroup, or a process of a session of a). */
int adopt_check_pid(const struct app *a, uint32_t pid, char *err, size_t errlen);
/* The cgroup (absolute, or relative to the v2 mount as in /proc/PID/cgroup)
 * exists and is not a proctor session's; fills ad->mount, cg_abs, cg_rel. */
int adopt_check_cgroup(struct adopt *ad, const char *cgroup, char *err, size_t errlen);

/* The container ref (name or id) runs, and its cgroup v2 path names it
 * (container_from_cgroup gives the same id): fills m, then checks that
 * cgroup like adopt_check_cgroup. Its processes are never moved out. */
int adopt_check_container(struct adopt *ad, const char *ref, struct container_meta *m, char *err,
			  size_t errlen);

/* Adopt pid and its descendants into session s (set up with session_init;
 * its attribution filled). Registers s with the app. */
int app_adopt_pid(struct app *a, struct session *s, uint32_t pid, struct adopt *ad, char *err,
		  size_t errlen);
/* Adopt the cgroup adopt_check_cgroup accepted into session s. */
int app_adopt_cgroup(struct app *a, struct session *s, struct adopt *ad, char *err, size_t errlen);
/* Anything still runs in the adopted cgroup. */
bool adopt_alive(const struct adopt *ad);
/* End the session (drain, untrack, session end), move a tree's survivors
 * back, remove the session cgroup we made, free ad. */
void app_release_adopted(struct app *a, struct session *s, struct adopt *ad);

/* Auto-adoption (the daemon, docs/DAEMON.md): register session s, whose key
 * the kernel made when pid exec'd a known agent's executable, with origin
 * "auto". Nothing is tracked or moved here: the kernel already tracks the
 * task by lineage; the session.adopt record says so. */
int app_adopt_auto(struct app *a, struct session *s, uint32_t pid, char *err, size_t errlen);
/* Some process of the session is known and has not exited. */
bool app_session_alive(const struct app *a, uint64_t session_key);

#endif
