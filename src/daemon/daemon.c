/* daemon.c: the daemon's loop: one engine (app) for the host, the control
 * socket's clients, and the sessions they run. A session's life: begin
 * (the client's child, waiting to exec, is moved into a fresh tracked
 * cgroup), end (the client reports CMD's exit; leftovers get a grace
 * period, then the cgroup is killed) and the summary back to the client.
 * A client that hangs up without ending its session ends it the same way,
 * so no half-registered session outlives its client. */
#include "daemon/daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app/metrics.h"
#include "serve/serve.h"
#include "daemon/proto.h"
#include "daemon/status.h"
#include "egress/session.h"
#include "probe/cgroup.h"
#include "probe/pin.h"
#include "store/store.h"
#include "util/util.h"

#define MAX_CLIENTS	1024
#define HANGUP_GRACE_NS 5000000000ull

struct client {
	int fd;
	pid_t pid;
	uid_t uid;
	bool hello;
	struct dsession *ses; /* the session this client runs, NULL: none */
};

static int err_reply(int fd, const char *msg)
{
	json_t *j = json_pack("{s:b,s:s}", "ok", 0, "error", msg);
	int rc = proto_send(fd, j);

	json_decref(j);
	return rc;
}

static struct dsession *dsession_new(void)
{
	struct dsession *s = calloc(1, sizeof(*s));

	if (s)
		s->ses.exit_code = -1;
	return s;
}

static void dsession_free(struct dsession *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < s->ses.argc; i++)
		free(s->ses.argv[i]);
	free(s->ses.argv);
	json_decref(s->policy_req);
	free(s);
}

static void list_remove(struct daemon *d, struct dsession *s)
{
	size_t i;

	for (i = 0; i < d->nsessions; i++)
		if (d->sessions[i] == s) {
			d->sessions[i] = d->sessions[--d->nsessions];
			return;
		}
}

/* The session whose cgroup holds pid (at any depth), NULL: none. */
static struct dsession *session_of_pid(struct daemon *d, pid_t pid)
{
	char cg[4096];
	size_t i, n;

	if (proc_cgroup2_path((uint32_t)pid, cg, sizeof(cg)))
		return NULL;
	for (i = 0; i < d->nsessions; i++) {
		n = strlen(d->sessions[i]->cg_rel);
		if (!strncmp(cg, d->sessions[i]->cg_rel, n) && (cg[n] == 0 || cg[n] == '/'))
			return d->sessions[i];
	}
	return NULL;
}

/* The live session pid belongs to by lineage (wherever its cgroup is: an
 * auto-adopted agent, a process that left its session cgroup), NULL: none. */
static const struct session *lineage_session(struct daemon *d, pid_t pid)
{
	uint64_t key;

	if (probe_task_session(&d->app.probe, pid, &key))
		return NULL;
	return session_find(&d->app.pipeline.sessions, key);
}

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[1024], *p;
	int ppid = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small_file(path, buf, sizeof(buf)) <= 0 || !(p = strrchr(buf, ')')))
		return 0;
	sscanf(p + 2, "%*c %d", &ppid);
	return ppid;
}

static void copy_str(char *dst, size_t len, json_t *req, const char *key)
{
	const char *v = json_string_value(json_object_get(req, key));

	snprintf(dst, len, "%s", v ? v : "");
}

static int take_argv(struct session *s, json_t *argv, char *err, size_t errlen)
{
	size_t i, n = json_array_size(argv);

	if (!json_is_array(argv) || !n || n > 4096) {
		snprintf(err, errlen, "session.begin: argv must be a non-empty array");
		return -1;
	}
	if (!(s->argv = calloc(n + 1, sizeof(char *))))
		return -1;
	for (i = 0; i < n; i++) {
		const char *a = json_string_value(json_array_get(argv, i));
		if (!a || !(s->argv[i] = strdup(a))) {
			snprintf(err, errlen, "session.begin: argv[%zu] is not a string", i);
			return -1;
		}
		s->argc = (int)i + 1;
	}
	return 0;
}

/* Everything a begin set up, undone in reverse (nothing half-registered). */
static void session_undo(struct daemon *d, struct dsession *s)
{
	session_policy_free(&d->app, &s->ses, s->policy);
	if (*s->cg_abs) {
		cgroup_kill(s->cg_abs);
		cgroup_remove(s->cg_abs);
	}
	dsession_free(s);
}

static int begin_checks(struct daemon *d, struct client *c, json_t *req, pid_t *child, char *err,
			size_t errlen)
{
	struct dsession *in;
	const struct session *tracked = NULL;
	json_int_t pid = json_integer_value(json_object_get(req, "pid"));

	if (c->ses) {
		snprintf(err, errlen, "this connection already runs session %s", c->ses->ses.id);
		return -1;
	}
	if ((in = session_of_pid(d, c->pid)) || (tracked = lineage_session(d, c->pid))) {
		snprintf(err, errlen,
			 "refused: the request comes from inside session %s, whose tracking a "
			 "tracked process may not change",
			 in ? in->ses.id : tracked->id);
		return -1;
	}
	if (pid <= 0 || parent_of((pid_t)pid) != c->pid) {
		snprintf(err, errlen, "session.begin: pid %lld is not a child of the client",
			 (long long)pid);
		return -1;
	}
	if (d->nsessions >= DAEMON_MAX_SESSIONS) {
		d->refused++;
		snprintf(err, errlen, "too many sessions (at most %d at once)",
			 DAEMON_MAX_SESSIONS);
		return -1;
	}
	*child = (pid_t)pid;
	return 0;
}

static void give_freeze(const char *cg_abs, uid_t uid)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/cgroup.freeze", cg_abs);
	if (chown(path, uid, (gid_t)-1))
		dbg_msg("chown %s: %s", path, strerror(errno));
}

static int begin_session(struct daemon *d, struct client *c, json_t *req, char *err, size_t errlen)
{
	const char *loss;
	char agent[64], project[128];
	struct dsession *s;
	bool freeze;
	pid_t child;
	json_t *rep;

	if (begin_checks(d, c, req, &child, err, errlen) || !(s = dsession_new()))
		return -1;
	copy_str(agent, sizeof(agent), req, "agent");
	copy_str(project, sizeof(project), req, "project");
	session_init(&s->ses, *agent ? agent : NULL, *project ? project : NULL);
	copy_str(s->ses.user, sizeof(s->ses.user), req, "user");
	/* run --fail-closed: this session alone (fail_closed: true, every one) */
	s->ses.fail_closed = json_is_true(json_object_get(req, "fail_closed"));
	if (take_argv(&s->ses, json_object_get(req, "argv"), err, errlen) ||
	    cgroup_create(d->cg_mount, s->ses.id, s->cg_abs, sizeof(s->cg_abs), s->cg_rel,
			  sizeof(s->cg_rel), err, errlen)) {
		session_undo(d, s);
		return -1;
	}
	if (cgroup_id(s->cg_abs, &s->ses.cgroup_id) || cgroup_move(s->cg_abs, child)) {
		snprintf(err, errlen, "cannot move pid %d into %s: %s", (int)child, s->cg_abs,
			 strerror(errno));
		session_undo(d, s);
		return -1;
	}
	snprintf(s->ses.cgroup_path, sizeof(s->ses.cgroup_path), "%s", s->cg_abs);
	/* the policy before the tracking, as in a standalone run: the feed and
	 * the rules exist before the child may exec */
	if (json_object_get(req, "policy") &&
	    !(s->policy = session_policy_install(&d->app, &s->ses, s->cg_abs,
						 json_object_get(req, "policy"), err, errlen))) {
		session_undo(d, s);
		return -1;
	}
	if (app_add_session(&d->app, &s->ses, s->cg_rel, (uint32_t)child, err, errlen)) {
		session_undo(d, s); /* app_add_session undid its part */
		return -1;
	}
	s->client = c;
	s->client_pid = c->pid;
	c->ses = s;
	d->sessions[d->nsessions++] = s;
	d->started++;
	daemon_state_save(d, s);
	/* a policy needs a daemon (egress programs, fanotify): without one
	 * its session stays frozen, whatever --on-daemon-loss says */
	freeze = d->on_loss == LOSS_FREEZE || (d->on_loss == LOSS_CONTINUE && s->policy);
	loss = d->on_loss == LOSS_KILL ? "kill" : freeze ? "freeze" : "continue";
	if (freeze && c->uid) /* the client freezes it too if we die */
		give_freeze(s->cg_abs, c->uid);
	rep = json_pack("{s:b,s:s,s:s,s:s}", "ok", 1, "session", s->ses.id, "cgroup", s->cg_abs,
			"on_daemon_loss", loss);
	proto_send(c->fd, rep);
	json_decref(rep);
	return 0;
}

static void start_ending(struct dsession *s, uint64_t grace_ns)
{
	if (s->ending)
		return;
	s->ending = true;
	s->deadline_ns = now_monotonic_ns() + grace_ns;
}

static int end_session(struct client *c, json_t *req, char *err, size_t errlen)
{
	json_t *g = json_object_get(req, "grace_ns");

	if (!c->ses) {
		snprintf(err, errlen, "session.end: this connection runs no session");
		return -1;
	}
	c->ses->ses.exit_code = (int)json_integer_value(json_object_get(req, "exit_code"));
	c->ses->ses.exit_signal = (int)json_integer_value(json_object_get(req, "exit_signal"));
	start_ending(c->ses, g ? (uint64_t)json_integer_value(g) : HANGUP_GRACE_NS);
	return 0;
}

/* The session is over: drain, close it in the sinks, tell its client. */
static void finish_session(struct daemon *d, struct dsession *s)
{
	const struct session *x = &s->ses;
	char *egress;
	json_t *rep;

	cgroup_kill(s->cg_abs);
	egress = session_policy_finish(&d->app, s->policy);
	app_end_session(&d->app, &s->ses);
	session_policy_free(&d->app, &s->ses, s->policy);
	s->policy = NULL;
	cgroup_remove(s->cg_abs);
	if (s->client) {
		rep = json_pack("{s:b,s:s,s:I,s:I,s:I,s:I,s:s,s:i,s:s}", "ok", 1, "session", x->id,
				"processes", (json_int_t)x->processes, "events",
				(json_int_t)x->events, "drops", (json_int_t)x->drops,
				"kernel_drops", (json_int_t)x->kernel_drops, "drops_detail",
				x->drops_detail, "exit_code", x->exit_code, "egress_summary",
				egress ? egress : "");
		if (x->fail_closed || x->freezes)
			json_object_update_new(rep,
					       json_pack("{s:b,s:I,s:I}", "fail_closed", 1,
							 "freezes", (json_int_t)x->freezes,
							 "frozen_ns", (json_int_t)x->frozen_ns));
		proto_send(s->client->fd, rep);
		json_decref(rep);
		s->client->ses = NULL;
	}
	free(egress);
	d->ended++;
	daemon_state_remove(d, s);
	list_remove(d, s);
	dsession_free(s);
}

static bool pid_alive(pid_t pid)
{
	return pid > 0 && (!kill(pid, 0) || errno != ESRCH);
}

static void tick_sessions(struct daemon *d)
{
	uint64_t now = now_monotonic_ns();
	size_t i;

	for (i = d->nsessions; i-- > 0;) {
		struct dsession *s = d->sessions[i];
		session_policy_tick(s->policy);
		/* a resumed session whose client died while no daemon ran */
		if (!s->client && !s->ending && !pid_alive(s->client_pid))
			start_ending(s, HANGUP_GRACE_NS);
		if (!s->ending)
			continue;
		if (!cgroup_populated(s->cg_abs) || (s->killed && now >= s->deadline_ns)) {
			if (!session_policy_wait(s->policy))
				finish_session(d, s);
		} else if (!s->killed && now >= s->deadline_ns) {
			cgroup_kill(s->cg_abs);
			s->killed = true;
			s->deadline_ns = now + 5000000000ull;
		}
	}
}

static int hello(struct client *c, json_t *req, char *err, size_t errlen)
{
	json_t *rep;

	if (proto_version_mismatch((int)json_integer_value(json_object_get(req, "version")),
				   json_string_value(json_object_get(req, "proctor")),
				   PROTO_VERSION, err, errlen))
		return -1;
	c->hello = true;
	rep = json_pack("{s:b,s:i,s:s,s:i}", "ok", 1, "version", PROTO_VERSION, "proctor",
			PROCTOR_VERSION, "pid", (int)getpid());
	proto_send(c->fd, rep);
	json_decref(rep);
	return 0;
}

/* A `run` client whose daemon died takes its session back from this one:
 * only the process that began it may (SO_PEERCRED pid). */
static int resume_session(struct daemon *d, struct client *c, json_t *req, char *err, size_t errlen)
{
	const char *id = json_string_value(json_object_get(req, "session"));
	struct dsession *s = NULL;
	json_t *rep;
	size_t i;

	for (i = 0; id && i < d->nsessions && !s; i++)
		if (!strcmp(d->sessions[i]->ses.id, id))
			s = d->sessions[i];
	if (!s) {
		snprintf(err, errlen, "session.resume: no live session '%s'", id ? id : "");
		return -1;
	}
	if (c->ses || s->client || c->pid != s->client_pid) {
		snprintf(err, errlen, "session.resume: session %s belongs to client pid %d", id,
			 (int)s->client_pid);
		return -1;
	}
	s->client = c;
	c->ses = s;
	rep = json_pack("{s:b,s:s}", "ok", 1, "session", id);
	proto_send(c->fd, rep);
	json_decref(rep);
	return 0;
}

/* The OCI hook of a container starting (containers.h): root only, and
 * never from inside a session (a container a tracked process starts is
 * recorded in that session already, by lineage). */
static int container_start(struct daemon *d, struct client *c, json_t *req, char *err,
			   size_t errlen)
{
	const struct session *s, *tracked;
	struct dsession *in;
	const char *why;
	json_t *rep;

	if (c->uid) {
		snprintf(err, errlen, "container.start: only root (the container runtime) may");
		return -1;
	}
	if ((in = session_of_pid(d, c->pid)) || (tracked = lineage_session(d, c->pid))) {
		snprintf(err, errlen,
			 "container.start: the container is started from inside session %s, "
			 "which records it",
			 in ? in->ses.id : tracked->id);
		return -1;
	}
	if (daemon_container_start(&d->containers, json_object_get(req, "state"), &s, &why, err,
				   errlen))
		return -1;
	rep = s ? json_pack("{s:b,s:b,s:s}", "ok", 1, "adopted", 1, "session", s->id)
		: json_pack("{s:b,s:b,s:s}", "ok", 1, "adopted", 0, "why", why);
	proto_send(c->fd, rep);
	json_decref(rep);
	return 0;
}

/* One request; -1 with err: refused (the client gets err). */
static int handle(struct daemon *d, struct client *c, json_t *req, char *err, size_t errlen)
{
	const char *op = json_string_value(json_object_get(req, "op"));

	if (!op) {
		snprintf(err, errlen, "malformed request: no \"op\"");
		return -1;
	}
	if (!strcmp(op, "hello"))
		return hello(c, req, err, errlen);
	if (!c->hello) {
		snprintf(err, errlen, "the first request must be hello");
		return -1;
	}
	if (!strcmp(op, "session.begin"))
		return begin_session(d, c, req, err, errlen);
	if (!strcmp(op, "session.end"))
		return end_session(c, req, err, errlen);
	if (!strcmp(op, "session.resume"))
		return resume_session(d, c, req, err, errlen);
	if (!strcmp(op, "container.start"))
		return container_start(d, c, req, err, errlen);
	if (!strcmp(op, "status")) {
		json_t *rep = daemon_status_json(d);
		proto_send(c->fd, rep);
		json_decref(rep);
		return 0;
	}
	snprintf(err, errlen, "unknown request '%s'", op);
	return -1;
}

static void drop_client(struct daemon *d, int ep, struct client *c)
{
	if (c->ses) {
		c->ses->client = NULL;
		start_ending(c->ses, HANGUP_GRACE_NS);
	}
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	d->nclients--;
	free(c);
}

static void on_client(struct daemon *d, int ep, struct client *c)
{
	char err[8192] = "";
	json_t *req;

	if (proto_recv(c->fd, &req, err, sizeof(err))) {
		if (strcmp(err, "connection closed"))
			dbg_msg("client pid %d: %s", (int)c->pid, err);
		drop_client(d, ep, c);
		return;
	}
	if (handle(d, c, req, err, sizeof(err)))
		err_reply(c->fd, err);
	json_decref(req);
}

static void on_accept(struct daemon *d, int ep)
{
	struct timeval tv = {.tv_sec = 2};
	struct epoll_event ev = {.events = EPOLLIN};
	char err[256];
	struct client *c;
	int fd;

	while ((fd = accept4(d->sock.fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		if (!(c = calloc(1, sizeof(*c))) || d->nclients >= MAX_CLIENTS) {
			err_reply(fd, "too many clients");
			free(c);
			close(fd);
			continue;
		}
		c->fd = fd;
		if (daemon_peer_allowed(&d->sock, fd, &c->pid, &c->uid, err, sizeof(err))) {
			err_reply(fd, err);
			close(fd);
			free(c);
			continue;
		}
		/* a client that stalls mid-message cannot stall the daemon */
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		ev.data.ptr = c;
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		d->nclients++;
	}
}

/* A session the previous daemon recorded: back in the engine before the
 * first read of the ring, so what was buffered for it attributes. Its
 * cgroup gone: everything in it ended in the gap; it ends now. */
/* The counts of a session taken back go on from what its store holds. */
void daemon_stored_counts(const char *store_path, struct session *x)
{
	struct store st;
	int64_t ev, procs;
	char err[512];

	if (!store_path || store_open_ro(&st, store_path, err, sizeof(err)))
		return;
	if (!store_session_counts(&st, x->id, &ev, &procs)) {
		x->events = (uint64_t)ev;
		x->processes = (uint64_t)procs;
	}
	store_close(&st);
}

/* A resumed session's policy, installed again before it is thawed (its
 * egress programs and fanotify engine died with the previous daemon; it
 * was frozen meanwhile). One that cannot be installed: the session is
 * killed, nothing of it runs unenforced. Whether it runs on. */
static bool resume_policy(struct daemon *d, struct dsession *s, bool gone)
{
	char err[4096];

	if (!gone && (s->policy = session_policy_install(&d->app, &s->ses, s->cg_abs, s->policy_req,
							 err, sizeof(err))))
		return true;
	if (!gone) {
		err_msg("session %s of the previous daemon: its policy: %s; its processes are "
			"killed (nothing of it runs unenforced)",
			s->ses.id, err);
		cgroup_kill(s->cg_abs);
	}
	enforce_remove_session(&d->app.enforce, &d->app.probe, s->ses.key);
	return false;
}

static void resume_one(struct daemon *d, struct dsession *s)
{
	char err[512];
	uint64_t id = 0;
	bool gone = cgroup_id(s->cg_abs, &id) || id != s->ses.cgroup_id;

	daemon_stored_counts(d->store_path, &s->ses);
	/* the policy first: the sinks' session start sees it (the feed) */
	if (s->policy_req && d->nsessions < DAEMON_MAX_SESSIONS)
		gone = !resume_policy(d, s, gone);
	if (d->nsessions >= DAEMON_MAX_SESSIONS ||
	    app_resume_session(&d->app, &s->ses, s->cg_rel, err, sizeof(err))) {
		err_msg("session %s of the previous daemon: %s", s->ses.id,
			d->nsessions >= DAEMON_MAX_SESSIONS ? "too many sessions" : err);
		session_policy_free(&d->app, &s->ses, s->policy);
		daemon_state_remove(d, s);
		dsession_free(s);
		return;
	}
	d->sessions[d->nsessions++] = s;
	d->resumed++;
	if (!gone) /* frozen by its client (--on-daemon-loss freeze): it runs on */
		cgroup_freeze(s->cg_abs, false);
	dbg_msg("resumed session %s (client pid %d)%s", s->ses.id, (int)s->client_pid,
		gone ? ", its cgroup is gone" : "");
	if (gone)
		start_ending(s, 0);
}

/* A session of a previous daemon that no kernel state kept recording (the
 * pins were gone: a reboot, removed): crashed, with the counts its store
 * holds; its control socket and its cgroup, once empty, are removed (a
 * populated one, frozen or not, is left to the user, and said). */
static void crash_one(struct daemon *d, struct dsession *s)
{
	struct store st;
	char err[512], sock[512];
	int rc = -1;

	if (d->store_path && !store_open_rw(&st, d->store_path, err, sizeof(err))) {
		if ((rc = store_mark_crashed(&st, s->ses.id)))
			snprintf(err, sizeof(err), "%s", store_errmsg(&st));
		store_close(&st);
	}
	if (rc && d->store_path)
		err_msg("warning: marking session %s crashed: %s", s->ses.id, err);
	else if (!rc)
		err_msg("session %s: its daemon died and nothing kept recording it; marked crashed",
			s->ses.id);
	snprintf(sock, sizeof(sock), "%s/%s.sock", PROCTOR_CTL_DIR, s->ses.id);
	unlink(sock);
	if (cgroup_populated(s->cg_abs))
		err_msg("warning: session %s: processes are left in %s, unrecorded", s->ses.id,
			s->cg_abs);
	else
		cgroup_remove(s->cg_abs);
	dsession_free(s);
}

static void resume_sessions(struct daemon *d)
{
	if (d->app.probe.reopened) {
		daemon_state_foreach(d, resume_one);
		return;
	}
	/* freshly loaded: no kernel state survived, so neither did the sessions */
	daemon_state_foreach(d, crash_one);
	daemon_state_clear(d);
}

/* The HTTP API of the config's `serve:` over the daemon's store. */
static int daemon_serve_start(struct daemon *d, const struct daemon_opts *o, char *err,
			      size_t errlen)
{
	const struct daemon_serve *sv = &o->cfg->serve;

	if (!d->store_path) {
		snprintf(err, errlen, "serve: needs the daemon's store (not --db none)");
		return -1;
	}
	d->serve_opts = (struct serve_opts){
		.listen = sv->listen,
		.db = d->store_path,
		.tls_cert = *sv->tls_cert ? sv->tls_cert : NULL,
		.tls_key = *sv->tls_key ? sv->tls_key : NULL,
		.insecure_http = sv->insecure_http,
		.what = "serve: listen",
		.tls_options = "serve: tls_cert and tls_key",
	};
	return (d->api = serve_start(&d->serve_opts, err, errlen)) ? 0 : -1;
}

/* The watchdog, forked before any thread (the probe's loaders, the
 * metrics and API servers, the fail-closed watcher) starts. */
static int start_watchdog(struct daemon *d, char *err, size_t errlen)
{
	char containers[200];

	snprintf(d->state_dir, sizeof(d->state_dir), "%.180s.sessions", d->sock.path);
	daemon_containers_dir(d->sock.path, containers, sizeof(containers));
	return daemon_watchdog_start(&d->wd, d->on_loss, d->cg_mount, d->state_dir, containers, err,
				     errlen);
}

static int daemon_setup(struct daemon *d, const struct daemon_opts *o, char *err, size_t errlen)
{
	if (daemon_auto_check(o->cfg, err, errlen) ||
	    daemon_socket_open(&d->sock, o->socket_path, o->socket_group, err, errlen) ||
	    cgroup2_mount(d->cg_mount, sizeof(d->cg_mount), err, errlen) ||
	    start_watchdog(d, err, errlen) || app_init(&d->app, err, errlen) ||
	    app_open_sinks(&d->app, &o->sinks, err, errlen) ||
	    (o->config && app_load_config(&d->app, o->config, err, errlen)))
		return -1;
	if (!d->app.pipeline.nsinks) {
		snprintf(err, errlen, "no sinks: --db none needs --jsonl, --export or --config");
		return -1;
	}
	if (o->metrics && metrics_start(o->metrics, &d->app.pipeline, err, errlen))
		return -1;
	if (o->cfg && *o->cfg->otlp_receiver &&
	    app_telemetry_start(&d->app, o->cfg->otlp_receiver, err, errlen))
		return -1;
	if (o->api && !(d->api = serve_start(o->api, err, errlen)))
		return -1;
	if (!o->api && o->cfg && *o->cfg->serve.listen && daemon_serve_start(d, o, err, errlen))
		return -1;
	d->app.pin_dir = o->pin_dir ? o->pin_dir : PROBE_PIN_DIR_DEFAULT;
	if (app_start_probe(&d->app, o->ringbuf_bytes, err, errlen))
		return -1;
	d->ring_bytes = probe_map_ringbuf_bytes(&d->app.probe);
	app_defer_ring_release(&d->app);
	d->app.fail_closed_all = o->cfg && o->cfg->fail_closed;
	resume_sessions(d);
	if (daemon_auto_start(&d->autos, &d->app, o->cfg, err, errlen))
		return -1;
	if (daemon_containers_start(&d->containers, &d->app, o->cfg, d->cg_mount, d->sock.path, err,
				    errlen))
		return -1;
	daemon_containers_resume(&d->containers, d->app.probe.reopened, d->store_path);
	daemon_watchdog_arm(&d->wd); /* the sessions are ours now */
	return 0;
}

static void daemon_loop(struct daemon *d, int sfd)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN}, out[16];
	bool stop = false;

	ev.data.ptr = &d->sock;
	epoll_ctl(ep, EPOLL_CTL_ADD, d->sock.fd, &ev);
	ev.data.ptr = d;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	/* edge-triggered: with deferred release the ring stays readable until
	 * the next flush; the kernel's wake-ups (and the 50 ms tick) drive us */
	ev.events = EPOLLIN | EPOLLET;
	ev.data.ptr = &d->app;
	epoll_ctl(ep, EPOLL_CTL_ADD, probe_fd(&d->app.probe), &ev);
	ev.events = EPOLLIN;
	ev.data.ptr = &d->containers;
	if (daemon_containers_fd(&d->containers) >= 0)
		epoll_ctl(ep, EPOLL_CTL_ADD, daemon_containers_fd(&d->containers), &ev);
	while (!stop) {
		int n = epoll_wait(ep, out, 16, 50), i;
		for (i = 0; i < n; i++) {
			void *p = out[i].data.ptr;
			if (p == &d->sock)
				on_accept(d, ep);
			else if (p == d) {
				struct signalfd_siginfo si;
				while (read(sfd, &si, sizeof(si)) == sizeof(si))
					stop = true;
			} else if (p == &d->containers)
				daemon_containers_on_cgroups(&d->containers);
			else if (p != &d->app)
				on_client(d, ep, p);
		}
		app_drain(&d->app);
		daemon_note_rate(d);
		tick_sessions(d);
		daemon_auto_tick(&d->autos);
		daemon_containers_tick(&d->containers);
	}
	close(ep);
}

/* Shutdown. With --stop-sessions, or when no session is live, every
 * session ends now (its processes are killed) and the pins are removed.
 * Otherwise the sessions keep running and the pinned programs keep
 * recording them into the pinned ring buffer for the next daemon. */
static void shutdown_sessions(struct daemon *d, bool stop)
{
	size_t live;

	/* auto-adopted agents have no client to resume them: they end here */
	daemon_auto_end_all(&d->autos);
	live = d->nsessions + d->containers.n; /* containers: saved, taken back */
	if (!stop && live) {
		daemon_containers_let_go(&d->containers);
		if (d->on_loss == LOSS_CONTINUE)
			fprintf(stderr,
				"proctor: %zu session(s) keep running, recorded into the pinned "
				"ring buffer in %s until a daemon starts again\n",
				live, d->app.pin_dir);
		else /* by the watchdog, once we are gone */
			fprintf(stderr, "proctor: %zu session(s) are %s (--on-daemon-loss %s)\n",
				live,
				d->on_loss == LOSS_KILL ? "killed" : "frozen until a daemon starts",
				recorder_loss_name(d->on_loss));
		return; /* this daemon only lets go of them (freed after the engine) */
	}
	daemon_containers_end_all(&d->containers);
	while (d->nsessions) {
		struct dsession *s = d->sessions[d->nsessions - 1];
		finish_session(d, s);
	}
	daemon_state_clear(d);
	probe_pin_remove(d->app.pin_dir);
	daemon_watchdog_stop(&d->wd); /* nothing is left for it */
}

int daemon_main(const struct daemon_opts *o)
{
	struct daemon *d = calloc(1, sizeof(*d));
	char err[4800];
	sigset_t mask;
	int sfd, rc = 3;

	if (!d)
		return rc;
	d->start_mono_ns = now_monotonic_ns();
	d->start_ns = now_realtime_ns();
	d->on_loss = o->on_loss;
	d->wd.alive_fd = -1;
	d->store_path = o->sinks.store;
	d->ring_bytes = o->ringbuf_bytes ? o->ringbuf_bytes : (uint64_t)PR_RINGBUF_DEFAULT_MB << 20;
	if (daemon_setup(d, o, err, sizeof(err))) {
		err_msg("%s", err);
		rc = strstr(err, "another proctor daemon") ? 1 : 3;
		goto out;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	fprintf(stderr, "proctor: daemon %s (pid %d) listening on %s\n", PROCTOR_VERSION,
		(int)getpid(), d->sock.path);
	daemon_loop(d, sfd);
	shutdown_sessions(d, o->stop_sessions);
	close(sfd);
	rc = 0;
out:
	serve_stop(d->api);
	metrics_stop();
	daemon_socket_close(&d->sock);
	app_destroy(&d->app);
	while (d->nsessions)
		dsession_free(d->sessions[--d->nsessions]);
	daemon_containers_free(&d->containers);
	free(d);
	return rc;
}
