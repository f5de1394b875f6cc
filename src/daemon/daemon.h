/* daemon.h: `proctor daemon`: one engine (src/app) for the host, serving
 * sessions to `proctor run` clients over the control socket (proto.h). */
#ifndef PROCTOR_DAEMON_H
#define PROCTOR_DAEMON_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "serve/serve.h"
#include "app/app.h"
#include "daemon/auto.h"
#include "daemon/config.h"
#include "daemon/containers.h"
#include "daemon/session_policy.h"
#include "daemon/watchdog.h"
#include "serve/serve.h"

struct daemon_opts {
	const char *socket_path;
	const char *socket_group; /* NULL: root only */
	struct app_sinks sinks;
	const char *config; /* the pipeline config (--pipeline, or the config file's) */
	const struct daemon_config *cfg; /* the daemon config (auto-adoption rules) */
	const char *metrics;
	uint32_t ringbuf_bytes;
	const char *pin_dir; /* NULL: PROBE_PIN_DIR_DEFAULT */
	bool stop_sessions;  /* SIGTERM ends the sessions and removes the pins */
	/* --on-daemon-loss: what the watchdog (watchdog.h) does to the sessions
	 * when the daemon dies; freeze: run clients freeze theirs too */
	enum recorder_loss on_loss;
	/* --api: serve /api/v1 from the store; NULL none */
	const struct serve_opts *api;
};

/* Runs until SIGINT/SIGTERM; returns the process exit status. */
int daemon_main(const struct daemon_opts *o);

/* socket.c: the control socket. */
struct daemon_socket {
	int fd, lock_fd;
	char path[108], lock_path[128];
	bool group_set;
	gid_t gid;
};
/* Take the lock (a second daemon is refused, naming the first's pid),
 * replace a stale socket, refuse a foreign file, bind, set permissions. */
int daemon_socket_open(struct daemon_socket *ds, const char *path, const char *group, char *err,
		       size_t errlen);
void daemon_socket_close(struct daemon_socket *ds);
/* Whether the peer (SO_PEERCRED) may use the daemon: root, or a member of
 * --socket-group. Fills pid/uid; -1 with err when refused. */
int daemon_peer_allowed(const struct daemon_socket *ds, int fd, pid_t *pid, uid_t *uid, char *err,
			size_t errlen);

#define DAEMON_MAX_SESSIONS SESSION_TABLE_MAX

struct client;
/* One session the daemon records for a client. */
struct dsession {
	struct session ses;
	char cg_abs[4096], cg_rel[4096];
	struct client *client; /* NULL once its client hung up */
	bool ending, killed;   /* CMD exited (or client gone): grace, then kill */
	uint64_t deadline_ns;
	pid_t client_pid;	       /* the `run` client; a resumed session waits for it */
	struct session_policy *policy; /* run --policy (session_policy.h), NULL: none */
	json_t *policy_req;	       /* a resumed session's saved policy, to install */
};

struct daemon {
	struct app app;
	struct daemon_socket sock;
	char state_dir[200]; /* SOCKET.sessions/: one ID.json per live session */
	uint64_t resumed;    /* sessions taken back from a previous daemon */
	enum recorder_loss on_loss;
	struct daemon_watchdog wd; /* stops the sessions if we die (watchdog.h) */
	char cg_mount[4096];
	const char *store_path;
	uint64_t ring_bytes;
	struct dsession *sessions[DAEMON_MAX_SESSIONS];
	struct daemon_auto autos;	     /* auto-adopted sessions (auto.h) */
	struct daemon_containers containers; /* labelled containers (containers.h) */
	size_t nsessions, nclients;
	uint64_t started, ended, refused;
	uint64_t start_ns, start_mono_ns;
	/* events/s: committed records over the last rate window */
	uint64_t rate_t0_ns, rate_n0;
	double events_per_s;
	struct serve *api; /* the HTTP API (serve/serve.h): --api, or the config's serve: */
	struct serve_opts serve_opts; /* the config's serve: */
};

/* state.c: each live session's description in state_dir, written at
 * begin and removed at its end, so that a daemon started after this one
 * died can take the session back (the pinned maps still track it). */
/* A session taken back: its events and processes so far, from the store
 * (store_path NULL: none, nothing changes). */
void daemon_stored_counts(const char *store_path, struct session *x);
int daemon_state_save(const struct daemon *d, const struct dsession *s);
void daemon_state_remove(const struct daemon *d, const struct dsession *s);
/* Call fn for each saved session (filled from its file); a file that does
 * not parse is reported and removed. */
void daemon_state_foreach(struct daemon *d, void (*fn)(struct daemon *d, struct dsession *s));
void daemon_state_clear(const struct daemon *d);

#endif
