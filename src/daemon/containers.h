/* containers.h: the daemon's labelled containers, adopted at their start
 * (docs/DAEMON.md). The OCI hook (`proctor oci-hook`, run by the container
 * runtime at createRuntime: the container's cgroup exists and holds its
 * init, which has not exec'd the workload yet) sends the OCI state; here
 * the container's metadata is read from the runtime's own state, a
 * container with an attribution label becomes a session (origin "auto")
 * tracking its cgroup, and the hook is answered only then, so the
 * workload's first instruction is recorded with the container's name. The
 * session ends once the container's cgroup is empty. Each session is saved
 * in SOCKET.containers/ (containers_saved.c) while it lives: a daemon that
 * starts on the pinned state of a previous one (a restart, a kill -9) takes
 * it back, so a container running through a restart keeps one session. */
#ifndef PROCTOR_DAEMON_CONTAINERS_H
#define PROCTOR_DAEMON_CONTAINERS_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "app/adopt.h"
#include "app/app.h"
#include "daemon/cgwatch.h"
#include "daemon/config.h"

#define CONTAINERS_MAX_SESSIONS SESSION_TABLE_MAX

struct container_session {
	struct session ses;
	struct adopt ad;
	bool seen_alive;	  /* a process was in its cgroup (ends once none is) */
	uint64_t adopted_mono_ns; /* adopted before anything ran in it (the fallback) */
	bool gone;		  /* taken back, but its cgroup was gone: it ended */
};

#define CONTAINERS_IGNORED_KEEP 64 /* ids of unlabelled containers, not looked at again */

struct daemon_containers {
	struct app *app;
	const struct daemon_config *cfg;
	struct container_session *s[CONTAINERS_MAX_SESSIONS];
	size_t n;
	uint64_t started, ended, refused, ignored; /* ignored: no label */
	uint64_t resumed;			   /* taken back from a previous daemon */
	char saved_dir[200];			   /* SOCKET.containers */
	const char *resume_store;		   /* while resuming: the store */
	uint64_t next_check_ns;
	uint64_t last_adopt_ns; /* hook request -> adopted, the last one */
	char hook_file[4200];	/* installed by this daemon; "" none */
	struct cgwatch cgw;	/* the fallback: new container cgroups */
	char ignored_ids[CONTAINERS_IGNORED_KEEP][CONTAINER_ID_LEN + 1];
	size_t ignored_next;
};

/* SOCKET.containers: the saved container sessions (containers_saved.c). */
void daemon_containers_dir(const char *socket, char *out, size_t len);
/* Take the config; install the hook into cfg->hooks_dir when set (it runs
 * `exe oci-hook --socket socket`); watch for new container cgroups (the
 * fallback for a runtime without the hook: a podman container is adopted
 * when its cgroup appears, from podman's state under cfg->podman_storage,
 * which races with its first instructions; see docs/DAEMON.md). */
int daemon_containers_start(struct daemon_containers *dc, struct app *app,
			    const struct daemon_config *cfg, const char *cg_mount,
			    const char *socket, char *err, size_t errlen);
/* After start: take back the container sessions a previous daemon saved
 * when the probe re-opened its pinned state (their counts from the store
 * at store_path, NULL none); otherwise nothing of them survived: the saved
 * files are removed. Before the ring is read: what was buffered meanwhile
 * is theirs. */
void daemon_containers_resume(struct daemon_containers *dc, bool reopened, const char *store_path);
/* The hook's request (its OCI state): adopt the container when it is
 * labelled. 0 with *session set (NULL: not adopted, *why says why), or -1
 * with err. */
int daemon_container_start(struct daemon_containers *dc, json_t *state,
			   const struct session **session, const char **why, char *err,
			   size_t errlen);
/* The fallback's inotify fd for the daemon's loop (-1: none), and its
 * handler when it is readable. */
int daemon_containers_fd(const struct daemon_containers *dc);
void daemon_containers_on_cgroups(struct daemon_containers *dc);
/* From the daemon's loop: end the sessions of containers that are gone. */
void daemon_containers_tick(struct daemon_containers *dc);
void daemon_containers_end_all(struct daemon_containers *dc);
/* Shutdown with sessions kept for the next daemon: stop watching and let
 * go of the sessions (tracked in the pinned maps, saved on disk); they are
 * freed by daemon_containers_free, after the engine. */
void daemon_containers_let_go(struct daemon_containers *dc);
void daemon_containers_free(struct daemon_containers *dc);

/* containers_saved.c: the saved sessions in dir. */
int containers_saved_write(const char *dir, const struct container_session *cs);
void containers_saved_remove(const char *dir, const char *id);
/* fn gets each saved session (allocated; mount the cgroup v2 mount); a
 * file that is not one is removed. */
void containers_saved_foreach(const char *dir, const char *mount,
			      void (*fn)(void *ctx, struct container_session *cs), void *ctx);
void containers_saved_clear(const char *dir);

#endif
